// A published stream as the operator declared it: source, codec, the quality
// in force, and the viewer state machine
//   WAITING_FOR_VIEWER -> NEGOTIATING -> STREAMING -> WAITING_FOR_VIEWER
//                                  \-> FAILED (next play starts over)
//   NEGOTIATING/STREAMING <-> RECONNECTING_SOURCE (the source failed while a
//   viewer watches: the session stays, the source is rebuilt with back-off;
//   last_error says why; back with the first new frame)
// Public methods are thread-safe: they post onto the engine thread, which
// alone touches the ViewerSession.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "engine/pipeline_template.h"
#include "engine/quality.h"
#include "engine/viewer_session.h"

namespace engine {

enum class FeedState {
  kWaitingForViewer,
  kNegotiating,
  kStreaming,
  kFailed,
  kStopped,
  kReconnectingSource,
};
const char* FeedStateName(FeedState state);

struct FeedConfig {
  // How logs name the feed (the stream id); the source URI when empty.
  std::string name;
  std::string source_uri;
  Codec codec = Codec::kH264;
  Quality quality;  // complete after Feed::Create
  std::chrono::milliseconds stats_interval{1000};
  std::chrono::milliseconds ice_gather_timeout{2000};
  IceOptions ice;
  bool latency_probe = false;  // see engine/latency_probe.h
  // A running source that delivers no frame for this long is restarted.
  std::chrono::milliseconds source_stall_timeout{5000};
  // The codec's encoder by API name ("" = its default: x264 for H264).
  std::string encoder;
  // An operator template (validated at start-up) replacing the encoder, and
  // the source too when it has a source part. Its codec is `codec`.
  std::shared_ptr<const PipelineTemplate> pipeline_template;
  SourceOptions source_options;
};

struct FeedSnapshot {
  FeedState state = FeedState::kWaitingForViewer;
  Quality quality;
  std::string last_error;
  uint32_t viewer_sessions = 0;   // sessions built so far
  bool pipeline_running = false;  // a ViewerSession (and its pipeline) exists
  uint32_t source_loops = 0;      // a looping file's returns to its start, this session
};

// One sample per stats interval, also while nobody watches (then zero rates).
struct FeedStats {
  std::chrono::system_clock::time_point timestamp;
  FeedState state = FeedState::kWaitingForViewer;
  Quality quality;
  RtpSenderStats rtp;
  uint64_t frames_encoded = 0;
  uint64_t keyframes_encoded = 0;
  double send_bitrate_kbps = 0;
  double encode_fps = 0;
  std::string ice_connection_state;  // "new", "checking", "connected", ...
};

class Feed : public std::enable_shared_from_this<Feed> {
 public:
  // Called on the engine thread; must not block.
  struct Listener {
    virtual ~Listener() = default;
    virtual void OnFeedState(const FeedSnapshot& snapshot) = 0;
    virtual void OnFeedStats(const FeedStats& stats) = 0;
  };

  // Validates the source, its options, the encoder and the quality
  // (INVALID_ARGUMENT with the reason); FAILED_PRECONDITION when the
  // encoder's plugin is not installed or a local source is not there
  // (source_check.h).
  static absl::StatusOr<std::shared_ptr<Feed>> Create(Engine* engine, FeedConfig config,
                                                      Listener* listener);
  ~Feed();

  // A viewer asked to play. FAILED_PRECONDITION when one already watches.
  void StartViewer(std::function<void(absl::Status)> done);
  // The viewer's offer; `done` gets the full answer SDP.
  void Offer(std::string offer_sdp, std::vector<IceCandidate> candidates,
             std::function<void(absl::StatusOr<std::string>)> done);
  // The viewer left (or its link did): pipeline to NULL and freed. Idempotent.
  void StopViewer(std::function<void(absl::Status)> done);

  // Applies only the fields set in `changes` (its preset first), live, and
  // asks the encoder for a keyframe when `force_keyframe` (no-op without a
  // viewer). Returns the quality now in force. Blocks until the engine thread
  // applied it; not for that thread.
  absl::StatusOr<Quality> SetQuality(const Quality& changes, bool force_keyframe = false);

  FeedSnapshot Snapshot() const;
  // What the viewer session's elements hold now; nullopt without a session.
  std::optional<SessionSettings> SessionSettingsNow();
  const FeedConfig& config() const { return config_; }

  // Tears down any session and stops the stats timer; after it returns the
  // listener is never called again. Blocks; idempotent.
  void Shutdown();

 private:
  Feed(Engine* engine, FeedConfig config, Listener* listener);
  void StartStatsTimer();
  void OnStatsTick();
  void EmitStats(const RtpSenderStats& rtp);
  void SetState(FeedState state, std::optional<std::string> error = std::nullopt);
  void EndSession(FeedState next, std::optional<std::string> error = std::nullopt);
  void OnIceState(GstWebRTCICEConnectionState state);
  void OnSourceDown(std::string error);
  void OnSourceUp();

  Engine* const engine_;
  const FeedConfig config_;

  // Engine thread only.
  Listener* listener_;
  std::shared_ptr<ViewerSession> session_;
  bool viewer_requested_ = false;
  GSource* stats_timer_ = nullptr;
  std::string ice_state_ = "none";
  bool ice_connected_ = false;
  bool source_down_ = false;
  struct RateBase {
    std::chrono::steady_clock::time_point at;
    uint64_t bytes = 0;
    uint64_t frames = 0;
  };
  std::optional<RateBase> rate_base_;

  // Written on the engine thread, read anywhere.
  mutable std::mutex mu_;
  FeedSnapshot snapshot_;
};

}  // namespace engine
