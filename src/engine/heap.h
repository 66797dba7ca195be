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

// Blocks this large or larger get a mapping of their own, returned whole
// when freed. glibc starts at 128 KiB but raises the threshold (up to 32 MiB)
// each time such a block is freed, so after the first session ended (its
// frames, encoder and jitter buffers freed), every later session's big blocks
// were carved from the arenas, where a small block that outlives its session
// pins their pages. A fixed threshold stops that: soak, 750 cycles,
// anonymous RSS 16.0 -> 18.0 MiB from cycle 250 with glibc's sliding
// threshold, 12.9 -> 13.5 MiB with this one (BENCHMARKS.md, "Soak"). The
// price is an mmap and munmap per block of 64 KiB or more that is not pooled
// (keyframes, mostly): a few per second per stream.
inline constexpr int kMmapThresholdBytes = 64 * 1024;

// Caps glibc's malloc arenas at the number of cores (at least two) and fixes
// the mmap threshold (above), each unless the environment sets it
// (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_). Call once at start-up, before
// the engine's threads exist. No-op outside glibc.
void ConfigureHeap();

// Hands pages freed by an ended session back to the OS (malloc_trim); a few
// ms, once per viewer stop. No-op outside glibc.
void ReturnFreedHeap();

}  // namespace engine
