// The metrics module's pure parts: /proc parsing, the gRPC call counter and
// its bound on method names, the exposition text.
#include <gtest/gtest.h>

#include "metrics/metrics_endpoint.h"
#include "metrics/process_collector.h"
#include "metrics/rpc_metrics.h"

namespace metrics {
namespace {

// /proc/<pid>/stat of a process whose name holds a space and a parenthesis.
constexpr char kStat[] =
    "4242 (gst agent) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 250 50 0 0 20 0 17 0 "
    "1000 800000000 25000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";

TEST(ProcStatTest, ParsesTheFieldsAfterTheCommandName) {
  auto figures = ParseProcStat(kStat, 100, 4096, 1.7e9);
  ASSERT_TRUE(figures.has_value());
  EXPECT_DOUBLE_EQ(figures->cpu_seconds, 3.0);  // (250 + 50) ticks / 100
  EXPECT_DOUBLE_EQ(figures->threads, 17);
  EXPECT_DOUBLE_EQ(figures->start_time_seconds, 1.7e9 + 10);
  EXPECT_DOUBLE_EQ(figures->virtual_bytes, 800000000);
  EXPECT_DOUBLE_EQ(figures->resident_bytes, 25000.0 * 4096);
}

TEST(ProcStatTest, RefusesTruncatedText) {
  EXPECT_FALSE(ParseProcStat("4242 (agent) S 1 2 3", 100, 4096, 0).has_value());
  EXPECT_FALSE(ParseProcStat("no parenthesis", 100, 4096, 0).has_value());
}

TEST(ProcessCollectorTest, ReadsThisProcess) {
  auto figures = ReadProcessFigures();
  ASSERT_TRUE(figures.has_value());
  EXPECT_GT(figures->resident_bytes, 0);
  EXPECT_GE(figures->threads, 1);
  EXPECT_GE(figures->open_fds, 3);  // stdin, stdout, stderr
}

TEST(RpcMetricsTest, CountsByServiceMethodAndCode) {
  RpcMetrics rpc;
  rpc.Handled("/streamcontrol.v1.StreamControl/Start", grpc::StatusCode::OK);
  rpc.Handled("/streamcontrol.v1.StreamControl/Start", grpc::StatusCode::OK);
  rpc.Handled("/streamcontrol.v1.StreamControl/Stop", grpc::StatusCode::NOT_FOUND);
  const std::string text = Scrape({rpc.registry()});
  EXPECT_NE(text.find("# TYPE gwa_grpc_server_handled_total counter"), std::string::npos);
  EXPECT_NE(text.find(R"(gwa_grpc_server_handled_total{grpc_code="OK",grpc_method="Start",)"
                      R"(grpc_service="streamcontrol.v1.StreamControl"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(grpc_code="NOT_FOUND",grpc_method="Stop",)"), std::string::npos) << text;
}

TEST(RpcMetricsTest, MethodNamesAClientMakesUpAreBounded) {
  RpcMetrics rpc;
  for (int i = 0; i < 1000; ++i) {
    rpc.Handled("/evil.Service/M" + std::to_string(i), grpc::StatusCode::UNIMPLEMENTED);
  }
  const std::string text = Scrape({rpc.registry()});
  EXPECT_NE(text.find(R"(grpc_method="M63")"), std::string::npos);
  EXPECT_EQ(text.find(R"(grpc_method="M64")"), std::string::npos);
  EXPECT_NE(text.find(R"(grpc_method="other",grpc_service="other"} 936)"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace metrics
