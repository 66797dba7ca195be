#include "engine/pipeline_description.h"

#include <array>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace engine {
namespace {

constexpr std::array<CodecTraits, 3> kTraits{{
    {Codec::kH264, "H264",
     // zerolatency: no lookahead, no B-frames, sliced threads. speed-preset
     // comes from the quality (default ultrafast, which keeps a 2-core box
     // real-time at 720p).
     "x264enc name=encoder tune=zerolatency byte-stream=true", "bitrate", 1,
     // Browsers decode constrained baseline everywhere.
     "video/x-h264,profile=constrained-baseline,stream-format=byte-stream",
     // config-interval=-1: SPS/PPS before every IDR so a late or resized
     // picture decodes at once.
     "rtph264pay name=payloader config-interval=-1 aggregate-mode=zero-latency",
     // Pinning profile-level-id breaks caps with x264's 42c01f output
     // (webrtcbin-notes pitfall 2): pin only packetization-mode.
     ",packetization-mode=(string)1", "speed-preset", false},
    {Codec::kVP8, "VP8",
     "vp8enc name=encoder deadline=1 end-usage=cbr lag-in-frames=0 "
     "error-resilient=partitions threads=2 static-threshold=0 undershoot=95 "
     "buffer-initial-size=300 buffer-optimal-size=400 buffer-size=500",
     "target-bitrate", 1000, "", "rtpvp8pay name=payloader picture-id-mode=15-bit", "", "cpu-used",
     true},
    {Codec::kVP9, "VP9",
     // Realtime: deadline=1 (cpu-used from the quality), row multithreading,
     // no lookahead; profile 0 (8-bit 4:2:0), which every browser decodes.
     "vp9enc name=encoder deadline=1 row-mt=1 lag-in-frames=0 end-usage=cbr "
     "threads=2 static-threshold=0 undershoot=95 buffer-initial-size=300 "
     "buffer-optimal-size=400 buffer-size=500",
     "target-bitrate", 1000, "", "rtpvp9pay name=payloader picture-id-mode=15-bit", "", "cpu-used",
     true},
}};

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

absl::StatusOr<std::string> SourceDescription(const std::string& uri,
                                              const SourceOptions& options) {
  if (absl::Status s = ValidateSource(uri, options); !s.ok()) return s;
  if (absl::StartsWith(uri, "test://")) {
    std::string pattern = uri.substr(7);
    if (pattern.empty()) pattern = "smpte";
    if (!IsValidTestPattern(pattern)) {
      return absl::InvalidArgumentError(absl::StrCat("source_uri: unknown test pattern '",
                                                     Abbreviate(pattern),
                                                     "' (e.g. test://smpte, test://ball)"));
    }
    return absl::StrCat("videotestsrc name=source is-live=true pattern=", pattern);
  }
  if (absl::StartsWith(uri, "rtsp://") || absl::StartsWith(uri, "rtsps://")) {
    // latency=0: hand frames on as they arrive; the viewer has its own buffer.
    // timeout: with auto, 3 s without a UDP packet retries over TCP (UDP
    // blocked on the way), well inside the 10 s first-frame watchdog.
    return absl::StrCat(
        "rtspsrc name=source latency=0 protocols=", RtspProtocols(options.rtsp_transport),
        " timeout=3000000 location=\"", uri, "\" ! decodebin ! videoconvert");
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
  // appsink: hand frames over as they come (no clock sync: live sources pace
  // themselves, files through identity sync=true), keep only the newest.
  return absl::StrCat(*source, " ! videoconvert ! videoscale ! videorate drop-only=false",
                      " ! capsfilter name=raw_capsfilter caps=\"", RawCapsString(quality), "\"",
                      " ! appsink name=source_sink sync=false max-buffers=1 drop=true");
}

std::string EncoderDescription(Codec codec, const Quality& in_force) {
  const CodecTraits& t = TraitsFor(codec);
  // Fields a caller left unset take the codec's defaults.
  const Quality quality = Quality::Defaults(codec).Overlay(in_force);
  // The session forces keyframes every keyframe_interval frames (and on PLI);
  // the encoder's own distance only backs that up.
  std::string gop_setting =
      codec == Codec::kH264 ? " key-int-max=100000" : " keyframe-max-dist=100000";
  return absl::StrCat(t.encoder, " ", t.bitrate_property, "=",
                      *quality.bitrate_kbps * t.bitrate_scale, gop_setting, " ", t.speed_property,
                      "=", *quality.speed_preset);
}

std::string SendPipelineDescription(Codec codec, const Quality& in_force, int payload_type,
                                    uint32_t ssrc) {
  const CodecTraits& t = TraitsFor(codec);
  const Quality quality = Quality::Defaults(codec).Overlay(in_force);
  std::string encoded_caps = *t.encoded_caps ? absl::StrCat(" ! ", t.encoded_caps) : "";
  // appsrc: live, stamped with this pipeline's running time on arrival; at
  // most two frames waiting, the oldest dropped, so a slow encoder never
  // builds latency.
  return absl::StrCat("appsrc name=feeder is-live=true format=time do-timestamp=true min-latency=0",
                      " max-buffers=2 leaky-type=downstream caps=\"", RawCapsString(quality), "\"",
                      " ! ", EncoderDescription(codec, quality), encoded_caps, " ! ", t.payloader,
                      " pt=", payload_type, " ssrc=", ssrc, " mtu=", *quality.mtu,
                      " ! capsfilter name=pay_capsfilter caps=\"",
                      RtpCapsString(codec, payload_type, ssrc), "\"",
                      " ! webrtcbin name=webrtc bundle-policy=max-bundle latency=0");
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
