// Counts the GStreamer elements alive in this process, by type: a tracer
// hook sees every element made, a weak reference sees it go. Proof that a
// stopped session freed everything (the soak test, the soak bench through
// the agent's metrics), where GLib's own instance counts read 0 (they count
// only in debug builds of GLib) and the leaks tracer's get-live-objects
// races with elements disposed on streaming threads in GStreamer 1.22 (it
// crashed the process).
//
// One census per process, installed once (GStreamer offers no way to remove
// a tracer hook); counts are kept under a small lock.
#pragma once

#include <map>
#include <string>

namespace engine {

// Starts counting; idempotent. Needs GStreamer initialised.
void InstallElementCensus();
// Live elements by GType name ("GstX264Enc" -> 1); empty before Install.
std::map<std::string, int> LiveElements();
// The sum of LiveElements().
int LiveElementCount();

}  // namespace engine
