// The gwapacer element in a real GStreamer pipeline, no network:
// appsrc (buffer lists of RTP-sized buffers, as rtph264pay pushes them) !
// gwapacer ! appsink. Everything arrives, in order, spread at the pacing
// rate when paced and at once when the factor is 0; what an idle pacer lets
// go at once leaves on the upstream thread, the paced rest from the task;
// the pipeline stops cleanly while packets are still queued.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <vector>

#include "engine/engine.h"
#include "engine/pacer_element.h"

namespace {

constexpr guint kPackets = 50;
constexpr gsize kSize = 1200;

struct Received {
  std::vector<guint> order;
  std::vector<std::chrono::steady_clock::time_point> at;
};

class PacerElementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = std::make_unique<engine::Engine>();  // gst_init, registers gwapacer
    GError* error = nullptr;
    pipeline_ = gst_parse_launch(
        "appsrc name=src format=time caps=application/x-rtp ! gwapacer name=pacer ! "
        "appsink name=sink sync=false emit-signals=false max-buffers=0",
        &error);
    ASSERT_EQ(error, nullptr) << error->message;
    src_ = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
    pacer_ = gst_bin_get_by_name(GST_BIN(pipeline_), "pacer");
    sink_ = gst_bin_get_by_name(GST_BIN(pipeline_), "sink");
    ASSERT_NE(gst_element_set_state(pipeline_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }
  void TearDown() override {
    if (pipeline_) gst_element_set_state(pipeline_, GST_STATE_NULL);
    for (GstElement* e : {src_, pacer_, sink_, pipeline_}) {
      if (e) gst_object_unref(e);
    }
  }

  // One buffer list of kPackets buffers, each starting with its index.
  void PushList() {
    GstBufferList* list = gst_buffer_list_new_sized(kPackets);
    for (guint i = 0; i < kPackets; ++i) {
      GstBuffer* buffer = gst_buffer_new_allocate(nullptr, kSize, nullptr);
      gst_buffer_memset(buffer, 0, 0, kSize);
      gst_buffer_fill(buffer, 0, &i, sizeof(i));
      gst_buffer_list_add(list, buffer);
    }
    ASSERT_EQ(gst_app_src_push_buffer_list(GST_APP_SRC(src_), list), GST_FLOW_OK);
  }

  Received Pull(guint n) {
    Received r;
    for (guint i = 0; i < n; ++i) {
      GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink_), 5 * GST_SECOND);
      if (!sample) break;
      guint index = 0;
      gst_buffer_extract(gst_sample_get_buffer(sample), 0, &index, sizeof(index));
      r.order.push_back(index);
      r.at.push_back(std::chrono::steady_clock::now());
      gst_sample_unref(sample);
    }
    return r;
  }

  std::unique_ptr<engine::Engine> engine_;
  GstElement* pipeline_ = nullptr;
  GstElement *src_ = nullptr, *pacer_ = nullptr, *sink_ = nullptr;
};

TEST_F(PacerElementTest, ABufferListIsPacedInOrderAtFactorTimesTarget) {
  // 2.5 x 800 kbit/s = 2 Mbit/s: 50 x 9600 bits take ~235 ms after the
  // first few (5 ms of credit), inside the 400 ms bound.
  g_object_set(pacer_, "target-bitrate", static_cast<guint64>(800000), nullptr);
  PushList();
  const Received r = Pull(kPackets);
  ASSERT_EQ(r.order.size(), kPackets);
  for (guint i = 0; i < kPackets; ++i) EXPECT_EQ(r.order[i], i);
  const auto spread =
      std::chrono::duration_cast<std::chrono::milliseconds>(r.at.back() - r.at.front()).count();
  // At least the paced time (less the credit and a margin); never the
  // queue bound's 400 ms past it, whatever the load.
  EXPECT_GE(spread, 200) << "the list left as a burst";
  EXPECT_LE(spread, 1500);
  guint64 rate = 0, delayed = 0;
  g_object_get(pacer_, "pacing-rate", &rate, "packets-delayed", &delayed, nullptr);
  EXPECT_EQ(rate, 2000000u);
  EXPECT_GE(delayed, kPackets - 5);
}

// Which thread each packet left the pacer on, in order.
struct Threads {
  std::mutex mu;
  GThread* upstream = nullptr;
  std::vector<GThread*> out;
};

TEST_F(PacerElementTest, WhatMayLeaveAtOnceLeavesOnTheUpstreamThreadTheRestFromTheTask) {
  // An idle pacer lets the first packets go at once (credit and the 5 ms
  // early window): they must not wait for the task to wake, so they leave
  // on appsrc's streaming thread; the paced rest from the task's thread.
  Threads threads;
  GstPad* sink = gst_element_get_static_pad(pacer_, "sink");
  GstPad* src = gst_element_get_static_pad(pacer_, "src");
  gst_pad_add_probe(
      sink,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      [](GstPad*, GstPadProbeInfo*, gpointer data) {
        auto* t = static_cast<Threads*>(data);
        std::lock_guard<std::mutex> lock(t->mu);
        t->upstream = g_thread_self();
        return GST_PAD_PROBE_OK;
      },
      &threads, nullptr);
  gst_pad_add_probe(
      src, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo*, gpointer data) {
        auto* t = static_cast<Threads*>(data);
        std::lock_guard<std::mutex> lock(t->mu);
        t->out.push_back(g_thread_self());
        return GST_PAD_PROBE_OK;
      },
      &threads, nullptr);
  g_object_set(pacer_, "target-bitrate", static_cast<guint64>(800000), nullptr);
  PushList();
  const Received r = Pull(kPackets);
  ASSERT_EQ(r.order.size(), kPackets);
  for (guint i = 0; i < kPackets; ++i) EXPECT_EQ(r.order[i], i);
  std::lock_guard<std::mutex> lock(threads.mu);
  ASSERT_EQ(threads.out.size(), kPackets);
  ASSERT_NE(threads.upstream, nullptr);
  EXPECT_EQ(threads.out.front(), threads.upstream) << "an idle pacer's first packet waited";
  EXPECT_NE(threads.out.back(), threads.upstream) << "the burst was not paced by the task";
  gst_object_unref(sink);
  gst_object_unref(src);
}

TEST_F(PacerElementTest, FactorZeroPassesEverythingAtOnce) {
  g_object_set(pacer_, "factor", 0.0, "target-bitrate", static_cast<guint64>(400000), nullptr);
  PushList();
  const Received r = Pull(kPackets);
  ASSERT_EQ(r.order.size(), kPackets);
  for (guint i = 0; i < kPackets; ++i) EXPECT_EQ(r.order[i], i);
  const auto spread =
      std::chrono::duration_cast<std::chrono::milliseconds>(r.at.back() - r.at.front()).count();
  EXPECT_LT(spread, 200);
  guint64 rate = 1, delayed = 1;
  g_object_get(pacer_, "pacing-rate", &rate, "packets-delayed", &delayed, nullptr);
  EXPECT_EQ(rate, 0u);
  EXPECT_EQ(delayed, 0u);
}

TEST_F(PacerElementTest, StopsCleanlyWithPacketsQueued) {
  // 120 kB at about 1 Mbit/s: hundreds of ms of queue, and the pipeline
  // goes to NULL meanwhile.
  g_object_set(pacer_, "target-bitrate", static_cast<guint64>(100000), nullptr);
  PushList();
  PushList();
  const Received first = Pull(1);
  ASSERT_EQ(first.order.size(), 1u);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(gst_element_set_state(pipeline_, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  // And it plays again.
  ASSERT_NE(gst_element_set_state(pipeline_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  PushList();
  EXPECT_EQ(Pull(kPackets).order.size(), kPackets);
}

}  // namespace
