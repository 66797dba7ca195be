// The Ahoy link under concurrency, for ThreadSanitizer (tests/tsan): several
// links on one LinkPool (one asio thread), a real websocketpp director that
// registers every link and fires offers at it, answers coming back from
// other threads, threads polling Status() all along, connections dropped
// under the links' feet, and Close() called from several threads at once.
// Every loop is bounded and every wait is a condition variable with a timeout.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ahoy_test_peers.h"
#include "busy_director.h"
#include "signaling/ahoy_link.h"

namespace signaling {
namespace {

constexpr int kLinks = 4;

LinkConfig ConfigFor(const BusyDirector& director, const std::string& feed, StatusLog* log) {
  LinkConfig config;
  config.director_url = director.url();
  config.feed_name = feed;
  config.api_key = kKey;
  config.backoff_initial = 10ms;
  config.backoff_max = 40ms;
  config.on_status_change = log->Callback();
  return config;
}

TEST(AhoyLinkConcurrencyTest, LinksOnOnePoolAnswerOffersFromOtherThreadsWhileBeingPolled) {
  BusyDirector director;
  LinkPool pool;
  std::vector<std::string> feeds;
  std::vector<std::unique_ptr<FakeSignals>> signals;
  std::vector<std::unique_ptr<StatusLog>> logs;
  std::vector<std::unique_ptr<AhoyLink>> links;
  for (int i = 0; i < kLinks; ++i) {
    feeds.push_back("cam-" + std::to_string(i));
    signals.push_back(std::make_unique<FakeSignals>());
    logs.push_back(std::make_unique<StatusLog>());
  }
  // Opened from several threads at once, like concurrent gRPC Start calls.
  {
    std::mutex links_mu;
    std::vector<std::thread> openers;
    links.resize(kLinks);
    for (int i = 0; i < kLinks; ++i) {
      openers.emplace_back([&, i] {
        auto link = pool.Open(ConfigFor(director, feeds[i], logs[i].get()), signals[i].get());
        std::lock_guard<std::mutex> lock(links_mu);
        links[i] = std::move(link);
      });
    }
    for (std::thread& t : openers) t.join();
  }

  // Pollers read every link's status while the asio thread changes it.
  std::atomic<bool> stop_polling{false};
  std::atomic<int> polls{0};
  std::vector<std::thread> pollers;
  for (int p = 0; p < 2; ++p) {
    pollers.emplace_back([&] {
      while (!stop_polling.load()) {
        for (const auto& link : links) {
          LinkStatus status = link->Status();
          EXPECT_GE(status.connect_attempts, 0);
          ++polls;
        }
        std::this_thread::yield();
      }
    });
  }

  ASSERT_TRUE(director.WaitAnswers(feeds, kOffersPerRegistration));
  for (int i = 0; i < kLinks; ++i) {
    ASSERT_TRUE(logs[i]->Wait(LinkState::kRegistered).has_value()) << feeds[i];
  }
  // The director restarts: every link loses its connection, tells its feed,
  // reconnects, registers again and answers a second round of offers.
  director.DropAll();
  ASSERT_TRUE(director.WaitAnswers(feeds, 2 * kOffersPerRegistration));
  for (int i = 0; i < kLinks; ++i) {
    EXPECT_TRUE(signals[i]->WaitLinksLost(1)) << feeds[i];
    EXPECT_GE(director.registrations(feeds[i]), 2) << feeds[i];
    EXPECT_GE(signals[i]->offers(), 2 * kOffersPerRegistration) << feeds[i];
  }

  // Every link is closed by two threads at once (Close is idempotent).
  std::vector<std::thread> closers;
  for (int i = 0; i < 2 * kLinks; ++i) {
    closers.emplace_back([&, i] { links[i % kLinks]->Close(); });
  }
  for (std::thread& t : closers) t.join();
  stop_polling = true;
  for (std::thread& t : pollers) t.join();
  EXPECT_GT(polls.load(), 0);
  for (const auto& link : links) EXPECT_EQ(link->Status().state, LinkState::kClosed);
  EXPECT_EQ(director.bad_frames(), 0);
}

// Links opened and closed at once, while their first connection attempt is
// still on its way, from several threads: no call into a feed after Close()
// returned, and the pool shuts down cleanly.
TEST(AhoyLinkConcurrencyTest, OpenAndImmediateCloseFromSeveralThreads) {
  BusyDirector director;
  LinkPool pool;
  constexpr int kThreads = 3;
  constexpr int kRounds = 30;
  std::atomic<int> closed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        FakeSignals signals;
        StatusLog log;
        const std::string feed = "churn-" + std::to_string(t) + "-" + std::to_string(round);
        auto link = pool.Open(ConfigFor(director, feed, &log), &signals);
        // Alternate: close before and after the link had time to register.
        if (round % 2 == 1) log.Wait(LinkState::kRegistered);
        std::thread other([&] { link->Close(); });
        link->Close();
        other.join();
        const int offers = signals.offers();
        EXPECT_EQ(link->Status().state, LinkState::kClosed);
        link.reset();
        // Nothing reached the feed after the close (the FakeSignals dies here).
        EXPECT_EQ(signals.offers(), offers);
        ++closed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(closed.load(), kThreads * kRounds);
  EXPECT_EQ(director.bad_frames(), 0);
}

}  // namespace
}  // namespace signaling
