#include "watch_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "format_fields.h"

namespace streamctl {
namespace {

namespace pb = streamcontrol::v1;

using Row = std::vector<std::string>;

const Row& Header() {
  static const Row kHeader = {"STREAM",  "STATE",   "SIZE@FPS", "TARGET", "SENT kbps",
                              "ENC fps", "RTT ms",  "LOSS %",   "LOST",   "ICE",
                              "LINK",    "DROPPED", "EST kbps", "ADAPT",  "VIEWER PICTURE"};
  return kHeader;
}

// "delay->640" : why the target last changed and where it is now; "fixed"
// when adaptation is off.
std::string AdaptCell(const pb::Congestion& c) {
  if (!c.adaptive()) return "fixed";
  return absl::StrCat(c.last_reason(), "->", c.target_kbps());
}

// "960x540@20 bandwidth": the first viewer's picture in force and, when the
// degradation ladder stepped it down, why; "-" without a viewer.
std::string PictureCell(const pb::StreamStats& s) {
  if (s.viewers_size() == 0 || !s.viewers(0).has_quality()) return "-";
  const pb::ViewerStats& v = s.viewers(0);
  const std::string reason = v.has_congestion() ? v.congestion().quality_reason() : "";
  return reason.empty() ? FrameShape(v.quality())
                        : absl::StrCat(FrameShape(v.quality()), " ", reason);
}

Row Cells(const pb::StreamStats& s) {
  const pb::Quality& q = s.quality();
  return {
      s.stream_id(), StateName(s.state()), FrameShape(q),
      q.has_bitrate_kbps() ? absl::StrCat(q.bitrate_kbps()) : "?", Fixed(s.send_bitrate_kbps(), 1),
      Fixed(s.encode_fps(), 1), s.has_round_trip_time_ms() ? Fixed(s.round_trip_time_ms(), 1) : "-",
      s.has_fraction_lost() ? Fixed(s.fraction_lost() * 100.0, 2) : "-",
      s.has_packets_lost() ? absl::StrCat(s.packets_lost()) : "-",
      s.ice_connection_state().empty() ? "-" : s.ice_connection_state(), LinkName(s.link_state()),
      absl::StrCat(s.dropped_samples()),
      // Congestion control of the longest-watching viewer (the first).
      s.viewers_size() > 0 && s.viewers(0).has_congestion()
          ? absl::StrCat(s.viewers(0).congestion().estimate_kbps())
          : "-",
      s.viewers_size() > 0 && s.viewers(0).has_congestion() ? AdaptCell(s.viewers(0).congestion())
                                                            : "-",
      PictureCell(s)};
}

// Text columns left-aligned, numbers right-aligned, two spaces between.
std::string JoinPadded(const Row& row, const std::vector<std::size_t>& widths) {
  static constexpr bool kRightAligned[] = {false, false, false, true, true, true,  true, true,
                                           true,  false, false, true, true, false, false};
  std::string line;
  for (std::size_t i = 0; i < row.size(); ++i) {
    const std::string padding(widths[i] - row[i].size(), ' ');
    if (i != 0) line += "  ";
    line += kRightAligned[i] ? padding + row[i] : row[i] + padding;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

}  // namespace

void WatchTable::Update(const pb::StreamStats& stats) {
  latest_[stats.stream_id()] = stats;
  last_update_unix_ms_ = std::max(last_update_unix_ms_, stats.timestamp_unix_ms());
  ++samples_;
}

std::vector<std::string> WatchTable::Lines() const {
  std::vector<Row> rows = {Header()};
  for (const auto& [id, stats] : latest_) rows.push_back(Cells(stats));
  std::vector<std::size_t> widths(Header().size(), 0);
  for (const Row& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::vector<std::string> lines;
  lines.push_back(absl::StrCat("streamctl watch  ", latest_.size(),
                               latest_.size() == 1 ? " stream" : " streams", "  updated ",
                               last_update_unix_ms_ == 0 ? "-" : TimeOfDay(last_update_unix_ms_),
                               "  samples ", samples_, "  (Ctrl-C to quit)"));
  for (const Row& row : rows) lines.push_back(JoinPadded(row, widths));
  return lines;
}

std::string InPlaceRedraw::Frame(const std::vector<std::string>& lines, std::size_t columns) {
  std::string out;
  // CSI n F: cursor to the start of the line n lines up.
  if (lines_drawn_ > 0) absl::StrAppend(&out, "\x1b[", lines_drawn_, "F");
  for (const std::string& line : lines) {
    // CSI K: erase to the end of the line, for rows that became shorter.
    absl::StrAppend(&out,
                    columns > 1 && line.size() >= columns ? line.substr(0, columns - 1) : line,
                    "\x1b[K\n");
  }
  // CSI J: erase below, in case something else (a gRPC warning) wrote there.
  out += "\x1b[J";
  lines_drawn_ = lines.size();
  return out;
}

}  // namespace streamctl
