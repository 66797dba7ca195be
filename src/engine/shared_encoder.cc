#include "engine/shared_encoder.h"

#include <gst/app/gstappsink.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"

namespace engine {
namespace {
struct EncoderRef {
  std::weak_ptr<SharedEncoder> encoder;
};
}  // namespace

SharedEncoder::SharedEncoder(Engine* engine, const CodecTraits& traits, const Quality& quality)
    : engine_(engine), traits_(traits), quality_(quality) {}

absl::StatusOr<std::shared_ptr<SharedEncoder>> SharedEncoder::Start(
    Engine* engine, const CodecTraits& traits, const Quality& quality, bool latency_probe,
    std::function<void(std::string)> on_error) {
  std::shared_ptr<SharedEncoder> encoder(new SharedEncoder(engine, traits, quality));
  if (absl::Status s = encoder->Build(latency_probe, std::move(on_error)); !s.ok()) return s;
  return encoder;
}

absl::Status SharedEncoder::Build(bool latency_probe, std::function<void(std::string)> on_error) {
  on_error_ = std::move(on_error);
  // A joining viewer waits for a keyframe: make one now (engine thread),
  // whatever the spacing of PLI-driven ones, or it waits a whole interval.
  std::weak_ptr<SharedEncoder> weak = weak_from_this();
  output_ = std::make_shared<FrameFanout>(/*coded=*/true, [weak] {
    auto self = weak.lock();
    if (self && self->control_) {
      self->last_forced_ = std::chrono::steady_clock::now();
      self->control_->ForceKeyframe();
    }
  });
  const std::string description = SharedEncoderPipeline(traits_, quality_);
  spdlog::debug("shared encoder pipeline: {}", description);
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  if (error) {
    std::string text = error->message;
    g_error_free(error);
    if (pipeline) gst_object_unref(pipeline);
    return absl::InternalError(absl::StrCat("cannot build the shared encoder: ", text));
  }
  pipeline_.reset(GST_ELEMENT(gst_object_ref_sink(pipeline)));
  appsrc_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "feeder"));
  ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "encoded_sink"));
  if (!appsrc_ || !sink) return absl::InternalError("shared encoder lacks feeder or encoded_sink");
  auto control = EncoderControl::Attach(engine_, GST_BIN(pipeline_.get()), traits_, quality_,
                                        latency_probe, on_error_);
  if (!control.ok()) return control.status();
  control_ = *control;

  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = [](GstAppSink* appsink, gpointer data) -> GstFlowReturn {
    GstSample* sample = gst_app_sink_pull_sample(appsink);
    if (!sample) return GST_FLOW_EOS;
    (*static_cast<std::shared_ptr<FrameFanout>*>(data))->Push(sample);
    gst_sample_unref(sample);
    return GST_FLOW_OK;
  };
  gst_app_sink_set_callbacks(
      GST_APP_SINK(sink.get()), &callbacks, new std::shared_ptr<FrameFanout>(output_),
      [](gpointer data) { delete static_cast<std::shared_ptr<FrameFanout>*>(data); });

  BusPtr bus(gst_element_get_bus(pipeline_.get()));
  gst_bus_add_watch_full(bus.get(), G_PRIORITY_DEFAULT, &SharedEncoder::OnBusMessage,
                         new EncoderRef{weak},
                         [](gpointer data) { delete static_cast<EncoderRef*>(data); });
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return absl::InternalError("the shared encoder refused to start");
  }
  return absl::OkStatus();
}

SharedEncoder::~SharedEncoder() {
  control_.reset();
  if (pipeline_) {
    BusPtr bus(gst_element_get_bus(pipeline_.get()));
    gst_bus_remove_watch(bus.get());
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  }
  appsrc_.reset();
  pipeline_.reset();
}

gboolean SharedEncoder::OnBusMessage(GstBus*, GstMessage* message, gpointer data) {
  auto self = static_cast<EncoderRef*>(data)->encoder.lock();
  if (!self) return G_SOURCE_REMOVE;
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GError* error = nullptr;
    gst_message_parse_error(message, &error, nullptr);
    std::string text = absl::StrCat("shared encoder: ", GST_OBJECT_NAME(GST_MESSAGE_SRC(message)),
                                    ": ", error ? error->message : "unknown error");
    g_clear_error(&error);
    spdlog::warn("{}", text);
    if (self->on_error_) self->on_error_(text);
  }
  return G_SOURCE_CONTINUE;
}

void SharedEncoder::Apply(const Quality& next) {
  control_->Apply(quality_, next);
  quality_ = next;
}

void SharedEncoder::ForceKeyframe() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_forced_ < kMinKeyframeSpacing) return;
  last_forced_ = now;
  control_->ForceKeyframe();
}

}  // namespace engine
