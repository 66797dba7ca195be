#include "feed_driver.h"

#include <future>

namespace testing_support {

absl::Status StartViewer(engine::Feed& feed) {
  auto done = std::make_shared<std::promise<absl::Status>>();
  feed.StartViewer([done](absl::Status s) { done->set_value(s); });
  return done->get_future().get();
}

absl::StatusOr<std::string> Offer(engine::Feed& feed, const std::string& sdp) {
  auto done = std::make_shared<std::promise<absl::StatusOr<std::string>>>();
  feed.Offer(sdp, {}, [done](absl::StatusOr<std::string> a) { done->set_value(std::move(a)); });
  return done->get_future().get();
}

void StopViewer(engine::Feed& feed) {
  auto done = std::make_shared<std::promise<void>>();
  feed.StopViewer([done](absl::Status) { done->set_value(); });
  done->get_future().get();
}

absl::Status PlayInto(engine::Feed& feed, WebrtcReceiver& receiver) {
  if (auto started = StartViewer(feed); !started.ok()) return started;
  auto answer = Offer(feed, receiver.CreateOffer());
  if (!answer.ok()) return answer.status();
  std::string error;
  if (!receiver.SetAnswer(*answer, &error)) return absl::InternalError(error);
  return absl::OkStatus();
}

std::unique_ptr<WebrtcReceiver> Play(engine::Feed& feed, const std::string& encoding,
                                     std::string* error) {
  auto receiver = std::make_unique<WebrtcReceiver>(encoding);
  if (absl::Status played = PlayInto(feed, *receiver); !played.ok()) {
    *error = played.ToString();
    return nullptr;
  }
  return receiver;
}

}  // namespace testing_support
