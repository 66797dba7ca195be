#include "engine/webrtc_stats.h"

#include <map>
#include <string>
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

std::string StringField(const GstStructure* s, const char* field) {
  const gchar* value = gst_structure_get_string(s, field);
  return value ? value : "";
}

struct Collector {
  RtpSenderStats out;
  bool have_outbound = false;
  std::map<std::string, const GstStructure*> by_id;  // every entry, by its "id"
  std::string selected_pair_id;                      // from the transport entry
};

gboolean Visit(GQuark /*field*/, const GValue* value, gpointer data) {
  auto* c = static_cast<Collector*>(data);
  if (G_VALUE_TYPE(value) != GST_TYPE_STRUCTURE) return TRUE;
  const GstStructure* s = gst_value_get_structure(value);
  std::string_view type = gst_structure_get_name(s);
  if (std::string id = StringField(s, "id"); !id.empty()) c->by_id[id] = s;
  if (type == "transport" && c->selected_pair_id.empty()) {
    c->selected_pair_id = StringField(s, "selected-candidate-pair-id");
  }
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

// The candidates are found by the ids the pair names, not by entry type:
// webrtcbin 1.22 files its local candidate under the type name
// "remote-candidate" and the remote one under "local-candidate".
std::optional<CandidatePairStats> SelectedPair(const Collector& c) {
  auto find = [&](const std::string& id) -> const GstStructure* {
    auto it = c.by_id.find(id);
    return it == c.by_id.end() ? nullptr : it->second;
  };
  const GstStructure* pair = find(c.selected_pair_id);
  if (!pair) return std::nullopt;
  const GstStructure* local = find(StringField(pair, "local-candidate-id"));
  const GstStructure* remote = find(StringField(pair, "remote-candidate-id"));
  if (!local || !remote) return std::nullopt;
  CandidatePairStats out;
  out.local_address = StringField(local, "address");
  out.local_port = IntField<uint32_t>(local, "port");
  out.local_type = StringField(local, "candidate-type");
  out.remote_address = StringField(remote, "address");
  out.remote_port = IntField<uint32_t>(remote, "port");
  out.remote_type = StringField(remote, "candidate-type");
  out.protocol = StringField(local, "protocol");
  if (out.local_type == "relay") {
    out.local_relay_server = StringField(local, "url");
    // webrtcbin derives it from its single `turn-server` property, which the
    // agent never sets (engine/ice_options.h): "none" means "ask the session".
    std::string relay = StringField(local, "relay-protocol");
    if (relay == "udp" || relay == "tcp" || relay == "tls") out.local_relay_protocol = relay;
  }
  return out;
}

}  // namespace

RtpSenderStats ReadSenderStats(const GstStructure* stats) {
  Collector c;
  if (stats) gst_structure_foreach(stats, Visit, &c);
  c.out.selected_pair = SelectedPair(c);
  return c.out;
}

}  // namespace engine
