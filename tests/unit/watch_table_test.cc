#include "watch_table.h"

#include <gtest/gtest.h>

#include <string>

namespace streamctl {
namespace {

namespace pb = streamcontrol::v1;

pb::StreamStats Sample(const std::string& id, double sent_kbps) {
  pb::StreamStats s;
  s.set_stream_id(id);
  s.set_timestamp_unix_ms(1'700'000'000'000);
  s.set_state(pb::STREAMING);
  s.mutable_quality()->set_width(1280);
  s.mutable_quality()->set_height(720);
  s.mutable_quality()->set_framerate(30);
  s.mutable_quality()->set_bitrate_kbps(2000);
  s.set_send_bitrate_kbps(sent_kbps);
  s.set_encode_fps(29.5);
  s.set_round_trip_time_ms(1.25);
  s.set_fraction_lost(0.015);
  s.set_link_state(pb::LINK_REGISTERED);
  s.set_ice_connection_state("connected");
  return s;
}

TEST(WatchTableTest, OneRowPerStreamKeepsTheLatestSample) {
  WatchTable table;
  table.Update(Sample("cam-b", 1000));
  table.Update(Sample("cam-a", 1500));
  table.Update(Sample("cam-b", 1987.25));
  const std::vector<std::string> lines = table.Lines();
  ASSERT_EQ(lines.size(), 4u);  // title, header, two streams
  EXPECT_NE(lines[0].find("2 streams"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("samples 3"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[1].rfind("STREAM", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("cam-a", 0), 0u) << "rows sorted by stream id: " << lines[2];
  EXPECT_EQ(lines[3].rfind("cam-b", 0), 0u);
  EXPECT_NE(lines[3].find("1987.2"), std::string::npos) << "latest sample wins: " << lines[3];
  EXPECT_EQ(lines[3].find("1000.0"), std::string::npos) << lines[3];
  for (const char* cell :
       {"STREAMING", "1280x720@30", "2000", "29.5", "1.2", "1.50", "connected", "REGISTERED"}) {
    EXPECT_NE(lines[3].find(cell), std::string::npos) << cell << " missing in " << lines[3];
  }
}

TEST(WatchTableTest, ColumnsLineUpAcrossRows) {
  WatchTable table;
  table.Update(Sample("a", 5));
  table.Update(Sample("a-much-longer-stream-id", 12345.5));
  const std::vector<std::string> lines = table.Lines();
  ASSERT_EQ(lines.size(), 4u);
  // Text columns are left-aligned: STATE starts at the same offset in every row.
  const std::size_t state_column = lines[1].find("STATE");
  EXPECT_EQ(lines[2].find("STREAMING"), state_column);
  EXPECT_EQ(lines[3].find("STREAMING"), state_column);
  // Numbers are right-aligned: the SENT column ends at the same offset.
  const std::size_t sent_end = lines[1].find("SENT kbps") + std::string("SENT kbps").size();
  EXPECT_EQ(lines[2].find("5.0") + 3, sent_end) << lines[2];
  EXPECT_EQ(lines[3].find("12345.5") + 7, sent_end) << lines[3];
}

TEST(WatchTableTest, ShowsTheFirstViewersCongestionControl) {
  WatchTable table;
  pb::StreamStats s = Sample("cam", 700);
  pb::Congestion* c = s.add_viewers()->mutable_congestion();
  c->set_adaptive(true);
  c->set_estimate_kbps(812);
  c->set_target_kbps(690);
  c->set_last_reason("delay");
  table.Update(s);
  std::vector<std::string> lines = table.Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[1].find("EST kbps"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("812"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find("delay->690"), std::string::npos) << lines[2];
  c->set_adaptive(false);
  table.Update(s);
  lines = table.Lines();
  EXPECT_NE(lines[2].find("fixed"), std::string::npos) << lines[2];
}

TEST(WatchTableTest, ShowsTheFirstViewersPictureInForceAndWhy) {
  WatchTable table;
  pb::StreamStats s = Sample("cam", 700);
  pb::ViewerStats* v = s.add_viewers();
  v->mutable_quality()->set_width(960);
  v->mutable_quality()->set_height(540);
  v->mutable_quality()->set_framerate(20);
  v->mutable_congestion()->set_adaptive(true);
  v->mutable_congestion()->set_quality_reason("bandwidth");
  table.Update(s);
  std::vector<std::string> lines = table.Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[1].find("VIEWER PICTURE"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("960x540@20 bandwidth"), std::string::npos) << lines[2];
  // The operator's picture: no reason.
  v->mutable_quality()->set_width(1280);
  v->mutable_quality()->set_height(720);
  v->mutable_quality()->set_framerate(30);
  v->mutable_congestion()->clear_quality_reason();
  table.Update(s);
  lines = table.Lines();
  EXPECT_NE(lines[2].find("1280x720@30"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[2].find("bandwidth"), std::string::npos) << lines[2];
}

TEST(WatchTableTest, UnsetMeasurementsShowADash) {
  pb::StreamStats s;
  s.set_stream_id("idle");
  s.set_state(pb::WAITING_FOR_VIEWER);
  WatchTable table;
  table.Update(s);
  const std::string row = table.Lines()[2];
  EXPECT_NE(row.find("WAITING_FOR_VIEWER"), std::string::npos) << row;
  EXPECT_NE(row.find(" - "), std::string::npos) << "no RTT yet: " << row;
}

TEST(InPlaceRedrawTest, SecondFrameMovesUpOverTheFirst) {
  InPlaceRedraw redraw;
  const std::string first = redraw.Frame({"title", "header", "row"}, 80);
  EXPECT_EQ(first.find("\x1b[3F"), std::string::npos) << "nothing to overwrite yet";
  EXPECT_EQ(first, "title\x1b[K\nheader\x1b[K\nrow\x1b[K\n\x1b[J");
  const std::string second = redraw.Frame({"title", "header", "row", "row2"}, 80);
  EXPECT_EQ(second.rfind("\x1b[3F", 0), 0u) << "up over the three lines drawn";
  const std::string third = redraw.Frame({"t"}, 80);
  EXPECT_EQ(third.rfind("\x1b[4F", 0), 0u);
}

TEST(InPlaceRedrawTest, CutsLinesThatWouldWrap) {
  InPlaceRedraw redraw;
  const std::string frame = redraw.Frame({std::string(30, 'x')}, 10);
  EXPECT_EQ(frame, std::string(9, 'x') + "\x1b[K\n\x1b[J");
}

}  // namespace
}  // namespace streamctl
