#include "engine/pacer_element.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "engine/pacer.h"

namespace engine {
namespace {

// A packet due within this long leaves now, in debt to the pacer, together
// with the packets before it: the task wakes once per few packets, not once
// per packet (at 1 Mbit/s paced at 2.5x a 1200-byte packet is due every
// 3.8 ms, and each wake-up costs two context switches). The bucket still
// keeps the rate; a burst is at most this much more of it. libwebrtc's
// process-driven pacer sent in bursts at least 5 ms apart the same way
// (PacingController's kMinPacketLimit).
constexpr int64_t kEarlyUs = 5000;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One thing in line: a buffer (paced) or a serialized event (passed on as
// soon as it is first in line).
struct Item {
  GstMiniObject* object = nullptr;
  bool is_buffer = false;
};

// The C++ state behind the GObject (allocated in init, freed in finalize).
struct State {
  std::mutex mutex;
  std::condition_variable wake;
  Pacer pacer;
  std::deque<Item> items;
  bool flushing = true;  // until the src pad is activated
  // A push downstream is under way (the task's, or one on the upstream
  // thread): whatever arrives meanwhile queues behind it, so order holds.
  bool pushing = false;
  GstFlowReturn last_flow = GST_FLOW_OK;
  double factor = PacerConfig{}.factor;
  uint64_t packets_delayed = 0;

  void Clear() {
    for (Item& item : items) gst_mini_object_unref(item.object);
    items.clear();
    PacerConfig config = pacer.config();
    const int64_t target = pacer.target_bps();
    pacer = Pacer(config);
    pacer.SetTargetRate(target);
  }
};

struct GwaPacer {
  GstElement parent;
  GstPad* sinkpad;
  GstPad* srcpad;
  State* state;
};

struct GwaPacerClass {
  GstElementClass parent_class;
};

enum {
  PROP_0,
  PROP_FACTOR,
  PROP_TARGET_BITRATE,
  PROP_MAX_QUEUE_TIME,
  PROP_QUEUE_DELAY,
  PROP_PACING_RATE,
  PROP_PACKETS_DELAYED,
};

GType gwa_pacer_get_type();
G_DEFINE_TYPE(GwaPacer, gwa_pacer, GST_TYPE_ELEMENT)

GwaPacer* Self(gpointer object) { return reinterpret_cast<GwaPacer*>(object); }

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

// Upstream thread, `lock` held, nothing queued or being pushed: pushes
// `buffer` downstream from here. NOT_LINKED is not passed back, as from the
// task (webrtcbin links its sink pad on negotiation).
GstFlowReturn PushHere(GwaPacer* self, GstBuffer* buffer, std::unique_lock<std::mutex>& lock) {
  State& s = *self->state;
  s.pushing = true;
  lock.unlock();
  const GstFlowReturn flow = gst_pad_push(self->srcpad, buffer);
  lock.lock();
  s.pushing = false;
  return flow == GST_FLOW_NOT_LINKED ? GST_FLOW_OK : flow;
}

// Upstream thread: pushes one buffer now when nothing is ahead of it and the
// pacer allows (or pacing is off), else queues it for the task.
GstFlowReturn Take(GwaPacer* self, GstBuffer* buffer) {
  State& s = *self->state;
  std::unique_lock<std::mutex> lock(s.mutex);
  if (s.flushing) {
    gst_buffer_unref(buffer);
    return GST_FLOW_FLUSHING;
  }
  // What the task met downstream goes back upstream once (EOS, errors).
  if (s.last_flow != GST_FLOW_OK) {
    const GstFlowReturn flow = s.last_flow;
    s.last_flow = GST_FLOW_OK;
    if (flow != GST_FLOW_NOT_LINKED) {
      gst_buffer_unref(buffer);
      return flow;
    }
  }
  const bool nothing_ahead = s.items.empty() && !s.pushing;
  if (s.factor <= 0 && nothing_ahead) return PushHere(self, buffer, lock);
  const int64_t now = NowUs();
  s.pacer.Enqueue(static_cast<uint32_t>(gst_buffer_get_size(buffer)), now);
  // A packet the pacer lets leave on arrival (most of them: an idle pacer
  // delays nothing, and a frame's first packets fit the credit and kEarlyUs)
  // leaves on this thread. Handing it to the task would cost a wake-up and two context
  // switches per packet, which cost more than the rest of the send path
  // (BENCHMARKS.md, "3. Cost per stream").
  if (nothing_ahead && s.pacer.NextSendUs(now) <= now + kEarlyUs) {
    s.pacer.Dequeue(now);
    return PushHere(self, buffer, lock);
  }
  s.items.push_back({GST_MINI_OBJECT_CAST(buffer), true});
  lock.unlock();
  s.wake.notify_one();
  return GST_FLOW_OK;
}

GstFlowReturn Chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  return Take(Self(parent), buffer);
}

GstFlowReturn ChainList(GstPad*, GstObject* parent, GstBufferList* list) {
  GstFlowReturn flow = GST_FLOW_OK;
  const guint n = gst_buffer_list_length(list);
  for (guint i = 0; i < n && flow == GST_FLOW_OK; ++i) {
    flow = Take(Self(parent), gst_buffer_ref(gst_buffer_list_get(list, i)));
  }
  gst_buffer_list_unref(list);
  return flow;
}

void Loop(gpointer data) {
  GwaPacer* self = Self(data);
  State& s = *self->state;
  std::unique_lock<std::mutex> lock(s.mutex);
  s.wake.wait(lock, [&s] { return s.flushing || !s.items.empty(); });
  if (s.flushing) {
    lock.unlock();
    gst_pad_pause_task(self->srcpad);
    return;
  }
  Item item = s.items.front();
  if (item.is_buffer) {
    const int64_t now = NowUs();
    const int64_t at = s.pacer.NextSendUs(now);
    if (at > now + kEarlyUs) {
      // Until it is due (then it and those due within kEarlyUs after it
      // leave). Woken early by a flush, a new target or more packets (the
      // drain rate may rise): the loop asks again.
      s.wake.wait_until(lock, std::chrono::steady_clock::time_point(std::chrono::microseconds(at)));
      return;
    }
    if (s.pacer.QueueDelayUs(now) > 0) ++s.packets_delayed;
    s.pacer.Dequeue(now);
  }
  s.items.pop_front();
  s.pushing = true;
  lock.unlock();

  GstFlowReturn flow = GST_FLOW_OK;
  if (!item.is_buffer) {
    GstEvent* event = GST_EVENT_CAST(item.object);
    if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) flow = GST_FLOW_EOS;
    gst_pad_push_event(self->srcpad, event);
  } else {
    flow = gst_pad_push(self->srcpad, GST_BUFFER_CAST(item.object));
  }
  lock.lock();
  s.pushing = false;
  if (flow != GST_FLOW_OK) s.last_flow = flow;
  lock.unlock();
  if (flow == GST_FLOW_FLUSHING || flow == GST_FLOW_EOS) gst_pad_pause_task(self->srcpad);
}

void SetFlushing(GwaPacer* self, bool flushing) {
  State& s = *self->state;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.flushing = flushing;
    s.last_flow = flushing ? GST_FLOW_FLUSHING : GST_FLOW_OK;
    s.Clear();
  }
  s.wake.notify_all();
}

gboolean SinkEvent(GstPad* pad, GstObject* parent, GstEvent* event) {
  GwaPacer* self = Self(parent);
  State& s = *self->state;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_FLUSH_START: {
      const gboolean ok = gst_pad_push_event(self->srcpad, event);
      SetFlushing(self, true);
      gst_pad_pause_task(self->srcpad);
      return ok;
    }
    case GST_EVENT_FLUSH_STOP: {
      const gboolean ok = gst_pad_push_event(self->srcpad, event);
      SetFlushing(self, false);
      gst_pad_start_task(self->srcpad, Loop, self, nullptr);
      return ok;
    }
    default:
      break;
  }
  if (!GST_EVENT_IS_SERIALIZED(event)) return gst_pad_event_default(pad, parent, event);
  std::unique_lock<std::mutex> lock(s.mutex);
  if (s.flushing) {
    gst_event_unref(event);
    return FALSE;
  }
  // Nothing ahead of it: it leaves from here (see Take).
  if (s.items.empty() && !s.pushing) {
    s.pushing = true;
    lock.unlock();
    const gboolean ok = gst_pad_push_event(self->srcpad, event);
    lock.lock();
    s.pushing = false;
    return ok;
  }
  s.items.push_back({GST_MINI_OBJECT_CAST(event), false});
  lock.unlock();
  s.wake.notify_one();
  return TRUE;
}

gboolean SrcActivateMode(GstPad* pad, GstObject* parent, GstPadMode mode, gboolean active) {
  GwaPacer* self = Self(parent);
  if (mode != GST_PAD_MODE_PUSH) return FALSE;
  if (active) {
    SetFlushing(self, false);
    return gst_pad_start_task(pad, Loop, self, nullptr);
  }
  SetFlushing(self, true);
  return gst_pad_stop_task(pad);
}

void SetProperty(GObject* object, guint id, const GValue* value, GParamSpec* spec) {
  State& s = *Self(object)->state;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    PacerConfig config = s.pacer.config();
    switch (id) {
      case PROP_FACTOR:
        s.factor = g_value_get_double(value);
        config.factor = s.factor > 0 ? s.factor : PacerConfig{}.factor;
        s.pacer.set_config(config);
        break;
      case PROP_TARGET_BITRATE:
        s.pacer.SetTargetRate(static_cast<int64_t>(g_value_get_uint64(value)));
        break;
      case PROP_MAX_QUEUE_TIME:
        config.max_queue_us = static_cast<int64_t>(g_value_get_uint(value)) * 1000;
        s.pacer.set_config(config);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, spec);
        return;
    }
  }
  s.wake.notify_all();  // a new rate: the task recomputes its wait
}

void GetProperty(GObject* object, guint id, GValue* value, GParamSpec* spec) {
  State& s = *Self(object)->state;
  std::lock_guard<std::mutex> lock(s.mutex);
  const int64_t now = NowUs();
  switch (id) {
    case PROP_FACTOR:
      g_value_set_double(value, s.factor);
      break;
    case PROP_TARGET_BITRATE:
      g_value_set_uint64(value, static_cast<guint64>(s.pacer.target_bps()));
      break;
    case PROP_MAX_QUEUE_TIME:
      g_value_set_uint(value, static_cast<guint>(s.pacer.config().max_queue_us / 1000));
      break;
    case PROP_QUEUE_DELAY:
      g_value_set_uint64(value, static_cast<guint64>(s.pacer.QueueDelayUs(now)));
      break;
    case PROP_PACING_RATE:
      g_value_set_uint64(value,
                         s.factor > 0 ? static_cast<guint64>(s.pacer.PacingRateBps(now)) : 0);
      break;
    case PROP_PACKETS_DELAYED:
      g_value_set_uint64(value, s.packets_delayed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, spec);
  }
}

void Finalize(GObject* object) {
  GwaPacer* self = Self(object);
  self->state->Clear();
  delete self->state;
  G_OBJECT_CLASS(gwa_pacer_parent_class)->finalize(object);
}

void gwa_pacer_class_init(GwaPacerClass* klass) {
  GObjectClass* object_class = G_OBJECT_CLASS(klass);
  object_class->set_property = SetProperty;
  object_class->get_property = GetProperty;
  object_class->finalize = Finalize;
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      object_class, PROP_FACTOR,
      g_param_spec_double("factor", "Factor", "Pacing rate / target; 0: pass-through", 0, 100,
                          PacerConfig{}.factor, rw));
  g_object_class_install_property(
      object_class, PROP_TARGET_BITRATE,
      g_param_spec_uint64("target-bitrate", "Target bitrate", "The encoder's target, bits/s", 0,
                          G_MAXUINT64, 0, rw));
  g_object_class_install_property(
      object_class, PROP_MAX_QUEUE_TIME,
      g_param_spec_uint("max-queue-time", "Max queue time", "Longest wait of a packet, ms", 1,
                        10000, static_cast<guint>(PacerConfig{}.max_queue_us / 1000), rw));
  g_object_class_install_property(
      object_class, PROP_QUEUE_DELAY,
      g_param_spec_uint64("queue-delay", "Queue delay", "Wait of the oldest queued packet, us", 0,
                          G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      object_class, PROP_PACING_RATE,
      g_param_spec_uint64("pacing-rate", "Pacing rate", "Rate packets leave at now, bits/s", 0,
                          G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      object_class, PROP_PACKETS_DELAYED,
      g_param_spec_uint64("packets-delayed", "Packets delayed",
                          "Packets that could not leave on arrival", 0, G_MAXUINT64, 0, ro));
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "RTP pacer", "Filter/Network/RTP",
                                        "Spreads bursts at a multiple of the target rate",
                                        "gstwebrtc-agent");
}

void gwa_pacer_init(GwaPacer* self) {
  self->state = new State();
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, Chain);
  gst_pad_set_chain_list_function(self->sinkpad, ChainList);
  gst_pad_set_event_function(self->sinkpad, SinkEvent);
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_set_activatemode_function(self->srcpad, SrcActivateMode);
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  GST_PAD_SET_PROXY_ALLOCATION(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}

}  // namespace

void RegisterPacerElement() {
  gst_element_register(nullptr, kPacerFactory, GST_RANK_NONE, gwa_pacer_get_type());
}

}  // namespace engine
