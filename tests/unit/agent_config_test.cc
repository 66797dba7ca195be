// The agent's YAML config: settings, streams, secrets refused, clear errors.
#include <gtest/gtest.h>

#include "config_file.h"
#include "config_flags.h"

namespace {

TEST(AgentConfigTest, ReadsSettingsAndStreams) {
  auto config = agent::ParseAgentConfig(R"(
grpc_listen: 0.0.0.0:50051
max_streams: 4
director_insecure: true
streams:
  - stream_id: cam1
    source_uri: rtsp://10.0.0.5/stream1
    codec: VP8
    quality: {width: 640, height: 360, bitrate_kbps: 800}
    ahoy: {director_url: "wss://director.example/feeds/", feed_name: lobby}
  - stream_id: test
    source_uri: test://ball
)",
                                        "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->settings.at("grpc_listen"), "0.0.0.0:50051");
  EXPECT_EQ(config->settings.at("max_streams"), "4");
  EXPECT_EQ(config->settings.at("director_insecure"), "true");
  ASSERT_EQ(config->streams.size(), 2u);
  const auto& cam = config->streams[0];
  EXPECT_EQ(cam.stream_id, "cam1");
  EXPECT_EQ(cam.codec, engine::Codec::kVP8);
  EXPECT_EQ(*cam.quality.width, 640u);
  EXPECT_EQ(*cam.quality.bitrate_kbps, 800u);
  EXPECT_FALSE(cam.quality.framerate.has_value()) << "unset fields take the default later";
  EXPECT_EQ(cam.director_url, "wss://director.example/feeds/");
  EXPECT_EQ(cam.feed_name, "lobby");
  EXPECT_EQ(config->streams[1].codec, engine::Codec::kH264);
}

TEST(AgentConfigTest, ReadsSourceOptionsAndTheNewQualityFields) {
  auto config = agent::ParseAgentConfig(R"(
streams:
  - stream_id: cam
    source_uri: rtsp://10.0.0.5/s
    quality: {nack: false, speed_preset: 3, mtu: 1200}
    source_options: {rtsp_transport: TCP}
  - stream_id: clip
    source_uri: file:///srv/clip.webm
    source_options: {loop: true}
)",
                                        "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const auto& cam = config->streams[0];
  EXPECT_EQ(cam.quality.nack, std::optional<bool>(false));
  EXPECT_EQ(*cam.quality.speed_preset, 3u);
  EXPECT_EQ(*cam.quality.mtu, 1200u);
  EXPECT_EQ(cam.source_options.rtsp_transport, engine::RtspTransport::kTcp);
  EXPECT_TRUE(config->streams[1].source_options.loop);
  EXPECT_EQ(config->streams[1].source_options.rtsp_transport, engine::RtspTransport::kAuto);

  auto bad = agent::ParseAgentConfig(
      "streams:\n  - stream_id: a\n    source_options: {rtsp_transport: quic}\n", "agent.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("streams[0].source_options"), std::string::npos)
      << bad.status();
}

TEST(AgentConfigTest, ReadsTheDegradationPreferenceAndRefusesAnUnknownOne) {
  auto config = agent::ParseAgentConfig(
      "streams:\n  - stream_id: cam\n    quality: {degradation: maintain_resolution}\n",
      "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->streams[0].quality.degradation, engine::Degradation::kMaintainResolution);
  auto bad = agent::ParseAgentConfig(
      "streams:\n  - stream_id: cam\n    quality: {degradation: fastest}\n", "agent.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("quality.degradation"), std::string::npos) << bad.status();
}

TEST(AgentConfigTest, JsonFilesStillLoad) {
  auto config = agent::ParseAgentConfig(
      R"({"streams": [{"stream_id": "demo", "source_uri": "test://smpte",
          "quality": {"width": 1280, "height": 720}}]})",
      "demo.json");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->streams.size(), 1u);
  EXPECT_EQ(*config->streams[0].quality.height, 720u);
}

TEST(AgentConfigTest, RefusesSecretsAndMalformedInput) {
  auto keyed = agent::ParseAgentConfig("streams:\n  - stream_id: a\n    ahoy: {api_key: hunter2}\n",
                                       "agent.yaml");
  ASSERT_FALSE(keyed.ok());
  EXPECT_NE(keyed.status().message().find("streams[0].ahoy.api_key"), std::string::npos);
  EXPECT_EQ(keyed.status().message().find("hunter2"), std::string::npos) << "secret echoed";

  auto nested = agent::ParseAgentConfig("grpc_listen: {host: x}\n", "agent.yaml");
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("grpc_listen"), std::string::npos);

  auto not_list = agent::ParseAgentConfig("streams: {a: 1}\n", "agent.yaml");
  ASSERT_FALSE(not_list.ok());
  EXPECT_NE(not_list.status().message().find("streams"), std::string::npos);

  auto broken = agent::ParseAgentConfig("streams: [\n  - {stream_id: a\n", "agent.yaml");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("agent.yaml"), std::string::npos);

  auto bad_codec = agent::ParseAgentConfig("streams:\n  - {stream_id: a, codec: MPEG2}\n", "f");
  ASSERT_FALSE(bad_codec.ok());
  EXPECT_NE(bad_codec.status().message().find("streams[0]"), std::string::npos);

  auto bad_number = agent::ParseAgentConfig(
      "streams:\n  - {stream_id: a, quality: {width: wide}}\n", "agent.yaml");
  EXPECT_FALSE(bad_number.ok());

  EXPECT_FALSE(agent::ParseAgentConfig("config: other.yaml\n", "f").ok());
  EXPECT_TRUE(agent::ParseAgentConfig("", "empty.yaml").ok());
}

TEST(AgentConfigTest, OnlyAgentFlagsCanBeSet) {
  // This binary defines no agent flags: every name is unknown, including
  // absl's own (--flagfile must not be reachable from a config file).
  for (const char* name : {"no_such_setting", "flagfile"}) {
    auto status = agent::ApplyConfigSettings({{name, "x"}}, "agent.yaml");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_NE(status.message().find(name), std::string::npos);
  }
}

TEST(AgentConfigTest, FindsTheConfigPathInBothSpellings) {
  std::vector<std::string> a = {"agent", "--grpc_listen=x", "--config=/etc/a.yaml"};
  std::vector<std::string> b = {"agent", "--config", "/etc/b.yaml"};
  std::vector<std::string> c = {"agent", "--", "--config=/nope"};
  auto ptrs = [](std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v) out.push_back(s.data());
    return out;
  };
  EXPECT_EQ(agent::FindConfigPath(ptrs(a)), "/etc/a.yaml");
  EXPECT_EQ(agent::FindConfigPath(ptrs(b)), "/etc/b.yaml");
  EXPECT_EQ(agent::FindConfigPath(ptrs(c)), "");
}

}  // namespace

namespace {

TEST(AgentConfigTest, ReadsPipelineTemplatesAndStreamChoices) {
  auto config = agent::ParseAgentConfig(R"(
pipeline_templates:
  portrait:
    codec: H264
    encode: videoflip video-direction=90r ! x264enc name=encoder ! rtph264pay name=payloader
  camera:
    codec: h265
    source: videotestsrc name=source
    encode: x265enc name=encoder ! rtph265pay name=payloader
streams:
  - {stream_id: a, source_uri: test://ball, codec: H264, encoder: openh264}
  - {stream_id: b, pipeline_template: camera}
)",
                                        "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->pipeline_templates.size(), 2u);
  const auto& camera = *config->pipeline_templates.at("camera");
  EXPECT_EQ(camera.name, "camera");
  EXPECT_EQ(camera.codec, engine::Codec::kH265);
  EXPECT_EQ(camera.source, "videotestsrc name=source");
  EXPECT_EQ(camera.encode, "x265enc name=encoder ! rtph265pay name=payloader");
  EXPECT_EQ(config->pipeline_templates.at("portrait")->source, "");
  EXPECT_FALSE(config->settings.count("pipeline_templates"));
  ASSERT_EQ(config->streams.size(), 2u);
  EXPECT_EQ(config->streams[0].encoder, "openh264");
  EXPECT_TRUE(config->streams[0].codec_set);
  EXPECT_EQ(config->streams[1].pipeline_template, "camera");
  EXPECT_FALSE(config->streams[1].codec_set) << "the template's codec is taken later";
}

TEST(AgentConfigTest, RefusesMalformedTemplatesNamingThem) {
  struct Case {
    const char* text;
    const char* reason;
  } cases[] = {
      {"pipeline_templates: [a, b]\n", "pipeline_templates: must be a mapping"},
      {"pipeline_templates:\n  t1: {encode: 'x264enc name=encoder'}\n",
       "pipeline_templates.t1: codec is required"},
      {"pipeline_templates:\n  t2: {codec: H264}\n", "pipeline_templates.t2: encode is required"},
      {"pipeline_templates:\n  t3: {codec: H264, encode: x, sink: y}\n",
       "pipeline_templates.t3: unknown key 'sink'"},
      {"pipeline_templates:\n  'bad name': {codec: H264, encode: x}\n",
       "a template name is [A-Za-z0-9._-]{1,64}"},
      {"pipeline_templates:\n  t4: {codec: AV1, encode: x}\n", "unknown codec 'AV1'"},
  };
  for (const auto& c : cases) {
    auto config = agent::ParseAgentConfig(c.text, "agent.yaml");
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_NE(config.status().message().find(c.reason), std::string::npos)
        << c.text << " -> " << config.status().message();
  }
}

}  // namespace

TEST(AgentConfigTest, ReadsAWhipPublishAndRefusesAnInlineToken) {
  auto config = agent::ParseAgentConfig(R"(
streams:
  - stream_id: cam
    source_uri: test://ball
    whip: {endpoint_url: "https://sfu.example/whip/room1", token_file: /etc/gwa/whip.token}
)",
                                        "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->streams[0].whip.has_value());
  EXPECT_EQ(config->streams[0].whip->endpoint_url, "https://sfu.example/whip/room1");
  EXPECT_EQ(config->streams[0].whip->token_file, "/etc/gwa/whip.token");

  auto bad = agent::ParseAgentConfig(
      "streams:\n  - stream_id: a\n    whip: {endpoint_url: 'http://x/w', token: s3cr3t-77}\n",
      "agent.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("token_file"), std::string::npos) << bad.status();
  EXPECT_EQ(bad.status().message().find("s3cr3t-77"), std::string::npos);
}
