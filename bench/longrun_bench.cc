#include "longrun_bench.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "free_port.h"
#include "metrics/process_collector.h"
#include "stats_subscriber.h"
#include "viewer.h"

namespace bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;

constexpr char kFeed[] = "longrun";
constexpr auto kWarmUp = 1min;
constexpr auto kFrameStall = 1s;       // a gap between decoded frames longer than this
constexpr auto kSampleStall = 3s;      // a subscriber without a sample for longer than this
constexpr auto kEndDeadline = 10s;     // a cancelled WatchStats call must have ended by then
constexpr int kChannels = 20;          // subscribers spread over this many connections
constexpr unsigned kDefaultSeed = 15;  // issue 15

double ToMs(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Gaps between the viewer's decoded frames, fed from the receiver's
// streaming thread. A gap still open when a window is read counts too, so a
// viewer that stopped receiving shows up at once, and it is counted as a
// stall only once however many windows it spans.
class FrameGaps {
 public:
  void OnFrame() {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = Clock::now();
    if (seen_) {
      const auto gap = now - last_;
      longest_ = std::max(longest_, gap);
      if (gap > kFrameStall && !open_counted_) ++stalls_;
    }
    seen_ = true;
    open_counted_ = false;
    last_ = now;
  }
  // Longest gap since the previous call, including the one still open.
  Clock::duration TakeWindow(Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mu_);
    auto longest = longest_;
    if (seen_) {
      const auto open = now - last_;
      longest = std::max(longest, open);
      if (open > kFrameStall && !open_counted_) {
        ++stalls_;
        open_counted_ = true;
      }
    }
    longest_ = {};
    return longest;
  }
  int stalls() {
    std::lock_guard<std::mutex> lock(mu_);
    return stalls_;
  }

 private:
  std::mutex mu_;
  bool seen_ = false;
  bool open_counted_ = false;
  Clock::time_point last_;
  Clock::duration longest_{};
  int stalls_ = 0;
};

// Wakes the schedule loop when a subscriber's call ends, so it neither
// polls nor misses one.
class Wakeup {
 public:
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = true;
    cv_.notify_all();
  }
  void WaitUntil(Clock::time_point when) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, when, [&] { return pending_; });
    pending_ = false;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;
};

struct Row {
  int minute = 0;
  double rss_mib = 0;
  int fds = 0;
  int threads = 0;
  double elements = -1;
};

// "1280x720" -> {1280, 720}; false on anything else.
bool ParseSize(const std::string& text, int* w, int* h) {
  char x = 0, extra = 0;
  return std::sscanf(text.c_str(), "%d%c%d%c", w, &x, h, &extra) == 3 && x == 'x' && *w > 0 &&
         *h > 0;
}

// "5..60" -> {5, 60}; false on anything else.
bool ParseRange(const std::string& text, int* lo, int* hi) {
  char extra = 0;
  return std::sscanf(text.c_str(), "%d..%d%c", lo, hi, &extra) == 2 && *lo >= 1 && *hi >= *lo;
}

struct Flags {
  int minutes = 120, subscribers = 100, framerate = 30, bitrate = 2500, every = 10;
  int width = 0, height = 0, churn_lo = 0, churn_hi = 0;
  unsigned seed = kDefaultSeed;
};

// False on a missing or out-of-range value; Args::GetInt throws on a
// non-number, caught here so bad input is an error message, not an abort.
bool ParseFlags(const Args& args, Flags* f) {
  try {
    f->minutes = args.GetInt("minutes", f->minutes);
    f->subscribers = args.GetInt("subscribers", f->subscribers);
    f->framerate = args.GetInt("framerate", f->framerate);
    f->bitrate = args.GetInt("bitrate", f->bitrate);
    f->every = args.GetInt("report-every-minutes", f->every);
    f->seed = static_cast<unsigned>(args.GetInt("seed", static_cast<int>(f->seed)));
  } catch (const std::exception&) {
    return false;
  }
  return f->minutes >= 2 && f->subscribers >= 1 && f->framerate >= 1 && f->bitrate >= 1 &&
         f->every >= 1 && ParseSize(args.Get("size", "1280x720"), &f->width, &f->height) &&
         ParseRange(args.Get("churn-seconds", "5..60"), &f->churn_lo, &f->churn_hi);
}

// The minutes at which a row is printed: after the warm-up minute, then
// every `every` minutes, and at the end.
std::vector<int> ReportMinutes(int minutes, int every) {
  std::vector<int> at{1};
  for (int m = every; m <= minutes; m += every) {
    if (m > at.back()) at.push_back(m);
  }
  if (at.back() != minutes) at.push_back(minutes);
  return at;
}

}  // namespace

int RunLongrun(const Args& args, const std::string& bin_dir) {
  Flags flags;
  if (!ParseFlags(args, &flags)) {
    std::cerr << "gwa_bench longrun: --minutes >= 2, --subscribers, --framerate, --bitrate and "
                 "--report-every-minutes >= 1 (integers), --size WxH, --churn-seconds LO..HI "
                 "(1 <= LO <= HI), --seed N\n";
    return 2;
  }
  const int minutes = flags.minutes, n = flags.subscribers, framerate = flags.framerate,
            bitrate = flags.bitrate, every = flags.every, width = flags.width,
            height = flags.height, churn_lo = flags.churn_lo, churn_hi = flags.churn_hi;
  const unsigned seed = flags.seed;
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  const std::string churn = std::to_string(churn_lo) + ".." + std::to_string(churn_hi);

  // Told to the agent up front: it does not print the metrics port at the
  // bench's log level. The watcher cap leaves room for calls still ending.
  const int metrics_port = testing_support::FreeLoopbackPort();
  AgentUnderTest agent;
  if (auto e =
          agent.Start(bin_dir, {"--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port),
                                "--max-watchers", std::to_string(std::max(256, 2 * n + 8))});
      !e.empty()) {
    std::cerr << "gwa_bench longrun: " << e << std::endl;
    return 1;
  }
  pb::Stream stream;
  if (auto s = agent.StartStream(kFeed, "test://smpte", static_cast<uint32_t>(width),
                                 static_cast<uint32_t>(height), static_cast<uint32_t>(framerate),
                                 static_cast<uint32_t>(bitrate), &stream);
      !s.ok()) {
    std::cerr << "gwa_bench longrun: Start: " << s.error_message() << std::endl;
    return 1;
  }
  if (!agent.WaitRegistered(kFeed, 15s)) {
    std::cerr << "gwa_bench longrun: the feed never registered" << std::endl;
    return 1;
  }
  FrameGaps frame_gaps;
  Viewer viewer;
  if (auto e = viewer.Play(agent.director_port(), kFeed,
                           [&](GstPad*, GstBuffer*) { frame_gaps.OnFrame(); });
      !e.empty()) {
    std::cerr << "gwa_bench longrun: viewer: " << e << std::endl;
    return 1;
  }

  PrintMachine("Long-running stream: " + std::to_string(minutes) +
               " min of one stream test://smpte " + size + "@" + std::to_string(framerate) +
               " x264 " + std::to_string(bitrate) +
               " kbps watched by one viewer (director /viewer + webrtcbin in gwa_bench) through a "
               "real local-director, with " +
               std::to_string(n) + " WatchStats subscribers (1 s interval) each living " + churn +
               " s and replaced at once (std::mt19937 seed " + std::to_string(seed) +
               "); figures of the agent process");

  std::vector<std::unique_ptr<pb::StreamControl::Stub>> stubs;
  for (int i = 0; i < kChannels; ++i) {
    stubs.push_back(pb::StreamControl::NewStub(agent.NewChannel(i + 1)));
  }
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> lifetime_ms(churn_lo * 1000, churn_hi * 1000);
  // Shared with every subscriber's end callback: one that never ended (and
  // was let go, see below) may still call it after this function returns.
  auto wakeup = std::make_shared<Wakeup>();
  struct Live {
    std::unique_ptr<StatsSubscriber> sub;
    Clock::time_point until;
  };
  struct Ending {
    std::unique_ptr<StatsSubscriber> sub;
    Clock::time_point deadline;
  };
  std::vector<Live> live(static_cast<size_t>(n));
  std::vector<Ending> ending;
  uint64_t opened = 0, samples_of_ended = 0;
  int errors = 0, sample_stalls = 0, stuck = 0;
  Clock::duration window_sample_gap{};

  auto open = [&](Live* slot, Clock::time_point now) {
    slot->sub = std::make_unique<StatsSubscriber>(stubs[opened % kChannels].get(), 1000,
                                                  [wakeup] { wakeup->Notify(); });
    slot->until = now + Ms(lifetime_ms(rng));
    ++opened;
  };
  // A call that has ended: by our cancel (CANCELLED expected) or by itself
  // (always an error: nothing should end a subscription but its owner).
  auto finish = [&](std::unique_ptr<StatsSubscriber> sub, bool cancelled, Clock::time_point now) {
    const auto code = sub->code();
    if (!cancelled || code != grpc::StatusCode::CANCELLED) {
      ++errors;
      std::cerr << "longrun: a subscription ended with status " << code
                << (cancelled ? "" : " before it was cancelled") << std::endl;
    }
    const auto gap = sub->LongestGap(now);
    if (gap > kSampleStall) {
      ++sample_stalls;
      std::cerr << "longrun: a subscription went " << gap.count() << " ms without a sample"
                << std::endl;
    }
    window_sample_gap = std::max<Clock::duration>(window_sample_gap, sub->TakeWindowGap(now));
    samples_of_ended += sub->received();
  };
  auto samples_so_far = [&] {
    uint64_t total = samples_of_ended;
    for (const auto& l : live) total += l.sub->received();
    for (const auto& e : ending) total += e.sub->received();
    return total;
  };

  const auto start = Clock::now();
  for (auto& slot : live) open(&slot, start);
  const auto end = start + std::chrono::minutes(minutes);
  const std::vector<int> report_at = ReportMinutes(minutes, every);
  size_t next_report = 0;
  std::vector<Row> rows;
  Table table({"minute", "RSS MiB", "fds", "threads", "live elements", "agent CPU %", "viewer fps",
               "longest frame gap ms", "subscriptions opened", "samples/s per subscriber",
               "longest sample gap ms", "stalls (frame/sample)", "errors", "machine %"});
  auto window_start = start;
  uint64_t frames0 = viewer.receiver->frames(), samples0 = 0;
  auto cpu = std::make_unique<CpuWindow>(std::vector<pid_t>{agent.agent_pid()});

  while (true) {
    auto now = Clock::now();
    for (auto& slot : live) {
      if (slot.sub->done()) {  // ended by the agent: count it, replace it
        finish(std::move(slot.sub), false, now);
        open(&slot, now);
      } else if (now >= slot.until) {
        slot.sub->Cancel();
        ending.push_back({std::move(slot.sub), now + kEndDeadline});
        open(&slot, now);
      }
    }
    for (auto it = ending.begin(); it != ending.end();) {
      if (it->sub->done()) {
        finish(std::move(it->sub), true, now);
        it = ending.erase(it);
      } else if (now >= it->deadline) {
        // Never destroyed: gRPC still owns a reactor whose call has not
        // ended. Counted as an error; the run goes on.
        ++errors;
        ++stuck;
        std::cerr << "longrun: a cancelled subscription had not ended after 10 s" << std::endl;
        samples_of_ended += it->sub->received();
        (void)it->sub.release();
        it = ending.erase(it);
      } else {
        ++it;
      }
    }
    if (next_report < report_at.size() &&
        now >= start + std::chrono::minutes(report_at[next_report])) {
      cpu->End();
      const double seconds = std::chrono::duration<double>(now - window_start).count();
      const uint64_t frames = viewer.receiver->frames();
      const uint64_t samples = samples_so_far();
      for (auto& slot : live) {
        window_sample_gap =
            std::max<Clock::duration>(window_sample_gap, slot.sub->TakeWindowGap(now));
      }
      const double frame_gap_ms = ToMs(frame_gaps.TakeWindow(now));
      Row r;
      r.minute = report_at[next_report];
      r.rss_mib = ProcessRssKb(agent.agent_pid()) / 1024.0;
      r.fds = metrics::CountOpenFds(agent.agent_pid());
      r.threads = CountThreads(agent.agent_pid());
      r.elements = Metric(metrics_port, "gwa_gstreamer_live_elements").value_or(-1);
      rows.push_back(r);
      const double fps = static_cast<double>(frames - frames0) / seconds;
      const double per_sub = static_cast<double>(samples - samples0) / n / seconds;
      table.Add({std::to_string(r.minute), Fixed(r.rss_mib, 1), std::to_string(r.fds),
                 std::to_string(r.threads), Fixed(r.elements, 0), Fixed(cpu->ProcessPercent(0), 1),
                 Fixed(fps, 1), Fixed(frame_gap_ms, 0), std::to_string(opened), Fixed(per_sub, 2),
                 Fixed(ToMs(window_sample_gap), 0),
                 std::to_string(frame_gaps.stalls()) + "/" + std::to_string(sample_stalls),
                 std::to_string(errors), Fixed(cpu->MachinePercent(), 0)});
      std::cerr << "longrun: minute " << r.minute << ": RSS " << Fixed(r.rss_mib, 1) << " MiB, "
                << r.fds << " fds, " << r.threads << " threads, " << r.elements
                << " elements, viewer " << Fixed(fps, 1) << " fps (longest gap "
                << Fixed(frame_gap_ms, 0) << " ms), " << opened << " subscriptions, "
                << Fixed(per_sub, 2) << " samples/s each, " << errors << " errors" << std::endl;
      window_start = now;
      frames0 = frames;
      samples0 = samples;
      window_sample_gap = {};
      cpu = std::make_unique<CpuWindow>(std::vector<pid_t>{agent.agent_pid()});
      ++next_report;
    }
    if (now >= end && next_report >= report_at.size()) break;
    // The next thing due: a lifetime, a call's end deadline, a report.
    auto wake =
        next_report < report_at.size() ? start + std::chrono::minutes(report_at[next_report]) : end;
    for (const auto& slot : live) wake = std::min(wake, slot.until);
    for (const auto& e : ending) wake = std::min(wake, e.deadline);
    wakeup->WaitUntil(wake);
  }

  // Wind down: every subscription cancelled and ended, within a deadline.
  const auto now = Clock::now();
  for (auto& slot : live) {
    slot.sub->Cancel();
    ending.push_back({std::move(slot.sub), now + kEndDeadline});
  }
  live.clear();
  for (auto& e : ending) {
    if (e.sub->WaitDone(std::chrono::duration_cast<Ms>(
            std::max<Clock::duration>(e.deadline - Clock::now(), Clock::duration{})))) {
      finish(std::move(e.sub), true, now);
    } else {
      ++errors;
      ++stuck;
      (void)e.sub.release();  // gRPC still owns it: see above
    }
  }
  ending.clear();
  const int frame_stalls = frame_gaps.stalls();
  viewer.Stop();
  table.Print();

  const bool stalls_ok = frame_stalls == 0 && sample_stalls == 0;
  const bool errors_ok = errors == 0;
  std::cout << "\nVerdict after " << minutes << " min, " << opened << " subscriptions opened:\n";
  std::vector<ResourceReport> reports;
  for (const Row& r : rows) reports.push_back({r.minute, r.rss_mib, r.fds, r.threads});
  const bool resources_ok = ResourcesHeld(reports, "minute");
  std::cout << "  stalls: " << frame_stalls << " frame gaps > 1 s, " << sample_stalls
            << " subscriptions > 3 s without a sample: " << (stalls_ok ? "none" : "STALLED") << "\n"
            << "  subscriptions ended other than CANCELLED (or not within 10 s): " << errors
            << (stuck ? " (" + std::to_string(stuck) + " never ended)" : "") << ": "
            << (errors_ok ? "none" : "ERRORS") << "\n";
  return resources_ok && stalls_ok && errors_ok ? 0 : 1;
}

}  // namespace bench
