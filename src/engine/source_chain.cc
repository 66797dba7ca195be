#include "engine/source_chain.h"

#include <gst/app/gstappsink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/passthrough.h"
#include "engine/pipeline_description.h"
#include "engine/uri_secret.h"

namespace engine {

RestartBackoff::RestartBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                               std::chrono::milliseconds healthy_after)
    : initial_(initial), max_(max), healthy_after_(healthy_after), next_(initial) {}

std::chrono::milliseconds RestartBackoff::OnFailure(Duration ran_fine_for) {
  if (ran_fine_for >= healthy_after_) next_ = initial_;
  std::chrono::milliseconds delay = next_;
  next_ = std::min(next_ * 2, max_);
  return delay;
}

namespace {
int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
constexpr guint kWatchdogPeriodMs = 250;

// The last line of a GStreamer error's debug text, where elements put their
// explanation after the source location and object path; "" if it has only
// one line (then it is just the location).
std::string DebugReason(const std::string& debug) {
  const size_t newline = debug.find_last_of('\n');
  if (newline == std::string::npos) return "";
  return std::string(absl::StripAsciiWhitespace(debug.substr(newline + 1)));
}
}  // namespace

// One build of the source pipeline, shared with its appsink callback.
struct SourceChain::Run {
  uint64_t id = 0;
  int64_t started_ns = 0;
  std::atomic<int64_t> first_frame_ns{0};  // 0: no frame yet
  std::atomic<int64_t> last_frame_ns{0};
};

namespace {
// The appsink callback's user data: never the chain itself.
struct FrameSink {
  Engine* engine;
  std::weak_ptr<SourceChain> chain;
  std::shared_ptr<void> run;  // keeps the Run alive
  std::atomic<int64_t>* first_frame_ns;
  std::atomic<int64_t>* last_frame_ns;
  std::shared_ptr<FrameFanout> fanout;
  std::function<void()> on_first_frame;
  // Coded frames: nothing is handed over before the first keyframe (deltas
  // on a picture the viewer never had only decode as garbage).
  bool wait_for_keyframe = false;
};
// The bus watch's user data.
struct BusRef {
  std::weak_ptr<SourceChain> chain;
  uint64_t run;
};
}  // namespace

SourceChain::SourceChain(Engine* engine, std::string source_uri, const Quality& quality,
                         std::shared_ptr<FrameFanout> fanout, Options options, Events events)
    : engine_(engine),
      source_uri_(std::move(source_uri)),
      quality_(quality),
      fanout_(std::move(fanout)),
      options_(options),
      events_(std::move(events)) {}

absl::StatusOr<std::shared_ptr<SourceChain>> SourceChain::Start(Engine* engine,
                                                                std::string source_uri,
                                                                const Quality& quality,
                                                                std::shared_ptr<FrameFanout> fanout,
                                                                Options options, Events events) {
  std::shared_ptr<SourceChain> chain(new SourceChain(
      engine, std::move(source_uri), quality, std::move(fanout), options, std::move(events)));
  if (absl::Status s = chain->Build(); !s.ok()) return s;
  chain->watchdog_ = g_timeout_source_new(kWatchdogPeriodMs);
  g_source_set_callback(
      chain->watchdog_,
      [](gpointer data) -> gboolean {
        if (auto self = static_cast<std::weak_ptr<SourceChain>*>(data)->lock()) self->OnWatchdog();
        return G_SOURCE_CONTINUE;
      },
      new std::weak_ptr<SourceChain>(chain),
      [](gpointer data) { delete static_cast<std::weak_ptr<SourceChain>*>(data); });
  g_source_attach(chain->watchdog_, engine->context());
  return chain;
}

SourceChain::~SourceChain() {
  for (GSource** timer : {&watchdog_, &restart_timer_}) {
    if (*timer) {
      g_source_destroy(*timer);
      g_source_unref(*timer);
      *timer = nullptr;
    }
  }
  TearDown();
}

absl::Status SourceChain::Build() {
  const bool passthrough = options_.source.passthrough;
  auto description =
      passthrough ? PassthroughSourcePipeline(source_uri_, options_.codec, options_.source)
      : options_.source_part.empty()
          ? SourcePipelineDescription(source_uri_, quality_, options_.source)
          : absl::StatusOr<std::string>(SourcePipelineFromPart(options_.source_part, quality_));
  if (!description.ok()) return description.status();
  spdlog::debug("source pipeline: {}", Scrubbed(*description));
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description->c_str(), &error);
  if (error) {
    std::string text = error->message;
    g_error_free(error);
    if (pipeline) gst_object_unref(pipeline);
    return absl::InternalError(absl::StrCat("cannot build source pipeline: ", text));
  }
  pipeline_.reset(GST_ELEMENT(gst_object_ref_sink(pipeline)));
  raw_capsfilter_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "raw_capsfilter"));
  ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "source_sink"));
  if ((!raw_capsfilter_ && !passthrough) || !sink) {
    TearDown();
    return absl::InternalError("source pipeline lacks raw_capsfilter or source_sink");
  }

  auto run = std::make_shared<Run>();
  run->id = ++run_id_;
  run->started_ns = NowNs();
  run_ = run;

  std::weak_ptr<SourceChain> weak = weak_from_this();
  Engine* engine = engine_;
  uint64_t id = run->id;
  auto* frame_sink = new FrameSink{engine_,
                                   weak,
                                   run,
                                   &run->first_frame_ns,
                                   &run->last_frame_ns,
                                   fanout_,
                                   [engine, weak, id] {
                                     engine->Post([weak, id] {
                                       if (auto self = weak.lock()) self->OnFirstFrame(id);
                                     });
                                   },
                                   passthrough};
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = [](GstAppSink* appsink, gpointer data) -> GstFlowReturn {
    auto* ctx = static_cast<FrameSink*>(data);
    GstSample* sample = gst_app_sink_pull_sample(appsink);
    if (!sample) return GST_FLOW_EOS;
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (buffer && ctx->wait_for_keyframe) {
      if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT)) buffer = nullptr;
      ctx->wait_for_keyframe = buffer == nullptr;
    }
    if (buffer) ctx->fanout->Push(sample);
    gst_sample_unref(sample);
    int64_t now = NowNs();
    ctx->last_frame_ns->store(now);
    int64_t none = 0;
    if (ctx->first_frame_ns->compare_exchange_strong(none, now)) ctx->on_first_frame();
    return GST_FLOW_OK;
  };
  gst_app_sink_set_callbacks(GST_APP_SINK(sink.get()), &callbacks, frame_sink,
                             [](gpointer data) { delete static_cast<FrameSink*>(data); });

  BusPtr bus(gst_element_get_bus(pipeline_.get()));
  gst_bus_add_watch_full(bus.get(), G_PRIORITY_DEFAULT, &SourceChain::OnBusMessage,
                         new BusRef{weak, id},
                         [](gpointer data) { delete static_cast<BusRef*>(data); });

  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    // The element that refused said why on the bus (a v4l2 device gone, a
    // file removed): that is the reason worth reporting.
    std::string reason = "source unavailable?";
    if (GstMessage* m = gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR)) {
      GError* error = nullptr;
      gst_message_parse_error(m, &error, nullptr);
      if (error) reason = absl::StrCat(GST_OBJECT_NAME(GST_MESSAGE_SRC(m)), ": ", error->message);
      g_clear_error(&error);
      gst_message_unref(m);
    }
    TearDown();
    return absl::InternalError(absl::StrCat("source pipeline refused to start (", reason, ")"));
  }
  return absl::OkStatus();
}

std::string SourceChain::Label() const {
  return source_uri_.empty() ? Abbreviate(options_.source_part)
                             : Abbreviate(RedactUri(source_uri_));
}

std::string SourceChain::Scrubbed(const std::string& text) const {
  return ScrubUriPassword(text, source_uri_);
}

void SourceChain::TearDown() {
  if (!pipeline_) return;
  BusPtr bus(gst_element_get_bus(pipeline_.get()));
  gst_bus_remove_watch(bus.get());
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  raw_capsfilter_.reset();
  pipeline_.reset();
  run_.reset();
}

gboolean SourceChain::OnBusMessage(GstBus*, GstMessage* message, gpointer data) {
  auto* ref = static_cast<BusRef*>(data);
  auto self = ref->chain.lock();
  if (!self) return G_SOURCE_REMOVE;
  if (!self->run_ || self->run_->id != ref->run) return G_SOURCE_CONTINUE;  // stale
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      GError* error = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(message, &error, &debug);
      std::string text = absl::StrCat("source error: ", GST_OBJECT_NAME(GST_MESSAGE_SRC(message)),
                                      ": ", error ? error->message : "unknown error");
      const std::string details = debug ? debug : "";
      g_clear_error(&error);
      g_free(debug);
      spdlog::warn("{} ({})", self->Scrubbed(text), self->Scrubbed(details));
      if (self->options_.source.passthrough && details.find("not-linked") != std::string::npos) {
        // rtspsrc found no stream its depayloader takes: say so plainly.
        absl::StrAppend(&text, " (the camera sends no ", CodecName(self->options_.codec),
                        " video; pass-through needs the camera's codec to be the stream's)");
      } else if (std::string reason = DebugReason(details); !reason.empty()) {
        // The element's own explanation ("Could not receive any UDP packets
        // for 3.0000 seconds, maybe your firewall is blocking it").
        absl::StrAppend(&text, " (", Abbreviate(reason), ")");
      }
      self->Fail(self->Scrubbed(text));
      break;
    }
    case GST_MESSAGE_EOS:
      if (self->options_.source.loop) {
        self->Loop();
      } else {
        self->Fail("source ended (EOS)");
      }
      break;
    case GST_MESSAGE_WARNING: {
      GError* error = nullptr;
      gst_message_parse_warning(message, &error, nullptr);
      spdlog::info("source warning: {}", self->Scrubbed(error ? error->message : "?"));
      g_clear_error(&error);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

void SourceChain::Fail(const std::string& reason) {
  std::chrono::steady_clock::duration ran_fine_for{};
  if (run_) {
    int64_t first = run_->first_frame_ns.load();
    if (first != 0) ran_fine_for = std::chrono::nanoseconds(NowNs() - first);
  }
  TearDown();
  down_ = true;
  std::chrono::milliseconds delay = backoff_.OnFailure(ran_fine_for);
  spdlog::warn("source {} down ({}); restarting in {} ms", Label(), reason, delay.count());
  if (restart_timer_) {
    g_source_destroy(restart_timer_);
    g_source_unref(restart_timer_);
  }
  restart_timer_ = g_timeout_source_new(static_cast<guint>(delay.count()));
  g_source_set_callback(
      restart_timer_,
      [](gpointer data) -> gboolean {
        if (auto self = static_cast<std::weak_ptr<SourceChain>*>(data)->lock()) {
          self->OnRestartTimer();
        }
        return G_SOURCE_REMOVE;
      },
      new std::weak_ptr<SourceChain>(weak_from_this()),
      [](gpointer data) { delete static_cast<std::weak_ptr<SourceChain>*>(data); });
  g_source_attach(restart_timer_, engine_->context());
  if (events_.on_down) events_.on_down(reason, delay);
}

void SourceChain::Loop() {
  // A flushing seek back to the start: the same pipeline plays on. The jump
  // back in the file's timestamps never reaches the encoder, because appsrc
  // restamps every frame with the sending pipeline's running time.
  if (!gst_element_seek_simple(
          pipeline_.get(), GST_FORMAT_TIME,
          static_cast<GstSeekFlags>(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT), 0)) {
    return Fail("source ended (EOS) and could not seek back to its start to loop");
  }
  ++loops_;
  spdlog::debug("source {} looped ({} times)", Label(), loops_);
  if (events_.on_loop) events_.on_loop();
}

void SourceChain::OnRestartTimer() {
  if (restart_timer_) {
    g_source_unref(restart_timer_);
    restart_timer_ = nullptr;
  }
  ++restarts_;
  spdlog::info("restarting source {} (attempt {})", Label(), restarts_);
  if (absl::Status s = Build(); !s.ok()) Fail(std::string(s.message()));
}

void SourceChain::OnFirstFrame(uint64_t run_id) {
  if (!run_ || run_->id != run_id) return;
  if (!down_) return;
  down_ = false;
  spdlog::info("source {} is back", Label());
  if (events_.on_up) events_.on_up();
}

void SourceChain::OnWatchdog() {
  if (!run_) return;
  int64_t now = NowNs();
  int64_t last = run_->last_frame_ns.load();
  auto stall = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.stall_timeout).count();
  if (last != 0 && now - last > stall) {
    Fail(absl::StrCat("source stalled: no frame for ", options_.stall_timeout.count(), " ms"));
  } else if (last == 0 && now - run_->started_ns > 2 * stall) {
    Fail(absl::StrCat("source delivered no frame within ", 2 * options_.stall_timeout.count(),
                      " ms"));
  }
}

void SourceChain::SetQuality(const Quality& quality) {
  quality_ = quality;
  if (raw_capsfilter_) {
    CapsPtr caps(gst_caps_from_string(RawCapsString(quality).c_str()));
    g_object_set(raw_capsfilter_.get(), "caps", caps.get(), nullptr);
  }
}

}  // namespace engine
