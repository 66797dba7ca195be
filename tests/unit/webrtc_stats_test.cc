#include "engine/webrtc_stats.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>

namespace engine {
namespace {

// A get-stats reply shaped like webrtcbin 1.22's (abridged from a real one),
// including its swapped type names for the two candidates.
GstStructure* Reply(const std::string& selected_pair_id) {
  const std::string text =
      "application/x-webrtc-stats, "
      "out=(structure)\"outbound-rtp, id=(string)out, kind=(string)video, "
      "bytes-sent=(guint64)81246, packets-sent=(guint64)133, fir-count=(uint)0, "
      "pli-count=(uint)2, nack-count=(uint)5;\", "
      "rin=(structure)\"remote-inbound-rtp, id=(string)rin, packets-lost=(gint64)3, "
      "fraction-lost=(double)0.25, round-trip-time=(double)0.0015;\", "
      "cl=(structure)\"remote-candidate, id=(string)cl, address=(string)192.0.2.1, "
      "port=(uint)54942, candidate-type=(string)host, protocol=(string)udp;\", "
      "cr=(structure)\"local-candidate, id=(string)cr, address=(string)198.51.100.7, "
      "port=(uint)40165, candidate-type=(string)srflx, protocol=(string)udp;\", "
      "pair=(structure)\"candidate-pair, id=(string)pair, local-candidate-id=(string)cl, "
      "remote-candidate-id=(string)cr;\", "
      "tr=(structure)\"transport, id=(string)tr, selected-candidate-pair-id=(string)" +
      selected_pair_id + ";\"";
  return gst_structure_from_string(text.c_str(), nullptr);
}

class WebrtcStatsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

TEST_F(WebrtcStatsTest, ReadsCountersRttAndTheSelectedCandidatePair) {
  GstStructure* reply = Reply("pair");
  ASSERT_NE(reply, nullptr);
  RtpSenderStats s = ReadSenderStats(reply);
  gst_structure_free(reply);
  EXPECT_EQ(s.bytes_sent, 81246u);
  EXPECT_EQ(s.packets_sent, 133u);
  EXPECT_EQ(s.pli_count, 2u);
  EXPECT_EQ(s.nack_count, 5u);
  ASSERT_TRUE(s.round_trip_time_ms);
  EXPECT_DOUBLE_EQ(*s.round_trip_time_ms, 1.5);
  EXPECT_EQ(s.packets_lost.value_or(-1), 3);
  ASSERT_TRUE(s.selected_pair);
  // By the ids the pair names, whatever the entries' type names say.
  EXPECT_EQ(s.selected_pair->local_address, "192.0.2.1");
  EXPECT_EQ(s.selected_pair->local_port, 54942u);
  EXPECT_EQ(s.selected_pair->local_type, "host");
  EXPECT_EQ(s.selected_pair->remote_address, "198.51.100.7");
  EXPECT_EQ(s.selected_pair->remote_port, 40165u);
  EXPECT_EQ(s.selected_pair->remote_type, "srflx");
  EXPECT_EQ(s.selected_pair->protocol, "udp");
}

TEST_F(WebrtcStatsTest, NoSelectedPairYetLeavesItUnset) {
  GstStructure* reply = Reply("no-such-pair");
  ASSERT_NE(reply, nullptr);
  RtpSenderStats s = ReadSenderStats(reply);
  gst_structure_free(reply);
  EXPECT_FALSE(s.selected_pair);
  EXPECT_EQ(s.bytes_sent, 81246u) << "the rest is still read";
}

}  // namespace
}  // namespace engine
