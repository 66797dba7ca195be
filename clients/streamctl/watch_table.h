// `streamctl watch` on a terminal: the latest sample of every stream as one
// table row, redrawn in place as samples arrive. Piped output keeps the plain
// one-line-per-sample format (printing.h), which scripts and logs want.
#ifndef GWA_CLIENTS_STREAMCTL_WATCH_TABLE_H_
#define GWA_CLIENTS_STREAMCTL_WATCH_TABLE_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "streamcontrol/v1/streamcontrol.pb.h"

namespace streamctl {

class WatchTable {
 public:
  // Keeps `stats` as the row of its stream (rows sorted by stream id).
  void Update(const streamcontrol::v1::StreamStats& stats);

  // A title line, the column header and one row per stream, columns padded
  // to the widest cell. Lines carry no newline.
  std::vector<std::string> Lines() const;

 private:
  std::map<std::string, streamcontrol::v1::StreamStats> latest_;
  int64_t last_update_unix_ms_ = 0;
  uint64_t samples_ = 0;
};

// Turns successive tables into terminal output that overwrites the previous
// table instead of scrolling: cursor up over the lines drawn last time, each
// line cleared to its end, anything left below cleared. Lines longer than
// `columns` are cut, because a wrapped line would break the cursor arithmetic.
class InPlaceRedraw {
 public:
  std::string Frame(const std::vector<std::string>& lines, std::size_t columns);

 private:
  std::size_t lines_drawn_ = 0;
};

}  // namespace streamctl

#endif  // GWA_CLIENTS_STREAMCTL_WATCH_TABLE_H_
