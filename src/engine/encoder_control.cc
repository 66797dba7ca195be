#include "engine/encoder_control.h"

#include <gst/video/video.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_format.h"
#include "engine/encoder_swap.h"
#include "engine/latency_probe.h"

namespace engine {
namespace {

void DeleteCounters(gpointer data) { delete static_cast<std::shared_ptr<FrameCounters>*>(data); }

FrameCounters& CountersOf(gpointer data) {
  return **static_cast<std::shared_ptr<FrameCounters>*>(data);
}

// x264enc's rate-control buffer under congestion control, ms of the target
// bitrate. The default (600) lets a 720p keyframe at 700 kbps be ~50 kB:
// ~500 ms through an 800 kbit/s link, during which every later frame waits
// and the delay-based estimator backs off. At 100 ms a keyframe is at most
// ~9 kB there; x264 gives it a coarser quantiser and the P-frames after it
// sharpen the picture again. Measured on the bottleneck lab (PacerTest,
// 720p through 800 kbit/s, last 10 s): capture -> decoded p95 89 ms at 600,
// 64-81 ms at 150, 44 ms at 100, at the same link utilisation (~84 %).
constexpr guint kBurstLimitedVbvMs = 100;
constexpr char kVbvProperty[] = "vbv-buf-capacity";

bool HasProperty(GstElement* element, const char* name) {
  return g_object_class_find_property(G_OBJECT_GET_CLASS(element), name) != nullptr;
}

// What a block probe's callback gets: a way back to the control, if alive.
struct ControlRef {
  std::weak_ptr<EncoderControl> control;
  Engine* engine;
};

}  // namespace

std::string PathCapsString(const Quality& q) {
  return absl::StrFormat("video/x-raw,width=%u,height=%u", q.width.value_or(0),
                         q.height.value_or(0));
}

gulong CountFramesAt(GstPad* pad, const std::shared_ptr<FrameCounters>& counters) {
  return gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        FrameCounters& k = CountersOf(data);
        k.frames.fetch_add(1);
        GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
        if (buffer && !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT)) {
          k.keyframes.fetch_add(1);
          k.since_keyframe = 0;
          k.requested = false;
        }
        return GST_PAD_PROBE_OK;
      },
      new std::shared_ptr<FrameCounters>(counters), DeleteCounters);
}

EncoderControl::EncoderControl(Engine* engine, GstBin* pipeline, const CodecTraits& traits,
                               std::function<void(std::string)> on_error)
    : engine_(engine), pipeline_(pipeline), traits_(traits), on_error_(std::move(on_error)) {}

absl::StatusOr<std::shared_ptr<EncoderControl>> EncoderControl::Attach(
    Engine* engine, GstBin* pipeline, const CodecTraits& traits, const Quality& quality,
    bool latency_probe, std::function<void(std::string)> on_error) {
  std::shared_ptr<EncoderControl> control(
      new EncoderControl(engine, pipeline, traits, std::move(on_error)));
  control->rate_.reset(gst_bin_get_by_name(pipeline, "path_rate"));
  control->capsfilter_.reset(gst_bin_get_by_name(pipeline, "path_capsfilter"));
  control->encoder_.reset(gst_bin_get_by_name(pipeline, "encoder"));
  if (!control->rate_ || !control->capsfilter_ || !control->encoder_) {
    return absl::InternalError("sending path lacks path_rate, path_capsfilter or encoder");
  }
  control->quality_ = quality;
  // The session forces keyframes itself (InstallProbes): the encoder's own
  // distance is only a backstop.
  g_object_set(control->encoder_.get(), traits.bitrate_property,
               static_cast<guint>(quality.bitrate_kbps.value_or(2000) * traits.bitrate_scale),
               traits.gop_property, 100000, nullptr);
  g_object_set(control->rate_.get(), "max-rate", static_cast<gint>(quality.framerate.value_or(30)),
               nullptr);
  // Before the encoder, after scaling: the stamp is part of the picture the
  // viewer decodes, at its full block size.
  if (latency_probe) InstallLatencyProbe(control->capsfilter_.get());
  control->InstallProbes();
  return control;
}

EncoderControl::~EncoderControl() { RemoveProbes(); }

void EncoderControl::InstallProbes() {
  counters_->interval = quality_.EffectiveKeyframeInterval();
  counters_->since_keyframe = 0;
  counters_->requested = false;
  // Into the encoder: count frames since the last keyframe came out and ask
  // for one when the interval is reached. The probe finds the encoder
  // through the pad it sits on: holding a reference to the encoder instead
  // would be a cycle (encoder -> its pad -> this probe -> encoder) that kept
  // every encoder alive.
  PadPtr sink(gst_element_get_static_pad(encoder_.get(), "sink"));
  sink_probe_ = gst_pad_add_probe(
      sink.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad* pad, GstPadProbeInfo*, gpointer data) {
        FrameCounters& k = CountersOf(data);
        uint32_t since = k.since_keyframe.fetch_add(1) + 1;
        if (since >= k.interval.load() && !k.requested.exchange(true)) {
          if (GstElement* encoder = gst_pad_get_parent_element(pad)) {
            GstPad* src = gst_element_get_static_pad(encoder, "src");
            gst_pad_send_event(
                src, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
            gst_object_unref(src);
            gst_object_unref(encoder);
          }
        }
        return GST_PAD_PROBE_OK;
      },
      new std::shared_ptr<FrameCounters>(counters_), DeleteCounters);
  // Out of the encoder: count frames and keyframes.
  PadPtr src(gst_element_get_static_pad(encoder_.get(), "src"));
  src_probe_ = CountFramesAt(src.get(), counters_);
}

void EncoderControl::RemoveProbes() {
  if (!encoder_) return;
  PadPtr sink(gst_element_get_static_pad(encoder_.get(), "sink"));
  PadPtr src(gst_element_get_static_pad(encoder_.get(), "src"));
  if (sink_probe_) gst_pad_remove_probe(sink.get(), sink_probe_);
  if (src_probe_) gst_pad_remove_probe(src.get(), src_probe_);
  sink_probe_ = src_probe_ = 0;
}

void EncoderControl::Apply(const Quality& previous, const Quality& next) {
  quality_ = next;
  if (next.bitrate_kbps != previous.bitrate_kbps) {
    g_object_set(encoder_.get(), traits_.bitrate_property,
                 static_cast<guint>(*next.bitrate_kbps * traits_.bitrate_scale), nullptr);
  }
  if (next.width != previous.width || next.height != previous.height) {
    // New caps reach the encoder with the next frame; it restarts with a
    // keyframe: no SDP change needed.
    CapsPtr caps(gst_caps_from_string(PathCapsString(next).c_str()));
    g_object_set(capsfilter_.get(), "caps", caps.get(), nullptr);
  }
  if (next.framerate != previous.framerate) {
    g_object_set(rate_.get(), "max-rate", static_cast<gint>(*next.framerate), nullptr);
  }
  if (next.EffectiveKeyframeInterval() != previous.EffectiveKeyframeInterval()) {
    counters_->interval = next.EffectiveKeyframeInterval();
  }
  if (next.speed_preset != previous.speed_preset && *traits_.speed_property) {
    if (traits_.speed_live) {
      // vpxenc hands cpu-used to libvpx at once (VP8E_SET_CPUUSED).
      g_object_set(encoder_.get(), traits_.speed_property, static_cast<gint>(*next.speed_preset),
                   nullptr);
    } else {
      // x264enc/x265enc read speed-preset only when they start: a new
      // encoder, built from quality_ when the swap happens.
      ScheduleEncoderSwap();
    }
  }
}

void EncoderControl::LimitBursts(bool on) {
  if (on == bursts_limited_) return;
  bursts_limited_ = on;
  ApplyBurstLimit();
}

void EncoderControl::ApplyBurstLimit() {
  // Encoders without a VBV setting (vpxenc's buffer-size is already 500 ms
  // in the built-in description; openh264 skips frames instead) are left as
  // they are.
  if (!HasProperty(encoder_.get(), kVbvProperty)) return;
  guint vbv_ms = kBurstLimitedVbvMs;
  if (!bursts_limited_) {
    GParamSpec* spec =
        g_object_class_find_property(G_OBJECT_GET_CLASS(encoder_.get()), kVbvProperty);
    vbv_ms = G_PARAM_SPEC_UINT(spec)->default_value;
  }
  g_object_set(encoder_.get(), kVbvProperty, vbv_ms, nullptr);
}

void EncoderControl::ForceKeyframe() {
  PadPtr src(gst_element_get_static_pad(encoder_.get(), "src"));
  gst_pad_send_event(src.get(),
                     gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

int EncoderControl::speed() const {
  int speed = 0;
  // x264enc's speed-preset is an enum: its value reads into an int.
  if (*traits_.speed_property)
    g_object_get(encoder_.get(), traits_.speed_property, &speed, nullptr);
  return speed;
}

void EncoderControl::ScheduleEncoderSwap() {
  if (swap_pending_) return;  // the pending swap reads the latest quality
  swap_pending_ = true;
  // Block the pad feeding the encoder at its next buffer or event (streaming
  // thread), then swap on the engine thread while it waits. Without frames
  // (source down) the swap waits for the next one.
  PadPtr sink(gst_element_get_static_pad(encoder_.get(), "sink"));
  PadPtr upstream(gst_pad_get_peer(sink.get()));
  if (!upstream) return;
  gst_pad_add_probe(
      upstream.get(), GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        auto* ref = static_cast<ControlRef*>(data);
        gulong id = GST_PAD_PROBE_INFO_ID(info);
        ref->engine->Post([weak = ref->control, id] {
          if (auto self = weak.lock()) self->SwapEncoder(id);
        });
        // Stays blocked until SwapEncoder removes the probe.
        return GST_PAD_PROBE_OK;
      },
      new ControlRef{weak_from_this(), engine_},
      [](gpointer data) { delete static_cast<ControlRef*>(data); });
}

void EncoderControl::SwapEncoder(gulong block_probe) {
  if (!swap_pending_) return;  // called again for the same block
  swap_pending_ = false;
  PadPtr sink(gst_element_get_static_pad(encoder_.get(), "sink"));
  PadPtr upstream(gst_pad_get_peer(sink.get()));
  RemoveProbes();
  auto fresh = ReplaceEncoder(pipeline_, encoder_.get(), EncoderDescription(traits_, quality_));
  if (fresh.ok()) {
    encoder_ = std::move(*fresh);
    InstallProbes();
    if (bursts_limited_) ApplyBurstLimit();
    spdlog::info("encoder restarted with {}", quality_.ToString());
  }
  if (upstream) gst_pad_remove_probe(upstream.get(), block_probe);
  if (!fresh.ok() && on_error_) on_error_(std::string(fresh.status().message()));
}

}  // namespace engine
