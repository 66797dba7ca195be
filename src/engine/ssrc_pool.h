// SSRCs for viewer sessions, reused once a session has ended.
//
// Each SSRC a session announces becomes permanent GLib state: webrtcbin turns
// the a=ssrc lines of its descriptions into caps fields named
// "ssrc-<ssrc>-cname", "ssrc-<ssrc>-msid", and its stats into fields named
// "rtp-outbound-stream-stats_<ssrc>", and GstStructure interns every field
// name as a GQuark, which GLib never frees (and whose array it leaks each time
// it grows: glib/gquark.c). A fresh random SSRC per session therefore grew the
// agent by a few hundred bytes per viewer for ever. Every viewer session is
// its own RTP session (own transport, own SRTP keys), so an SSRC that ended
// with one session is as good as a random one for the next: RFC 3550 asks for
// uniqueness within a session, which the pool keeps by never handing out an
// SSRC that is in use.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <set>
#include <vector>

namespace engine {

class SsrcPool {
 public:
  // A released SSRC when there is one, else a new random one (never 0, never
  // one in use).
  uint32_t Acquire();
  // Back into the pool; an SSRC not handed out by Acquire is ignored.
  void Release(uint32_t ssrc);

  size_t in_use() const;
  size_t known() const;  // every SSRC handed out so far, in use or free

 private:
  mutable std::mutex mu_;
  std::set<uint32_t> in_use_;
  std::vector<uint32_t> free_;
  std::mt19937 random_{std::random_device{}()};
};

// The process's pool, shared by every feed's sessions.
SsrcPool& SessionSsrcs();

}  // namespace engine
