// Glass-to-glass latency probe (agent flag --latency-probe, for bench/ only).
// Stamps the wall clock into the picture before the encoder, so a viewer on
// the same machine can read it back from a decoded frame and subtract it
// from its own clock.
//
// Format, in the Y plane of I420 at the picture's top-left corner, 16x16
// luma blocks (white 235 = 1, black 16 = 0), most significant bit first:
//   row 0: bits 31..16 of (wall clock ms mod 2^32)
//   row 1: bits 15..0
//   row 2: bits 15..0 inverted (a check: frames without a stamp are ignored)
// 256x48 pixels: pictures smaller than that are not stamped.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <optional>

namespace engine {

inline constexpr int kLatencyProbeBlock = 16;
inline constexpr int kLatencyProbeWidth = 16 * kLatencyProbeBlock;
inline constexpr int kLatencyProbeHeight = 3 * kLatencyProbeBlock;

// Adds a buffer probe on `element`'s src pad that stamps every raw I420 frame.
void InstallLatencyProbe(GstElement* element);

// Writes `stamp_ms` into a Y plane (and greys the chroma behind it when given).
void WriteLatencyStamp(uint32_t stamp_ms, uint8_t* y, int y_stride, int width, int height);

// Reads a stamp back from a decoded Y plane; nullopt when there is none.
std::optional<uint32_t> ReadLatencyStamp(const uint8_t* y, int y_stride, int width, int height);

// Wall clock in ms mod 2^32, the unit of the stamp.
uint32_t LatencyClockMs();

}  // namespace engine
