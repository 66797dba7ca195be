#include "engine/sdp_offer.h"

#include <gst/sdp/sdp.h>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/gst_ptr.h"
#include "engine/pipeline_description.h"

namespace engine {
namespace {

// Score of one offered H264 format: -1 unusable, higher is better.
int ScoreH264(const std::string& fmtp) {
  std::string lower = absl::AsciiStrToLower(std::string(fmtp));
  if (!absl::StrContains(lower, "packetization-mode=1")) return -1;
  int score = 1;
  for (const char* baseline :
       {"profile-level-id=42e0", "profile-level-id=42c0", "profile-level-id=4200"}) {
    if (absl::StrContains(lower, baseline)) score += 2;
  }
  return score;
}

// VP9: vp9enc makes profile 0 (8-bit 4:2:0); an offer naming another profile
// only cannot take it.
int ScoreVP9(const std::string& fmtp) {
  std::string lower = absl::AsciiStrToLower(std::string(fmtp));
  if (!absl::StrContains(lower, "profile-id=")) return 1;
  return absl::StrContains(lower, "profile-id=0") ? 2 : -1;
}

// H265: x265enc makes Main (profile-id=1) from 8-bit 4:2:0; an offer naming
// only other profiles (Main 10, RExt) does not promise to decode it.
int ScoreH265(const std::string& fmtp) {
  std::string lower = absl::AsciiStrToLower(std::string(fmtp));
  if (!absl::StrContains(lower, "profile-id=")) return 1;
  return absl::StrContains(lower, "profile-id=1;") || absl::EndsWith(lower, "profile-id=1") ? 2
                                                                                            : -1;
}

// "96 H264/90000" -> (96, "H264"). The payload type is RTP's 7 bits: an
// offer's "999" would otherwise reach the payloader's pt (0..127) and fail
// the session deep in the pipeline instead of here (tests/fuzz/sdp_offer_fuzz.cc).
bool ParseRtpmap(const std::string& value, int* pt, std::string* name) {
  std::vector<std::string> parts = absl::StrSplit(value, absl::MaxSplits(' ', 1));
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], pt) || *pt < 0 || *pt > 127) return false;
  std::vector<std::string> enc = absl::StrSplit(parts[1], '/');
  *name = enc[0];
  return true;
}

std::string FmtpFor(const GstSDPMedia* media, int pt) {
  std::string prefix = absl::StrCat(pt, " ");
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (a->key && a->value && std::string_view(a->key) == "fmtp" &&
        absl::StartsWith(a->value, prefix)) {
      return a->value;
    }
  }
  return "";
}

// "3 http://...transport-wide-cc-extensions-01" (or "3/sendrecv ...") -> 3
int TwccExtensionId(const GstSDPMedia* media) {
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (!a->key || !a->value || std::string_view(a->key) != "extmap") continue;
    std::vector<std::string> parts = absl::StrSplit(a->value, ' ', absl::SkipEmpty());
    if (parts.size() < 2 || parts[1] != kTwccExtensionUri) continue;
    int id = 0;
    absl::string_view number = parts[0];
    number = number.substr(0, number.find('/'));
    // RFC 8285: one-byte header ids 1..14, two-byte up to 255.
    if (absl::SimpleAtoi(number, &id) && id >= 1 && id <= 255) return id;
  }
  return 0;
}

bool HasFeedback(const GstSDPMedia* media, int pt, absl::string_view type) {
  const std::string wanted = absl::StrCat(pt, " ", type);
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (a->key && a->value && std::string_view(a->key) == "rtcp-fb" &&
        absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(a->value), wanted)) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<OfferedVideo> FindOfferedVideo(const std::string& offer_sdp, Codec codec) {
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new_from_text(offer_sdp.c_str(), &raw);
  SdpMessagePtr sdp(raw);
  if (!sdp || gst_sdp_message_medias_len(sdp.get()) == 0) {
    return absl::InvalidArgumentError("offer SDP is not valid SDP or has no m-line");
  }
  const char* wanted = TraitsFor(codec).encoding_name;
  for (guint m = 0; m < gst_sdp_message_medias_len(sdp.get()); ++m) {
    const GstSDPMedia* media = gst_sdp_message_get_media(sdp.get(), m);
    if (!media->media || std::string_view(media->media) != "video") continue;
    int best_pt = -1;
    int best_score = -1;
    for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
      const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
      int pt = 0;
      std::string name;
      if (!a->key || std::string_view(a->key) != "rtpmap" || !a->value ||
          !ParseRtpmap(a->value, &pt, &name) || !absl::EqualsIgnoreCase(name, wanted)) {
        continue;
      }
      int score = codec == Codec::kH264   ? ScoreH264(FmtpFor(media, pt))
                  : codec == Codec::kVP9  ? ScoreVP9(FmtpFor(media, pt))
                  : codec == Codec::kH265 ? ScoreH265(FmtpFor(media, pt))
                                          : 1;
      if (score > best_score) {
        best_score = score;
        best_pt = pt;
      }
    }
    if (best_pt < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("offer's video m-line has no usable ", wanted,
                       codec == Codec::kH264   ? " (packetization-mode=1)"
                       : codec == Codec::kVP9  ? " (profile-id=0)"
                       : codec == Codec::kH265 ? " (profile-id=1, Main)"
                                               : "",
                       " format"));
    }
    OfferedVideo found{static_cast<int>(m), best_pt};
    found.twcc_extension_id = TwccExtensionId(media);
    found.transport_cc = HasFeedback(media, best_pt, "transport-cc");
    return found;
  }
  return absl::InvalidArgumentError("offer SDP has no video m-line");
}

}  // namespace engine
