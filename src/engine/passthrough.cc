#include "engine/passthrough.h"

#include <gst/gst.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/pipeline_description.h"

namespace engine {
namespace {

struct PassthroughElements {
  const char* depayloader;
  const char* depayloaded_caps;  // what the depayloader is asked for
  const char* parser;
  const char* caps;  // what the parser hands on
};

bool Supported(Codec codec) { return codec == Codec::kH264 || codec == Codec::kH265; }

PassthroughElements ElementsFor(Codec codec) {
  if (codec == Codec::kH265) {
    return {"rtph265depay", "video/x-h265,alignment=au", "h265parse",
            "video/x-h265,stream-format=byte-stream,alignment=au"};
  }
  // avc out of the depayloader: in byte-stream it puts an access unit
  // delimiter in front of every picture, and that stream, payloaded again by
  // rtph264pay, no longer decodes (GStreamer 1.22, measured with the test
  // camera: 0 of 147 frames decoded, against 147 through avc). h264parse
  // turns it into byte-stream without delimiters.
  return {"rtph264depay", "video/x-h264,stream-format=avc,alignment=au", "h264parse",
          "video/x-h264,stream-format=byte-stream,alignment=au"};
}

// Names the quality fields that only an encoder can honour.
std::vector<std::string> EncoderFields(const Quality& q) {
  std::vector<std::string> fields;
  if (!q.preset.empty()) fields.push_back("preset");
  if (q.bitrate_kbps) fields.push_back("bitrate_kbps");
  if (q.framerate) fields.push_back("framerate");
  if (q.width) fields.push_back("width");
  if (q.height) fields.push_back("height");
  if (q.keyframe_interval) fields.push_back("keyframe_interval");
  if (q.speed_preset) fields.push_back("speed_preset");
  return fields;
}

constexpr const char* kWhy =
    "a pass-through stream sends the camera's own encoding (picture, framerate, bitrate and "
    "keyframes are the camera's)";

}  // namespace

absl::Status CheckPassthroughStart(Codec codec, const std::string& encoder, bool has_template,
                                   const Quality& requested) {
  if (!Supported(codec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("source_options.passthrough forwards a camera's H264 or H265; ",
                     CodecName(codec), " needs re-encoding (leave passthrough off)"));
  }
  if (!encoder.empty()) {
    return absl::InvalidArgumentError(
        "encoder: a pass-through stream has no encoder; leave it empty");
  }
  if (has_template) {
    return absl::InvalidArgumentError(
        "pipeline_template and source_options.passthrough exclude each other");
  }
  if (auto fields = EncoderFields(requested); !fields.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("quality.", absl::StrJoin(fields, ", quality."),
                                                   ": ", kWhy,
                                                   "; only mtu, fec_percentage and nack apply"));
  }
  return absl::OkStatus();
}

absl::Status CheckPassthroughChange(const Quality& changes, bool force_keyframe) {
  std::vector<std::string> fields = EncoderFields(changes);
  if (force_keyframe) fields.push_back("force_keyframe");
  if (fields.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(absl::StrJoin(fields, ", "), ": ", kWhy,
                                                    "; only mtu and fec_percentage change live"));
}

Quality PassthroughQuality(const Quality& full) {
  Quality out;
  out.mtu = full.mtu;
  out.fec_percentage = full.fec_percentage;
  out.nack = full.nack;
  return out;
}

absl::Status CheckPassthroughInstalled(Codec codec) {
  const PassthroughElements e = ElementsFor(codec);
  for (const char* factory :
       {"rtspsrc", e.depayloader, e.parser, TraitsFor(codec).payloader_factory}) {
    GstElementFactory* found = gst_element_factory_find(factory);
    if (!found) {
      return absl::FailedPreconditionError(absl::StrCat(
          "source_options.passthrough: GStreamer element '", factory, "' is not installed"));
    }
    gst_object_unref(found);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PassthroughSourcePipeline(const std::string& uri, Codec codec,
                                                      const SourceOptions& options) {
  if (absl::Status s = ValidateSource(uri, options); !s.ok()) return s;
  if (!Supported(codec)) return CheckPassthroughStart(codec, "", false, {});
  const PassthroughElements e = ElementsFor(codec);
  // config-interval=-1: parameter sets in front of every keyframe, so the
  // viewer decodes from the first keyframe it gets. The appsink keeps every
  // buffer: dropping coded frames would break the picture until the next
  // keyframe, which only the camera decides.
  return absl::StrCat(RtspSourceElement(uri, options), " ! ", e.depayloader, " ! ",
                      e.depayloaded_caps, " ! ", e.parser, " config-interval=-1 ! ", e.caps,
                      " ! appsink name=source_sink sync=false max-buffers=0 drop=false");
}

std::string PassthroughCaps(Codec codec) { return ElementsFor(codec).caps; }

std::string PassthroughSendPipeline(Codec codec, int payload_type, uint32_t ssrc, uint32_t mtu) {
  return CodedSendPipeline(codec, ElementsFor(codec).caps, payload_type, ssrc, mtu);
}

}  // namespace engine
