#include "janus_subscriber.h"

namespace testing_support {

JanusSubscriber::~JanusSubscriber() {
  receiver_.reset();
  handle_.reset();
  watcher_.reset();
}

absl::Status JanusSubscriber::Subscribe(const std::string& janus_url, int room,
                                        std::chrono::milliseconds timeout) {
  // A publisher counts in the room once its PeerConnection is up, which is
  // after the agent's POST was answered. Like janus.js, watch the room as a
  // participant that publishes nothing: "joined" lists the active
  // publishers, later events announce new ones.
  watcher_ = std::make_unique<JanusVideoRoomHandle>();
  if (absl::Status s = watcher_->Attach(janus_url); !s.ok()) return s;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto event = watcher_->Message(
      {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"display", "gwa-watcher"}},
      nullptr, timeout);
  for (;;) {
    if (!event.ok()) return event.status();
    const nlohmann::json& publishers = (*event)["data"].value("publishers", nlohmann::json());
    if (publishers.is_array() && !publishers.empty()) {
      feed_ = publishers[0]["id"].get<uint64_t>();
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return absl::DeadlineExceededError("no publisher in room " + std::to_string(room));
    }
    event = watcher_->NextEvent(left);
  }
  handle_ = std::make_unique<JanusVideoRoomHandle>();
  if (absl::Status s = handle_->Attach(janus_url); !s.ok()) return s;
  auto attached = handle_->Message({{"request", "join"},
                                    {"ptype", "subscriber"},
                                    {"room", room},
                                    {"streams", {{{"feed", feed_}}}}},
                                   nullptr, std::chrono::seconds(10));
  if (!attached.ok()) return attached.status();
  const nlohmann::json& jsep = (*attached)["jsep"];
  if (!jsep.is_object() || jsep.value("type", "") != "offer") {
    return absl::InternalError("join answered without an offer: " + attached->dump());
  }
  janus_offer_ = jsep["sdp"].get<std::string>();
  receiver_ = std::make_unique<WebrtcReceiver>(WebrtcReceiver::Answerer{});
  std::string error;
  const std::string answer = receiver_->AnswerOffer(janus_offer_, &error);
  if (answer.empty()) return absl::InternalError("answering Janus's offer: " + error);
  auto started = handle_->Message({{"request", "start"}}, {{"type", "answer"}, {"sdp", answer}},
                                  std::chrono::seconds(10));
  if (!started.ok()) return started.status();
  return handle_->TrickleCompleted();
}

}  // namespace testing_support
