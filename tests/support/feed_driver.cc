#include "feed_driver.h"

#include <future>

namespace testing_support {

absl::Status StartViewer(engine::Feed& feed, const std::string& session) {
  auto done = std::make_shared<std::promise<absl::Status>>();
  feed.StartViewer(session, [done](absl::Status s) { done->set_value(s); });
  return done->get_future().get();
}

absl::StatusOr<std::string> Offer(engine::Feed& feed, const std::string& sdp,
                                  const std::string& session) {
  auto done = std::make_shared<std::promise<absl::StatusOr<std::string>>>();
  feed.Offer(session, sdp, {},
             [done](absl::StatusOr<std::string> a) { done->set_value(std::move(a)); });
  return done->get_future().get();
}

void StopViewer(engine::Feed& feed, const std::optional<std::string>& session) {
  auto done = std::make_shared<std::promise<void>>();
  feed.StopViewer(session, [done](absl::Status) { done->set_value(); });
  done->get_future().get();
}

absl::Status PlayInto(engine::Feed& feed, WebrtcReceiver& receiver, const std::string& session) {
  if (auto started = StartViewer(feed, session); !started.ok()) return started;
  auto answer = Offer(feed, receiver.CreateOffer(), session);
  if (!answer.ok()) return answer.status();
  std::string error;
  if (!receiver.SetAnswer(*answer, &error)) return absl::InternalError(error);
  return absl::OkStatus();
}

std::unique_ptr<WebrtcReceiver> Play(engine::Feed& feed, const std::string& encoding,
                                     std::string* error, const std::string& session) {
  auto receiver = std::make_unique<WebrtcReceiver>(encoding);
  if (absl::Status played = PlayInto(feed, *receiver, session); !played.ok()) {
    *error = played.ToString();
    return nullptr;
  }
  return receiver;
}

}  // namespace testing_support
