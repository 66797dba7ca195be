#include "viewer_protocol.h"

#include <cstddef>

#include <nlohmann/json.hpp>

namespace local_director {
namespace {

using nlohmann::json;

// Reads body[key] as a string; false when missing or not a string.
bool ReadString(const json& body, const char* key, std::string* out) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

// Never throws: invalid UTF-8 (e.g. from a URL) is replaced, not rejected.
std::string Dump(const json& value, int indent = -1) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

const char* StateName(const FeedSummary& feed) { return feed.busy ? "playing" : "idle"; }

// Optional `tile`: a string when present, at most kMaxTileLength characters.
constexpr std::size_t kMaxTileLength = 64;
bool ReadTile(const json& body, std::string* out) {
  const auto it = body.find("tile");
  if (it == body.end()) return true;
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return out->size() <= kMaxTileLength;
}

json WithTile(json body, std::string_view tile) {
  if (!tile.empty()) body["tile"] = tile;
  return body;
}

}  // namespace

std::variant<ViewerCommand, ViewerCommandError> DecodeViewerCommand(std::string_view text) {
  const json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return ViewerCommandError{"malformed JSON", ""};
  if (!root.is_object()) return ViewerCommandError{"expected a JSON object", ""};
  if (const auto it = root.find("play"); it != root.end()) {
    if (!it->is_object()) return ViewerCommandError{"play must be an object", ""};
    PlayCommand play;
    if (!ReadString(*it, "feed", &play.feed) || play.feed.empty()) {
      return ViewerCommandError{"play.feed must be a non-empty string", ""};
    }
    if (!ReadString(*it, "sdp", &play.sdp) || play.sdp.empty()) {
      return ViewerCommandError{"play.sdp must be a non-empty string", play.feed};
    }
    if (!ReadTile(*it, &play.tile)) {
      return ViewerCommandError{"play.tile must be a string of at most 64 characters", play.feed};
    }
    return ViewerCommand{std::move(play)};
  }
  if (const auto it = root.find("stop"); it != root.end()) {
    if (!it->is_object()) return ViewerCommandError{"stop must be an object", ""};
    StopCommand stop;
    if (!ReadString(*it, "feed", &stop.feed) || stop.feed.empty()) {
      return ViewerCommandError{"stop.feed must be a non-empty string", ""};
    }
    if (!ReadTile(*it, &stop.tile)) {
      return ViewerCommandError{"stop.tile must be a string of at most 64 characters", stop.feed};
    }
    return ViewerCommand{std::move(stop)};
  }
  return ViewerCommandError{"unknown command (expected play or stop)", ""};
}

std::string EncodeFeedList(const std::vector<FeedSummary>& feeds) {
  json list = json::array();
  for (const auto& feed : feeds) {
    list.push_back({{"name", feed.name},
                    {"codecs", feed.codecs},
                    {"state", StateName(feed)},
                    {"viewers", feed.viewers},
                    {"joinable", feed.joinable}});
  }
  return Dump(json{{"feeds", std::move(list)}});
}

std::string EncodeAnswer(std::string_view feed, std::string_view sdp, std::string_view tile,
                         std::string_view session) {
  json body = WithTile({{"feed", feed}, {"sdp", sdp}}, tile);
  if (!session.empty()) body["session"] = session;
  return Dump(json{{"answer", std::move(body)}});
}

std::string EncodeViewerCongestion(const std::string& feed, const std::string& session,
                                   const ViewerCongestion& c) {
  return Dump(json{{"feed", feed},
                   {"session", session},
                   {"estimateKbps", c.estimate_kbps},
                   {"targetKbps", c.target_kbps},
                   {"reason", c.reason},
                   {"sampleUnixMs", c.sample_unix_ms}});
}

std::string EncodeViewerError(std::string_view feed, std::string_view message,
                              std::string_view tile) {
  return Dump(json{{"error", WithTile({{"feed", feed}, {"message", message}}, tile)}});
}

std::string EncodeStopped(std::string_view feed, std::string_view tile) {
  return Dump(json{{"stopped", WithTile({{"feed", feed}}, tile)}});
}

std::string EncodeFeedsApi(const std::vector<FeedSummary>& feeds) {
  json list = json::array();
  for (const auto& feed : feeds) {
    list.push_back({{"name", feed.name},
                    {"codecs", feed.codecs},
                    {"state", StateName(feed)},
                    {"phase", feed.phase},
                    {"viewers", feed.viewers},
                    {"joinable", feed.joinable},
                    {"registrations", feed.registrations},
                    {"sessions", feed.sessions},
                    {"negotiations", feed.negotiations}});
  }
  return Dump(json{{"feeds", std::move(list)}}, 2);
}

std::string EncodeIceServersApi(const std::vector<signaling::ahoy::IceServer>& servers) {
  json list = json::array();
  for (const auto& server : servers) {
    json entry = {{"urls", server.urls}};
    if (!server.username.empty()) entry["username"] = server.username;
    if (!server.credential.empty()) entry["credential"] = server.credential;
    list.push_back(std::move(entry));
  }
  return Dump(list, 2);
}

}  // namespace local_director
