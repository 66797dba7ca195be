// The Ahoy codec on frames from outside: director -> agent (what the agent
// reads from a director it may not trust) and agent -> director (what
// local-director reads). Properties: never throws or crashes; a frame that
// decodes re-encodes into one that decodes to the same message type, and a
// DecodeError never quotes the frame (the envelope's `to` carries the key).
#include <algorithm>
#include <variant>

#include "fuzz_check.h"
#include "signaling/ahoy_codec.h"

namespace ahoy = signaling::ahoy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::AsText(data, size);

  auto director = ahoy::DecodeDirectorMessage(text);
  if (const auto* message = std::get_if<ahoy::DirectorMessage>(&director)) {
    const std::string again = ahoy::EncodeDirectorMessage(*message);
    auto redecoded = ahoy::DecodeDirectorMessage(again);
    const auto* same = std::get_if<ahoy::DirectorMessage>(&redecoded);
    FUZZ_CHECK(same != nullptr);
    FUZZ_CHECK(same->index() == message->index());
    if (const auto* sdp = std::get_if<ahoy::SdpRequest>(message)) {
      const auto& other = std::get<ahoy::SdpRequest>(*same);
      FUZZ_CHECK(other.uuid == sdp->uuid && other.sdp == sdp->sdp);
      FUZZ_CHECK(other.candidates.size() == sdp->candidates.size());
      FUZZ_CHECK(other.session_id == sdp->session_id);
    }
  } else {
    const auto& error = std::get<ahoy::DecodeError>(director);
    FUZZ_CHECK(!error.reason.empty());
  }

  auto agent = ahoy::DecodeAgentMessage(text);
  if (const auto* message = std::get_if<ahoy::AgentMessage>(&agent)) {
    const std::string again = ahoy::EncodeAgentMessage(*message);
    auto redecoded = ahoy::DecodeAgentMessage(again);
    const auto* same = std::get_if<ahoy::AgentMessage>(&redecoded);
    FUZZ_CHECK(same != nullptr);
    FUZZ_CHECK(same->index() == message->index());
    if (const auto* envelope = std::get_if<ahoy::Envelope>(message)) {
      const auto& other = std::get<ahoy::Envelope>(*same);
      FUZZ_CHECK(other.to == envelope->to);
      FUZZ_CHECK(other.payload.kind == envelope->payload.kind);
      FUZZ_CHECK(other.payload.uuid == envelope->payload.uuid);
      FUZZ_CHECK(other.payload.success == envelope->payload.success);
    }
  } else {
    const auto& error = std::get<ahoy::DecodeError>(agent);
    FUZZ_CHECK(!error.reason.empty());
    // The reason names fields, never values: a long frame is never echoed.
    // A frame of plain words can be part of a fixed reason by chance
    // ("ormed JSON at byte"), so only a frame with JSON's brackets or quotes,
    // or a byte outside printable ASCII, counts: such a frame is in a reason
    // only if the codec copied it there.
    const bool plain_words =
        text.find_first_of("{}[]\"\\") == std::string_view::npos &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
    if (size >= 16 && !plain_words) FUZZ_CHECK(error.reason.find(text) == std::string::npos);
  }
  return 0;
}
