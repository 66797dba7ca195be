// The one place that knows both a stream's engine::Feed and its Ahoy link.
// Thread-safe: called from gRPC threads and from the agent's start-up code.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "control/rotating_secret.h"
#include "control/stream_feed.h"
#include "engine/engine.h"
#include "engine/feed.h"
#include "engine/pipeline_template.h"
#include "signaling/ahoy_link.h"
#include "signaling/whip_publisher.h"

namespace control {

class StatsHub;

struct StreamSpec {
  std::string stream_id;
  std::string source_uri;
  engine::Codec codec = engine::Codec::kH264;
  engine::Quality quality;  // fields left unset take the defaults
  engine::SourceOptions source_options;
  std::string director_url;
  std::string feed_name;  // empty: stream_id
  std::string api_key;    // secret
  // Whether the caller chose `codec` (else a template's codec is taken).
  bool codec_set = false;
  std::string encoder;            // API name; empty: the codec's default
  std::string pipeline_template;  // a name from RegistryOptions::templates
  bool shared_encode = false;
  std::optional<uint32_t> max_viewers;  // unset: RegistryOptions::max_viewers_per_feed
  // This stream's ICE servers / policy instead of RegistryOptions::ice's
  // (credentials are secrets). A director's iceServers still win per session.
  std::optional<std::vector<engine::IceServer>> ice_servers;
  std::optional<engine::IceTransportPolicy> ice_transport_policy;
  // Set: also publish to this WHIP endpoint (signaling/whip_publisher.h).
  // Without a director URL the stream only publishes to WHIP.
  std::optional<signaling::WhipConfig> whip;
};

// What callers may see of a stream: never the API key.
struct StreamInfo {
  std::string stream_id;
  std::string source_uri;
  engine::Codec codec = engine::Codec::kH264;
  engine::SourceOptions source_options;
  engine::FeedSnapshot feed;
  std::string encoder;  // resolved: never empty
  std::string pipeline_template;
  bool shared_encode = false;
  uint32_t max_viewers = 0;  // in force
  engine::IceOptions ice;    // in force; ToProto clears every credential
  std::string director_url;
  std::string feed_name;
  bool api_key_set = false;
  signaling::LinkStatus link;  // kClosed when the stream has no director
  // Set when the stream publishes to WHIP.
  std::optional<signaling::WhipStatus> whip;
  std::string whip_endpoint_url;
  bool whip_token_set = false;
};

struct RegistryOptions {
  std::string default_director_url;  // used when a spec leaves it empty
  std::string default_api_key;       // likewise (secret)
  // Set: used instead of default_api_key, read at each Start (rotation:
  // streams started after a change get the new key).
  std::shared_ptr<RotatingSecret> default_api_key_source;
  size_t max_streams = 64;
  std::chrono::milliseconds stats_interval{1000};
  std::chrono::milliseconds ice_gather_timeout{2000};
  std::chrono::milliseconds ice_connect_timeout{30000};
  engine::IceOptions ice;
  uint32_t max_viewers_per_feed = engine::kDefaultMaxViewers;
  bool latency_probe = false;           // benchmarks only: engine/latency_probe.h
  double pacing_factor = 2.5;           // engine/pacer.h; 0: off
  signaling::LinkConfig link_template;  // timings, TLS options
  // The operator's pipeline templates, validated at start-up; callers pick
  // them by name only.
  engine::PipelineTemplates pipeline_templates;
  // WHIP back-off and HTTP timeout; endpoint and token come per stream.
  signaling::WhipConfig whip_template;
};

class StreamRegistry {
 public:
  // Feeds on the engine (engine::Feed).
  StreamRegistry(engine::Engine* engine, signaling::LinkPool* links, StatsHub* hub,
                 RegistryOptions options);
  // Feeds from `feeds` (the ThreadSanitizer tests' fake engine).
  StreamRegistry(std::unique_ptr<FeedFactory> feeds, signaling::LinkPool* links, StatsHub* hub,
                 RegistryOptions options);
  ~StreamRegistry();  // StopAll()

  // ALREADY_EXISTS for a live id, FAILED_PRECONDITION for one still
  // stopping, INVALID_ARGUMENT for a bad spec, RESOURCE_EXHAUSTED past
  // max_streams.
  absl::StatusOr<StreamInfo> Start(StreamSpec spec);
  // Frees the stream; the id stays known as STOPPED (Stop again is OK, Start
  // with the id again is allowed). NOT_FOUND for an id never started;
  // FAILED_PRECONDITION while another Stop of it is still under way.
  absl::StatusOr<StreamInfo> Stop(const std::string& stream_id);
  // Without waiting for the engine: `done` gets the stream as it is after
  // the change, once, on the engine thread, or on the caller's before this
  // returns when the request is refused up front (NOT_FOUND,
  // FAILED_PRECONDITION for a stream stopped or stopping, INVALID_ARGUMENT). A gRPC
  // callback handler must not block, and 200 calls a second would otherwise
  // each hold a gRPC thread while the engine thread is busy.
  void SetQuality(const std::string& stream_id, const engine::Quality& changes, bool force_keyframe,
                  std::function<void(absl::StatusOr<StreamInfo>)> done);
  // Drops one viewer session (NOT_FOUND for an unknown stream or session).
  absl::StatusOr<StreamInfo> Disconnect(const std::string& stream_id,
                                        const std::string& session_id);
  absl::StatusOr<StreamInfo> Get(const std::string& stream_id) const;
  std::vector<StreamInfo> List() const;
  void StopAll();

 private:
  struct Entry;
  static StreamInfo InfoOf(const Entry& entry);

  const std::unique_ptr<FeedFactory> feeds_;
  signaling::LinkPool* const links_;
  StatsHub* const hub_;
  const RegistryOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> streams_;  // live
  // Out of streams_ and not yet a tombstone: a Stop() is shutting it down.
  // Without this state a call in that window saw an id never started, and a
  // Start() with the same id raced the old stream's link and tombstone.
  std::map<std::string, std::shared_ptr<Entry>> stopping_;
  std::map<std::string, StreamInfo> stopped_;  // tombstones
};

// [A-Za-z0-9._-]{1,64}
absl::Status ValidateStreamId(const std::string& stream_id);

}  // namespace control
