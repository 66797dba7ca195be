// Glass-to-glass latency probe (agent flag --latency-probe, for bench/ only).
// Stamps the wall clock into the picture before the encoder, so a viewer on
// the same machine can read it back from a decoded frame and subtract it
// from its own clock.
//
// Format, in the Y plane of I420 at the picture's top-left corner, 16x16
// luma blocks (white 235 = 1, black 16 = 0), most significant bit first:
//   row 0: bits 31..16 of (wall clock ms mod 2^32)
//   row 1: bits 15..0
//   row 2: LatencyStampCheck(stamp), a CRC-16 over all 32 bits
// 256x48 pixels: pictures smaller than that are not stamped.
// Why this shape: each block is one macroblock-aligned 16x16 flat square, so
// H264 and VP8 code it as little more than a DC value and it survives
// low bitrates; readers threshold the mean luma of the block's centre at
// mid-grey, which tolerates ringing at the edges and limited/full-range
// conversion (browsers draw 16..235 as 0..255). The CRC catches any misread
// block (one or two bits, or a burst up to 16), so a reader drops a misread
// frame and counts it instead of averaging a wrong latency in; a picture
// without a stamp fails it too (flat black, flat white: the CRC of 0 and of
// 0xffffffff is neither 0 nor 0xffff). Readers in other languages
// (bench/browser_latency.mjs) implement the same layout and CRC.
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

// CRC-16/CCITT-FALSE (poly 0x1021, init 0xffff) of the stamp's 4 bytes,
// most significant first: the check row.
uint16_t LatencyStampCheck(uint32_t stamp_ms);

// Wall clock in ms mod 2^32, the unit of the stamp.
uint32_t LatencyClockMs();

}  // namespace engine
