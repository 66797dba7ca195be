// Lets a WHIP publisher drive an engine::Feed's offerer sessions: the
// publisher's bridge to the engine, as FeedSignalsAdapter is the Ahoy link's.
#pragma once

#include <memory>

#include "engine/feed.h"
#include "signaling/publish_target.h"

namespace control {

class FeedPublishAdapter : public signaling::PublishTarget {
 public:
  explicit FeedPublishAdapter(std::shared_ptr<engine::Feed> feed) : feed_(std::move(feed)) {}

  void Publish(const std::string& session_id, std::function<void(absl::StatusOr<std::string>)> done,
               std::function<void(std::string reason)> on_end) override {
    feed_->Publish(session_id, std::move(done), std::move(on_end));
  }
  void SetAnswer(const std::string& session_id, std::string answer_sdp,
                 std::function<void(absl::Status)> done) override {
    feed_->SetPublishAnswer(session_id, std::move(answer_sdp), std::move(done));
  }
  void Unpublish(const std::string& session_id) override { feed_->StopViewer(session_id, nullptr); }

 private:
  std::shared_ptr<engine::Feed> feed_;
};

}  // namespace control
