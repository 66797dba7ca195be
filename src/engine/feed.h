// A published stream as the operator declared it: source, codec, the quality
// asked for, and its viewers. One source per feed whatever the number of
// viewers (one camera connection, one decode): the feed owns the SourceChain,
// started with the first viewer session and stopped after the last, and hands
// its frames to every session through a FrameFanout. Each viewer session has
// its own sending pipeline, by default with its own encoder (its own size,
// framerate and bitrate); with `shared_encode` one SharedEncoder serves them
// all, and a pass-through stream always shares the camera's stream.
//
// The feed's state summarises its viewers:
//   WAITING_FOR_VIEWER (none) -> NEGOTIATING (some, none connected)
//   -> STREAMING (at least one connected) -> back when the last leaves;
//   FAILED when the last viewer's session failed (the next play starts over);
//   RECONNECTING_SOURCE while the source is rebuilt under watching viewers.
// Viewer sessions are named by the Ahoy sessionId; "" is protocol v1's single
// default session.
// Public methods are thread-safe: they post onto the engine thread, which
// alone touches sessions, source and encoder.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "engine/frame_fanout.h"
#include "engine/pipeline_template.h"
#include "engine/quality.h"
#include "engine/shared_encoder.h"
#include "engine/source_chain.h"
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

// The agent-wide default of FeedConfig::max_viewers (--max-viewers-per-feed).
inline constexpr uint32_t kDefaultMaxViewers = 4;
inline constexpr uint32_t kMaxViewersLimit = 64;

struct FeedConfig {
  // How logs name the feed (the stream id); the source URI when empty.
  std::string name;
  std::string source_uri;
  Codec codec = Codec::kH264;
  Quality quality;  // complete after Feed::Create
  std::chrono::milliseconds stats_interval{1000};
  std::chrono::milliseconds ice_gather_timeout{2000};
  // A viewer not connected this long after its play ends, the feed FAILED
  // with the reason (checked at each stats interval).
  std::chrono::milliseconds ice_connect_timeout{30000};
  // A publish session (Publish) whose peer sent RTCP and then none for this
  // long ends (the SFU went away); checked at each stats interval.
  std::chrono::milliseconds peer_rtcp_timeout{5000};
  IceOptions ice;
  bool latency_probe = false;  // see engine/latency_probe.h
  double pacing_factor = 2.5;  // engine/pacer.h; 0: off
  // A running source that delivers no frame for this long is restarted.
  std::chrono::milliseconds source_stall_timeout{5000};
  // The codec's encoder by API name ("" = its default: x264 for H264).
  std::string encoder;
  // An operator template (validated at start-up) replacing the encoder, and
  // the source too when it has a source part. Its codec is `codec`.
  std::shared_ptr<const PipelineTemplate> pipeline_template;
  SourceOptions source_options;
  // One encoder for all viewers instead of one each (not with a template).
  bool shared_encode = false;
  // Viewer sessions at once, 1..kMaxViewersLimit; a play beyond is refused.
  uint32_t max_viewers = kDefaultMaxViewers;
};

enum class ViewerState { kNegotiating, kStreaming };

// One viewer session as callers may see it.
struct ViewerSnapshot {
  std::string session_id;  // "" = protocol v1's default session
  std::chrono::system_clock::time_point since;
  ViewerState state = ViewerState::kNegotiating;
  // What this viewer gets: size, framerate and bitrate after its own
  // encoder's settings (the shared encoder's with shared encode).
  Quality quality;
  std::optional<CandidatePairStats> selected_pair;  // from the latest stats
  // Congestion control, when the viewer negotiated transport-wide feedback.
  std::optional<SessionCongestion> congestion;
};

struct FeedSnapshot {
  FeedState state = FeedState::kWaitingForViewer;
  Quality quality;  // what the operator asked for (the sessions' ceiling)
  std::string last_error;
  uint32_t viewer_sessions = 0;         // sessions built so far
  bool pipeline_running = false;        // a session or the source pipeline exists
  uint32_t source_loops = 0;            // a looping file's returns to its start, this run
  std::vector<ViewerSnapshot> viewers;  // by session id
};

// One viewer's figures over the last stats interval.
struct ViewerStats {
  std::string session_id;
  RtpSenderStats rtp;
  uint64_t frames_encoded = 0;  // frames this viewer was sent
  uint64_t keyframes_encoded = 0;
  double send_bitrate_kbps = 0;
  double encode_fps = 0;
  std::string ice_connection_state;
  Quality quality;  // in force for this viewer (bitrate: congestion control's)
  std::optional<SessionCongestion> congestion;
};

// One sample per stats interval, also while nobody watches (then zero rates).
// The top-level figures are the feed's: counters and bitrates summed over the
// viewers, frames and fps of the feed's encoding (the busiest viewer's),
// RTT/jitter/loss of the viewer worst off, ICE state and candidate pair of
// the longest-watching viewer.
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
  std::vector<ViewerStats> viewers;
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

  // A viewer asked to play. RESOURCE_EXHAUSTED past max_viewers;
  // FAILED_PRECONDITION when that session already has a pipeline.
  void StartViewer(const std::string& session_id, std::function<void(absl::Status)> done);
  // The viewer's offer; `done` gets the full answer SDP. `ice_servers`, when
  // set (the director's list for this viewer), replaces the feed's own
  // FeedConfig::ice.servers for this session; validated here.
  void Offer(const std::string& session_id, std::string offer_sdp,
             std::vector<IceCandidate> candidates,
             std::function<void(absl::StatusOr<std::string>)> done,
             std::optional<std::vector<IceServer>> ice_servers = std::nullopt);
  // Offerer mode, for a WHIP publisher (signaling/whip_publisher.h): a
  // session that makes a sendonly offer. `done` gets the offer SDP with every
  // candidate gathered (bounded by ice_gather_timeout). The session counts as
  // one more viewer (its own encoder, stats, quality, congestion control) but
  // not against max_viewers; it keeps the source running. `on_end` is called
  // (engine thread) with the reason when the session ends by any other way
  // than StopViewer/Shutdown: ICE failed or never connected, pipeline error,
  // an operator's Disconnect.
  void Publish(const std::string& session_id, std::function<void(absl::StatusOr<std::string>)> done,
               std::function<void(std::string reason)> on_end);
  // The SFU's answer to Publish's offer. NOT_FOUND when the session is gone.
  void SetPublishAnswer(const std::string& session_id, std::string answer_sdp,
                        std::function<void(absl::Status)> done);
  // The viewer left (or its link did): its pipeline to NULL and freed;
  // nullopt: every viewer. Idempotent.
  void StopViewer(const std::optional<std::string>& session_id,
                  std::function<void(absl::Status)> done);
  // The operator drops one viewer. NOT_FOUND when no such session. Blocks.
  absl::Status Disconnect(const std::string& session_id);

  // Applies only the fields set in `changes` (its preset first) to every
  // viewer, live, and asks the encoders for a keyframe when `force_keyframe`.
  // Returns the quality now asked for. Blocks until the engine thread applied
  // it; not for that thread.
  absl::StatusOr<Quality> SetQuality(const Quality& changes, bool force_keyframe = false);
  // The same without waiting, for callers that must not block (a gRPC
  // callback handler): `done` gets the result once, on the engine thread, or
  // at once on the caller's when the request is refused before reaching it.
  void SetQualityAsync(const Quality& changes, bool force_keyframe,
                       std::function<void(absl::StatusOr<Quality>)> done);

  FeedSnapshot Snapshot() const;
  // What a viewer session's elements hold now (`session_id` "" and absent:
  // the longest-watching one); nullopt without such a session.
  std::optional<SessionSettings> SessionSettingsNow(const std::string& session_id = "");
  const FeedConfig& config() const { return config_; }

  // Tears down every session and the source and stops the stats timer; after
  // it returns the listener is never called again. Blocks; idempotent.
  void Shutdown();

 private:
  // What can be refused without the engine thread (bad values, a change a
  // passthrough feed cannot make).
  absl::Status CheckQualityRequest(const Quality& changes, bool force_keyframe) const;
  // Engine thread.
  absl::StatusOr<Quality> ApplyQualityChange(const Quality& changes, bool force_keyframe);
  struct Viewer {
    std::string id;
    std::shared_ptr<ViewerSession> session;   // null until the offer
    bool publisher = false;                   // Publish(): an offerer, not counted
    std::function<void(std::string)> on_end;  // publisher: see Publish()
    FrameFanout* fanout = nullptr;            // where its feeder is attached
    std::chrono::system_clock::time_point since;
    std::chrono::steady_clock::time_point since_steady;
    std::string ice_state = "new";
    bool connected = false;
    Quality quality;  // in force for this viewer
    std::optional<CandidatePairStats> selected_pair;
    struct RateBase {
      std::chrono::steady_clock::time_point at;
      uint64_t bytes = 0;
      uint64_t frames = 0;
    };
    std::optional<RateBase> rate_base;
  };

  Feed(Engine* engine, FeedConfig config, Listener* listener);
  // An empty `offer_sdp` builds an offerer session.
  absl::StatusOr<std::shared_ptr<ViewerSession>> BuildSession(const std::string& id,
                                                              const std::string& offer_sdp,
                                                              const IceOptions& ice);
  size_t CountedViewers() const;
  absl::Status EnsureSource();
  // Adds a built session to `viewer` (fan-out, quality, counts, state).
  void Attach(Viewer& viewer, std::shared_ptr<ViewerSession> session);
  void StopSourceIfIdle();
  // `id` by value: callers pass viewers_.begin()->first, which the erase
  // inside frees (AddressSanitizer caught the read after it).
  void EndViewer(std::string id, std::optional<std::string> error);
  // Recomputes the feed's state from its viewers and the source.
  void UpdateState(std::optional<std::string> error = std::nullopt);
  void SetState(FeedState state, std::optional<std::string> error);
  void PublishViewers();
  void OnIceState(const std::string& id, GstWebRTCICEConnectionState state);
  void NoteIceProblem(const std::string& id);
  void EndViewersThatNeverConnected();
  void OnSourceDown(std::string error);
  void OnSourceUp();
  void EndPublishersWithoutRtcp();
  void StartStatsTimer();
  void OnStatsTick();
  void AdaptSharedEncoder();
  void OnViewerStats(uint64_t round, const std::string& id, const RtpSenderStats& rtp);
  void EmitStats();
  Viewer* Longest();

  Engine* const engine_;
  const FeedConfig config_;

  // Engine thread only.
  Listener* listener_;
  std::map<std::string, Viewer> viewers_;
  std::shared_ptr<FrameFanout> source_fanout_;
  std::shared_ptr<SourceChain> source_;
  std::shared_ptr<SharedEncoder> shared_;
  bool source_down_ = false;
  Quality quality_;  // the operator's, complete
  GSource* stats_timer_ = nullptr;
  struct StatsRound {
    uint64_t id = 0;
    std::set<std::string> pending;
    std::vector<ViewerStats> got;
  } round_;

  // Written on the engine thread, read anywhere.
  mutable std::mutex mu_;
  FeedSnapshot snapshot_;
};

}  // namespace engine
