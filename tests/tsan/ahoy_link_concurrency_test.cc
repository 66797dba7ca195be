// The Ahoy link under concurrency, for ThreadSanitizer (tests/tsan): several
// links on one LinkPool (one asio thread), a real websocketpp director that
// registers every link and fires offers at it, answers coming back from
// other threads, threads polling Status() all along, connections dropped
// under the links' feet, and Close() called from several threads at once.
// Every loop is bounded and every wait is a condition variable with a timeout.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ahoy_test_peers.h"
#include "signaling/ahoy_link.h"

namespace signaling {
namespace {

constexpr int kLinks = 4;
constexpr int kOffersPerRegistration = 20;

// A director that needs no script: it accepts every registration and then
// sends `kOffersPerRegistration` sdpRequests on that connection, and counts
// the successful sdpResponses per feed.
class BusyDirector {
 public:
  using Server = websocketpp::server<websocketpp::config::asio>;

  BusyDirector() {
    server_.clear_access_channels(websocketpp::log::alevel::all);
    server_.clear_error_channels(websocketpp::log::elevel::all);
    server_.init_asio();
    server_.set_reuse_addr(true);
    server_.set_open_handler([this](websocketpp::connection_hdl hdl) { open_.insert(hdl); });
    server_.set_close_handler([this](websocketpp::connection_hdl hdl) { open_.erase(hdl); });
    server_.set_fail_handler([this](websocketpp::connection_hdl hdl) { open_.erase(hdl); });
    server_.set_message_handler([this](websocketpp::connection_hdl hdl, Server::message_ptr m) {
      OnFrame(hdl, json::parse(m->get_payload()));
    });
    server_.listen(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    server_.start_accept();
    std::error_code ec;
    port_ = server_.get_local_endpoint(ec).port();
    thread_ = std::thread([this] { server_.run(); });
  }

  ~BusyDirector() {
    asio::post(server_.get_io_service(), [this] {
      websocketpp::lib::error_code ec;
      server_.stop_listening(ec);
      server_.stop();
    });
    thread_.join();
  }

  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/feeds/"; }

  // Closes every open connection (the links see the director go away).
  void DropAll() {
    asio::post(server_.get_io_service(), [this] {
      for (const auto& hdl : std::set<websocketpp::connection_hdl, Owner>(open_)) {
        websocketpp::lib::error_code ec;
        server_.close(hdl, websocketpp::close::status::going_away, "restart", ec);
      }
    });
  }

  // Waits until every feed in `feeds` has had `n` offers answered.
  bool WaitAnswers(const std::vector<std::string>& feeds, int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 4 * kWait, [&] {
      for (const std::string& feed : feeds) {
        if (answers_[feed] < n) return false;
      }
      return true;
    });
  }
  int registrations(const std::string& feed) {
    std::lock_guard<std::mutex> lock(mu_);
    return registrations_[feed];
  }
  int bad_frames() {
    std::lock_guard<std::mutex> lock(mu_);
    return bad_frames_;
  }

 private:
  using Owner = std::owner_less<websocketpp::connection_hdl>;

  // Server thread.
  void OnFrame(websocketpp::connection_hdl hdl, const json& frame) {
    if (frame.contains("register")) {
      const std::string feed = frame["register"]["name"];
      names_[hdl] = feed;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++registrations_[feed];
      }
      Send(hdl, json{{"registerResponse", {{"success", true}, {"feedUuid", feed}}}});
      for (int i = 0; i < kOffersPerRegistration; ++i) {
        Send(hdl, json{{"sdpRequest",
                        {{"uuid", "o-" + std::to_string(i)}, {"feedUuid", feed}, {"sdp", "o"}}}});
      }
      return;
    }
    const json* body = nullptr;
    if (frame.contains("message")) {
      const json& payload = frame["message"]["payload"];
      if (payload.contains("sdpResponse")) body = &payload["sdpResponse"];
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (body && (*body)["success"] == true && (*body)["sdp"] == "answer-sdp") {
        ++answers_[names_[hdl]];
      } else {
        ++bad_frames_;
      }
    }
    cv_.notify_all();
  }

  void Send(websocketpp::connection_hdl hdl, const json& message) {
    websocketpp::lib::error_code ec;
    server_.send(hdl, message.dump(), websocketpp::frame::opcode::text, ec);
  }

  Server server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  // ---- server thread only ----
  std::set<websocketpp::connection_hdl, Owner> open_;
  std::map<websocketpp::connection_hdl, std::string, Owner> names_;
  // ---- guarded by mu_ ----
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> answers_;
  std::map<std::string, int> registrations_;
  int bad_frames_ = 0;
};

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
