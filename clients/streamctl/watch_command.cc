// `streamctl watch`: reads the WatchStats stream and renders it as a live
// table, plain lines or JSON.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "commands.h"
#include "connection.h"
#include "flags.h"
#include "printing.h"
#include "watch_table.h"

namespace streamctl {

namespace pb = streamcontrol::v1;

namespace {

enum class WatchDisplay { kTable, kLines, kJson };

// Which rendering `watch` uses; a usage error for an unknown --display.
bool ChooseWatchDisplay(const CommandContext& ctx, WatchDisplay* display, std::string* error) {
  const std::string asked = absl::GetFlag(FLAGS_display);
  if (asked != "auto" && asked != "table" && asked != "lines") {
    *error = "--display must be auto, table or lines";
    return false;
  }
  if (ctx.json) {
    if (asked == "table") {
      *error = "--display table and --json exclude each other";
      return false;
    }
    *display = WatchDisplay::kJson;
    return true;
  }
  // TERM=dumb terminals (editors' shells) cannot move the cursor.
  const char* term = std::getenv("TERM");
  const bool capable_terminal =
      isatty(STDOUT_FILENO) == 1 && term != nullptr && std::string(term) != "dumb";
  *display = asked == "table" || (asked == "auto" && capable_terminal) ? WatchDisplay::kTable
                                                                       : WatchDisplay::kLines;
  return true;
}

// Terminal width, or a wide default when stdout is no terminal (--display
// table into a file).
std::size_t TerminalColumns() {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 200;
}

}  // namespace

int RunWatch(const CommandContext& ctx) {
  WatchDisplay display;
  std::string error;
  if (!ChooseWatchDisplay(ctx, &display, &error)) return UsageError(error, ctx.usage);
  pb::WatchStatsRequest request;
  if (!ctx.args.empty()) request.set_stream_id(ctx.args[0]);
  request.set_interval_ms(absl::GetFlag(FLAGS_interval_ms));
  const uint32_t count = absl::GetFlag(FLAGS_count);

  // No deadline: the stream runs until the server ends it, --count is
  // reached, or the user interrupts.
  grpc::ClientContext client;
  Authorize(ctx.bearer_token, &client);
  std::unique_ptr<grpc::ClientReaderInterface<pb::StreamStats>> reader =
      ctx.stub->WatchStats(&client, request);
  WatchTable table;
  InPlaceRedraw redraw;
  pb::StreamStats stats;
  uint32_t received = 0;
  while (reader->Read(&stats)) {
    switch (display) {
      case WatchDisplay::kJson:
        if (int code = PrintJsonLine(stats); code != kExitOk) return code;
        break;
      case WatchDisplay::kLines:
        PrintText(FormatStats(stats) + "\n");
        break;
      case WatchDisplay::kTable:
        table.Update(stats);
        PrintText(redraw.Frame(table.Lines(), TerminalColumns()));
        break;
    }
    if (count != 0 && ++received >= count) {
      client.TryCancel();
      while (reader->Read(&stats)) {
      }
      reader->Finish();  // CANCELLED, by us
      return kExitOk;
    }
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) return PrintRpcError(status);
  return kExitOk;
}

}  // namespace streamctl
