// Keeping the agent's heap flat while viewers come and go.
//
// Every viewer session builds and frees a pipeline whose streaming threads
// (encoder, DTLS, libnice, webrtcbin) allocate tens of MB. glibc gives
// threads their own malloc arenas, up to 8 per core, and keeps freed pages of
// each arena for reuse; with sessions' threads landing in different arenas,
// fragments pile up in all of them and RSS ratchets up. Measured over 200
// stop/play cycles after 20 of warm-up (tests/integration/lifecycle_soak_test):
// +10 % to +30 % RSS with glibc's defaults, +1.8 % and +2.0 % with the arenas
// capped at two (this machine's cores), no element or descriptor left behind
// in either.
#pragma once

namespace engine {

// Caps glibc's malloc arenas at the number of cores (at least two), unless
// MALLOC_ARENA_MAX is set in the environment. Call once at start-up, before
// the engine's threads exist. No-op outside glibc.
void CapMallocArenas();

// Hands pages freed by an ended session back to the OS (malloc_trim); a few
// ms, once per viewer stop. No-op outside glibc.
void ReturnFreedHeap();

}  // namespace engine
