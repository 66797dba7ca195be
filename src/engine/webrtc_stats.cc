#include "engine/webrtc_stats.h"

#include <string_view>

namespace engine {
namespace {

// webrtcbin's field types vary between counters (guint, guint64, gint64):
// read whatever integer or double is there.
std::optional<double> NumberField(const GstStructure* s, const char* field) {
  const GValue* v = gst_structure_get_value(s, field);
  if (!v) return std::nullopt;
  switch (G_VALUE_TYPE(v)) {
    case G_TYPE_DOUBLE:
      return g_value_get_double(v);
    case G_TYPE_FLOAT:
      return g_value_get_float(v);
    case G_TYPE_INT:
      return g_value_get_int(v);
    case G_TYPE_UINT:
      return g_value_get_uint(v);
    case G_TYPE_INT64:
      return static_cast<double>(g_value_get_int64(v));
    case G_TYPE_UINT64:
      return static_cast<double>(g_value_get_uint64(v));
    default:
      return std::nullopt;
  }
}

template <typename T>
T IntField(const GstStructure* s, const char* field) {
  return static_cast<T>(NumberField(s, field).value_or(0));
}

struct Collector {
  RtpSenderStats out;
  bool have_outbound = false;
};

gboolean Visit(GQuark /*field*/, const GValue* value, gpointer data) {
  auto* c = static_cast<Collector*>(data);
  if (G_VALUE_TYPE(value) != GST_TYPE_STRUCTURE) return TRUE;
  const GstStructure* s = gst_value_get_structure(value);
  std::string_view type = gst_structure_get_name(s);
  if (type == "outbound-rtp" && !c->have_outbound) {
    c->have_outbound = true;
    c->out.bytes_sent = IntField<uint64_t>(s, "bytes-sent");
    c->out.packets_sent = IntField<uint64_t>(s, "packets-sent");
    c->out.nack_count = IntField<uint32_t>(s, "nack-count");
    c->out.pli_count = IntField<uint32_t>(s, "pli-count");
    c->out.fir_count = IntField<uint32_t>(s, "fir-count");
  } else if (type == "remote-inbound-rtp") {
    // Seconds in webrtcbin, milliseconds in our API.
    if (auto rtt = NumberField(s, "round-trip-time")) c->out.round_trip_time_ms = *rtt * 1000.0;
    if (auto jitter = NumberField(s, "jitter")) c->out.jitter_ms = *jitter * 1000.0;
    if (auto lost = NumberField(s, "packets-lost")) {
      c->out.packets_lost = static_cast<int64_t>(*lost);
    }
    if (auto fraction = NumberField(s, "fraction-lost")) c->out.fraction_lost = *fraction;
  }
  return TRUE;
}

}  // namespace

RtpSenderStats ReadSenderStats(const GstStructure* stats) {
  Collector c;
  if (stats) gst_structure_foreach(stats, Visit, &c);
  return c.out;
}

}  // namespace engine
