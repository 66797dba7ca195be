// The GStreamer thread. Every GStreamer call of the agent runs on the one GLib
// main loop this class owns; other threads hand work over with Post() or
// Call(), never by touching GStreamer objects themselves.
#pragma once

#include <glib.h>

#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <type_traits>

namespace engine {

class Engine {
 public:
  Engine();   // initialises GStreamer once and starts the loop thread
  ~Engine();  // quits the loop and joins; post nothing after this starts
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs `fn` on the engine thread (inline when already there).
  void Post(std::function<void()> fn);

  // Runs `fn` on the engine thread and waits for its result. Safe from the
  // engine thread itself (runs inline).
  template <typename Fn>
  auto Call(Fn fn) -> std::invoke_result_t<Fn> {
    using R = std::invoke_result_t<Fn>;
    if (IsEngineThread()) return fn();
    // Shared: the engine thread may still be inside set_value() when this
    // thread wakes up and returns.
    auto done = std::make_shared<std::promise<R>>();
    auto result = done->get_future();
    Post([done, &fn] {
      if constexpr (std::is_void_v<R>) {
        fn();
        done->set_value();
      } else {
        done->set_value(fn());
      }
    });
    return result.get();
  }

  bool IsEngineThread() const;
  // Loads the plugins a first viewer needs (webrtcbin, encoders, libnice)
  // and makes the process's DTLS certificate (dtlsdec creates it once), so
  // the first play is not slower than the next ones.
  void PreloadPlugins();
  // The loop's context: timeouts and bus watches are attached to it.
  GMainContext* context() const { return context_; }

 private:
  GMainContext* context_;
  GMainLoop* loop_;
  std::thread thread_;
  std::thread::id thread_id_;
};

}  // namespace engine
