#include "engine/pipeline_description.h"

#include <array>

#include <gst/gst.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/encoder_control.h"
#include "engine/pacer_element.h"
#include "engine/quoted.h"

namespace engine {
namespace {

constexpr std::array<CodecTraits, 5> kTraits{{
    {Codec::kH264, "x264", "x264enc", "H264",
     // zerolatency: no lookahead, no B-frames, sliced threads. speed-preset
     // comes from the quality (default ultrafast, which keeps a 2-core box
     // real-time at 720p).
     "x264enc name=encoder tune=zerolatency byte-stream=true", "bitrate", 1, "key-int-max",
     // Browsers decode constrained baseline everywhere.
     "video/x-h264,profile=constrained-baseline,stream-format=byte-stream",
     // config-interval=-1: SPS/PPS before every IDR so a late or resized
     // picture decodes at once.
     "rtph264pay name=payloader config-interval=-1 aggregate-mode=zero-latency", "rtph264pay",
     // Pinning profile-level-id breaks caps with x264's 42c01f output
     // (webrtcbin-notes pitfall 2): pin only packetization-mode.
     ",packetization-mode=(string)1", "speed-preset", false},
    {Codec::kH264, "openh264", "openh264enc", "H264",
     // Cisco's encoder (BSD, no x264 licence). complexity=low for speed;
     // rate-control=bitrate with frame skipping: without skipping, openh264
     // overshoots a low target on busy pictures many times over (2.4 Mbit/s
     // for 200 kbit/s on snow), which is worse on a congested link than a
     // skipped frame. No scene-change keyframes: the session decides those.
     // Its bitrate is in bit/s.
     "openh264enc name=encoder usage-type=camera rate-control=bitrate complexity=low "
     "enable-frame-skip=true scene-change-detection=false multi-thread=2",
     "bitrate", 1000, "gop-size",
     "video/x-h264,profile=constrained-baseline,stream-format=byte-stream",
     "rtph264pay name=payloader config-interval=-1 aggregate-mode=zero-latency", "rtph264pay",
     ",packetization-mode=(string)1", "", false},
    {Codec::kVP8, "vp8", "vp8enc", "VP8",
     // threads=1: libvpx's VP8 encoder synchronises its row threads by
     // spin-waiting, which on a busy box burns 2-6x the CPU of one thread and
     // is slower in wall time too (1280x720 smpte, 2 loaded cores: 0.6 s of
     // CPU per 60 frames with one thread, 1.9-4.7 s with two; the receiver
     // then decoded 3 fps instead of 20). cpu-used=16 (the default
     // speed_preset for VP8), the fastest realtime speed, halves that CPU again (0.69 s vs 1.31 s
     // per 120 frames) at the same bitrate, so one thread keeps 720p at 20 fps on a contended box
     // (alone it encodes 1920x1080 at ~100 fps).
     "vp8enc name=encoder deadline=1 end-usage=cbr lag-in-frames=0 "
     "error-resilient=partitions threads=1 static-threshold=0 undershoot=95 "
     "buffer-initial-size=300 buffer-optimal-size=400 buffer-size=500",
     "target-bitrate", 1000, "keyframe-max-dist", "",
     "rtpvp8pay name=payloader picture-id-mode=15-bit", "rtpvp8pay", "", "cpu-used", true},
    {Codec::kVP9, "vp9", "vp9enc", "VP9",
     // Realtime: deadline=1 (cpu-used from the quality), row multithreading,
     // no lookahead; profile 0 (8-bit 4:2:0), which every browser decodes.
     "vp9enc name=encoder deadline=1 row-mt=1 lag-in-frames=0 end-usage=cbr "
     "threads=2 static-threshold=0 undershoot=95 buffer-initial-size=300 "
     "buffer-optimal-size=400 buffer-size=500",
     "target-bitrate", 1000, "keyframe-max-dist", "",
     "rtpvp9pay name=payloader picture-id-mode=15-bit", "rtpvp9pay", "", "cpu-used", true},
    {Codec::kH265, "x265", "x265enc", "H265",
     // zerolatency already means no lookahead and no B-frames; bframes=0 says
     // so explicitly because a later preset change must not bring them back.
     // repeat-headers: VPS/SPS/PPS in front of every keyframe, so a late
     // joiner or a resized picture decodes at once.
     "x265enc name=encoder tune=zerolatency "
     "option-string=\"bframes=0:repeat-headers=1:rc-lookahead=0\"",
     "bitrate", 1, "key-int-max",
     // 8-bit 4:2:0 in gives Main profile, the one receivers decode.
     "video/x-h265,profile=main,stream-format=byte-stream,alignment=au",
     "rtph265pay name=payloader config-interval=-1 aggregate-mode=zero-latency", "rtph265pay", "",
     "speed-preset", false},
}};

std::string EncoderNamesFor(Codec codec) {
  std::string names;
  for (const auto& t : kTraits) {
    if (t.codec == codec) absl::StrAppend(&names, names.empty() ? "" : ", ", t.encoder_name);
  }
  return names;
}

bool IsValidTestPattern(std::string_view pattern) {
  static constexpr std::array<std::string_view, 12> kPatterns{
      "smpte", "ball", "snow",  "black",      "white",    "red",
      "green", "blue", "gamut", "checkers-8", "circular", "smpte100"};
  for (auto p : kPatterns) {
    if (p == pattern) return true;
  }
  return false;
}

}  // namespace

const CodecTraits& TraitsFor(Codec codec) {
  for (const auto& t : kTraits) {
    if (t.codec == codec) return t;
  }
  return kTraits[0];
}

absl::StatusOr<const CodecTraits*> EncoderFor(Codec codec, std::string_view encoder) {
  if (encoder.empty()) return &TraitsFor(codec);
  const std::string name(encoder);
  for (const auto& t : kTraits) {
    if (t.codec == codec && absl::EqualsIgnoreCase(name, t.encoder_name)) return &t;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "encoder: ", Quoted(std::string(name)), " does not encode ", CodecName(codec), " (",
      EncoderNamesFor(codec), ", or empty for ", TraitsFor(codec).encoder_name, ")"));
}

std::string EncoderFactoriesFor(Codec codec) {
  std::string names;
  for (const auto& t : kTraits) {
    if (t.codec == codec) absl::StrAppend(&names, names.empty() ? "" : ", ", t.encoder_factory);
  }
  return names;
}

const CodecTraits* TraitsForFactory(std::string_view factory) {
  for (const auto& t : kTraits) {
    if (factory == t.encoder_factory) return &t;
  }
  return nullptr;
}

absl::Status CheckInstalled(const CodecTraits& traits) {
  for (const char* factory : {traits.encoder_factory, traits.payloader_factory}) {
    GstElementFactory* found = gst_element_factory_find(factory);
    if (!found) {
      return absl::FailedPreconditionError(absl::StrCat("encoder ", traits.encoder_name,
                                                        ": GStreamer element '", factory,
                                                        "' is not installed on this agent"));
    }
    gst_object_unref(found);
  }
  return absl::OkStatus();
}

namespace {
// rtspsrc `protocols` flags for each transport. auto leaves out multicast
// (the agent asks for unicast streams) and tries UDP before TCP.
const char* RtspProtocols(RtspTransport transport) {
  switch (transport) {
    case RtspTransport::kUdp:
      return "udp";
    case RtspTransport::kTcp:
      return "tcp";
    case RtspTransport::kAuto:
      break;
  }
  return "udp+tcp";
}
}  // namespace

std::string RtspSourceElement(const std::string& uri, const SourceOptions& options) {
  // latency=0: hand frames on as they arrive; the viewer has its own buffer.
  // timeout: with auto, 3 s without a UDP packet retries over TCP (UDP
  // blocked on the way), well inside the 10 s first-frame watchdog.
  return absl::StrCat(
      "rtspsrc name=source latency=0 protocols=", RtspProtocols(options.rtsp_transport),
      " timeout=3000000 location=\"", uri, "\"");
}

absl::StatusOr<std::string> SourceDescription(const std::string& uri,
                                              const SourceOptions& options) {
  if (absl::Status s = ValidateSource(uri, options); !s.ok()) return s;
  if (absl::StartsWith(uri, "test://")) {
    std::string pattern = uri.substr(7);
    if (pattern.empty()) pattern = "smpte";
    if (!IsValidTestPattern(pattern)) {
      return absl::InvalidArgumentError(absl::StrCat("source_uri: unknown test pattern ",
                                                     Quoted(pattern),
                                                     " (e.g. test://smpte, test://ball)"));
    }
    return absl::StrCat("videotestsrc name=source is-live=true pattern=", pattern);
  }
  if (absl::StartsWith(uri, "rtsp://") || absl::StartsWith(uri, "rtsps://")) {
    return absl::StrCat(RtspSourceElement(uri, options), " ! decodebin ! videoconvert");
  }
  if (absl::StartsWith(uri, "v4l2://")) {
    // decodebin: cameras deliver raw video or MJPEG; both come out raw.
    return absl::StrCat("v4l2src name=source device=\"", uri.substr(7), "\" ! decodebin");
  }
  // file://, http://, https:// (ValidateSource knows no other scheme).
  // Not live: identity sync=true paces the file at its own framerate.
  return absl::StrCat("uridecodebin name=source caps=video/x-raw uri=\"", uri,
                      "\" ! identity sync=true");
}

std::string RawCapsString(const Quality& q) {
  return absl::StrFormat("video/x-raw,format=I420,width=%u,height=%u,framerate=%u/1",
                         q.width.value_or(0), q.height.value_or(0), q.framerate.value_or(0));
}

std::string RtpCapsString(Codec codec, int payload_type, uint32_t ssrc) {
  const CodecTraits& t = TraitsFor(codec);
  return absl::StrFormat(
      "application/x-rtp,media=(string)video,encoding-name=(string)%s,clock-rate=(int)90000,"
      "payload=(int)%d,ssrc=(uint)%u%s",
      t.encoding_name, payload_type, ssrc, t.rtp_caps_extra);
}

absl::StatusOr<std::string> SourcePipelineDescription(const std::string& source_uri,
                                                      const Quality& quality,
                                                      const SourceOptions& options) {
  auto source = SourceDescription(source_uri, options);
  if (!source.ok()) return source.status();
  return SourcePipelineFromPart(*source, quality);
}

std::string SourcePipelineFromPart(const std::string& source_part, const Quality& quality) {
  // appsink: hand frames over as they come (no clock sync: live sources pace
  // themselves, files through identity sync=true), keep only the newest.
  return absl::StrCat(source_part, " ! videoconvert ! videoscale ! videorate drop-only=false",
                      " ! capsfilter name=raw_capsfilter caps=\"", RawCapsString(quality), "\"",
                      " ! appsink name=source_sink sync=false max-buffers=1 drop=true");
}

std::string EncoderDescription(const CodecTraits& t, const Quality& quality) {
  // The session forces keyframes every keyframe_interval frames (and on PLI);
  // the encoder's own distance only backs that up.
  std::string out = absl::StrCat(t.encoder, " ", t.bitrate_property, "=",
                                 quality.bitrate_kbps.value_or(2000) * t.bitrate_scale, " ",
                                 t.gop_property, "=100000");
  if (*t.speed_property) {
    const Quality defaults = Quality::Defaults(t.codec);
    absl::StrAppend(&out, " ", t.speed_property, "=",
                    quality.speed_preset.value_or(*defaults.speed_preset));
  }
  return out;
}

std::string EncodeDescription(const CodecTraits& t, const Quality& quality, int payload_type,
                              uint32_t ssrc) {
  std::string encoded_caps = *t.encoded_caps ? absl::StrCat(" ! ", t.encoded_caps) : "";
  return absl::StrCat(EncoderDescription(t, quality), encoded_caps, " ! ", t.payloader,
                      " pt=", payload_type, " ssrc=", ssrc,
                      " mtu=", quality.mtu.value_or(limits::kMaxMtu));
}

std::string SendPipelineFromFeeder(const std::string& feeder_caps, uint32_t feeder_max_buffers,
                                   const std::string& encode_part, Codec codec, int payload_type,
                                   uint32_t ssrc) {
  // appsrc: live, stamped with this pipeline's running time on arrival; at
  // most `feeder_max_buffers` waiting, the oldest dropped, so a stalled
  // sender never builds latency.
  return absl::StrCat("appsrc name=feeder is-live=true format=time do-timestamp=true min-latency=0",
                      " max-buffers=", feeder_max_buffers, " leaky-type=downstream caps=\"",
                      feeder_caps, "\"", " ! ", encode_part,
                      " ! capsfilter name=pay_capsfilter caps=\"",
                      RtpCapsString(codec, payload_type, ssrc), "\"",
                      // Spreads each frame's packets (engine/pacer_element.h);
                      // webrtcbin stamps transport-wide send times after it.
                      " ! ", kPacerFactory, " name=pacer",
                      " ! webrtcbin name=webrtc bundle-policy=max-bundle latency=0");
}

std::string RawPathDescription(const Quality& quality) {
  // videorate max-rate only drops (a path never asks for more frames than
  // the source delivers, whatever order size and rate changes arrive in);
  // equal sizes make videoscale a pass-through.
  return absl::StrCat("videoscale ! videorate name=path_rate drop-only=true max-rate=",
                      quality.framerate.value_or(30), " ! capsfilter name=path_capsfilter caps=\"",
                      PathCapsString(quality), "\"");
}

std::string SendPipelineAround(const std::string& encode_part, Codec codec, const Quality& quality,
                               int payload_type, uint32_t ssrc) {
  // Two raw frames at most: a slow encoder skips frames instead of lagging.
  return SendPipelineFromFeeder(RawCapsString(quality), 2,
                                absl::StrCat(RawPathDescription(quality), " ! ", encode_part),
                                codec, payload_type, ssrc);
}

std::string CodedSendPipeline(Codec codec, const std::string& feeder_caps, int payload_type,
                              uint32_t ssrc, uint32_t mtu) {
  const CodecTraits& t = TraitsFor(codec);
  // Up to two seconds of frames may wait (a stalled sender); more is dropped
  // oldest first rather than held as latency.
  return SendPipelineFromFeeder(
      feeder_caps, 60,
      absl::StrCat(t.payloader, " pt=", payload_type, " ssrc=", ssrc, " mtu=", mtu), codec,
      payload_type, ssrc);
}

std::string CodedCaps(const CodecTraits& traits) {
  if (*traits.encoded_caps) return traits.encoded_caps;
  return traits.codec == Codec::kVP8 ? "video/x-vp8" : "video/x-vp9";
}

std::string SharedEncoderPipeline(const CodecTraits& traits, const Quality& quality) {
  // The appsink keeps every coded frame: dropping one would break the
  // picture of every viewer until the next keyframe.
  return absl::StrCat(
      "appsrc name=feeder is-live=true format=time do-timestamp=true min-latency=0 max-buffers=2 "
      "leaky-type=downstream caps=\"",
      RawCapsString(quality), "\" ! ", RawPathDescription(quality), " ! ",
      EncoderDescription(traits, quality), " ! ", CodedCaps(traits),
      " ! appsink name=encoded_sink sync=false max-buffers=0 drop=false");
}

std::string SendPipelineDescription(Codec codec, const Quality& quality, int payload_type,
                                    uint32_t ssrc) {
  return SendPipelineAround(EncodeDescription(TraitsFor(codec), quality, payload_type, ssrc), codec,
                            quality, payload_type, ssrc);
}

absl::StatusOr<PipelineDescriptions> PipelineDescription(const std::string& source_uri, Codec codec,
                                                         const Quality& quality, int payload_type,
                                                         uint32_t ssrc,
                                                         const SourceOptions& options) {
  auto source = SourcePipelineDescription(source_uri, quality, options);
  if (!source.ok()) return source.status();
  return PipelineDescriptions{*source, SendPipelineDescription(codec, quality, payload_type, ssrc)};
}

}  // namespace engine
