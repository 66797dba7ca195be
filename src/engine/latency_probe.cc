#include "engine/latency_probe.h"

#include <gst/video/video.h>

#include <cstring>

namespace engine {
namespace {

constexpr uint8_t kWhite = 235;
constexpr uint8_t kBlack = 16;

void FillBlock(uint8_t* y, int stride, int col, int row, bool bit) {
  for (int r = 0; r < kLatencyProbeBlock; ++r) {
    std::memset(y + (row * kLatencyProbeBlock + r) * stride + col * kLatencyProbeBlock,
                bit ? kWhite : kBlack, kLatencyProbeBlock);
  }
}

// Mean of the block's central 8x8 pixels above mid-grey.
bool ReadBlock(const uint8_t* y, int stride, int col, int row) {
  int sum = 0;
  for (int r = 4; r < 12; ++r) {
    const uint8_t* p = y + (row * kLatencyProbeBlock + r) * stride + col * kLatencyProbeBlock + 4;
    for (int c = 0; c < 8; ++c) sum += p[c];
  }
  return sum / 64 > (kWhite + kBlack) / 2;
}

GstPadProbeReturn Stamp(GstPad* pad, GstPadProbeInfo* info, gpointer) {
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (!caps) return GST_PAD_PROBE_OK;
  GstVideoInfo vinfo;
  bool ok = gst_video_info_from_caps(&vinfo, caps) &&
            GST_VIDEO_INFO_FORMAT(&vinfo) == GST_VIDEO_FORMAT_I420;
  gst_caps_unref(caps);
  if (!ok) return GST_PAD_PROBE_OK;
  GstBuffer* buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
  GST_PAD_PROBE_INFO_DATA(info) = buffer;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &vinfo, buffer, GST_MAP_WRITE)) return GST_PAD_PROBE_OK;
  int width = GST_VIDEO_FRAME_WIDTH(&frame);
  int height = GST_VIDEO_FRAME_HEIGHT(&frame);
  WriteLatencyStamp(LatencyClockMs(), static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
                    GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0), width, height);
  if (width >= kLatencyProbeWidth && height >= kLatencyProbeHeight) {
    for (int plane = 1; plane <= 2; ++plane) {
      auto* data = static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, plane));
      int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, plane);
      for (int r = 0; r < kLatencyProbeHeight / 2; ++r) {
        std::memset(data + r * stride, 128, kLatencyProbeWidth / 2);
      }
    }
  }
  gst_video_frame_unmap(&frame);
  return GST_PAD_PROBE_OK;
}

}  // namespace

uint16_t LatencyStampCheck(uint32_t stamp_ms) {
  uint16_t crc = 0xffff;
  for (int byte = 3; byte >= 0; --byte) {
    crc ^= static_cast<uint16_t>(((stamp_ms >> (8 * byte)) & 0xff) << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
  }
  return crc;
}

uint32_t LatencyClockMs() { return static_cast<uint32_t>(g_get_real_time() / 1000); }

void WriteLatencyStamp(uint32_t stamp_ms, uint8_t* y, int y_stride, int width, int height) {
  if (width < kLatencyProbeWidth || height < kLatencyProbeHeight) return;
  const uint16_t check = LatencyStampCheck(stamp_ms);
  for (int i = 0; i < 16; ++i) {
    FillBlock(y, y_stride, i, 0, (stamp_ms >> (31 - i)) & 1);
    FillBlock(y, y_stride, i, 1, (stamp_ms >> (15 - i)) & 1);
    FillBlock(y, y_stride, i, 2, (check >> (15 - i)) & 1);
  }
}

std::optional<uint32_t> ReadLatencyStamp(const uint8_t* y, int y_stride, int width, int height) {
  if (width < kLatencyProbeWidth || height < kLatencyProbeHeight) return std::nullopt;
  uint32_t stamp = 0;
  uint16_t check = 0;
  for (int i = 0; i < 16; ++i) {
    stamp |= static_cast<uint32_t>(ReadBlock(y, y_stride, i, 0)) << (31 - i);
    stamp |= static_cast<uint32_t>(ReadBlock(y, y_stride, i, 1)) << (15 - i);
    check |= static_cast<uint16_t>(ReadBlock(y, y_stride, i, 2) << (15 - i));
  }
  if (check != LatencyStampCheck(stamp)) return std::nullopt;
  return stamp;
}

void InstallLatencyProbe(GstElement* element) {
  GstPad* pad = gst_element_get_static_pad(element, "src");
  if (!pad) return;
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, &Stamp, nullptr, nullptr);
  gst_object_unref(pad);
}

}  // namespace engine
