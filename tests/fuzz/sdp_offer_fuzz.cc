// The checks the agent runs on a viewer's SDP offer (relayed by the director
// from any browser) before it answers. Properties: never crashes; a usable
// offer names a video m-line that exists and an RTP payload type.
#include "engine/sdp_offer.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string offer(fuzz::AsText(data, size));
  for (engine::Codec codec :
       {engine::Codec::kH264, engine::Codec::kVP8, engine::Codec::kVP9, engine::Codec::kH265}) {
    absl::StatusOr<engine::OfferedVideo> video = engine::FindOfferedVideo(offer, codec);
    if (!video.ok()) {
      FUZZ_CHECK(video.status().code() == absl::StatusCode::kInvalidArgument);
      continue;
    }
    FUZZ_CHECK(video->mline_index >= 0);
    FUZZ_CHECK(video->payload_type >= 0 && video->payload_type <= 127);
    FUZZ_CHECK(video->twcc_extension_id >= 0 && video->twcc_extension_id <= 255);
  }
  return 0;
}
