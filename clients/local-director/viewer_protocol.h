// JSON shapes exchanged with browsers on /viewer and served on /api/feeds.
// The protocol itself is documented at the top of director_server.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "signaling/ahoy_codec.h"

namespace local_director {

// ---- browser -> director ----------------------------------------------------
struct PlayCommand {
  std::string feed;
  std::string sdp;  // the browser's offer, ICE gathering complete
};
struct StopCommand {
  std::string feed;
};
struct ViewerCommandError {
  std::string reason;
  std::string feed;  // when one could be read
};
using ViewerCommand = std::variant<PlayCommand, StopCommand>;
std::variant<ViewerCommand, ViewerCommandError> DecodeViewerCommand(std::string_view json);

// ---- director -> browser ----------------------------------------------------
struct FeedSummary {
  std::string name;
  std::vector<std::string> codecs;
  bool busy = false;  // a viewer session exists
  std::string phase;  // "", "starting", "negotiating", "playing"
  std::uint64_t registrations = 0;
  std::uint64_t sessions = 0;      // streamStartRequests sent
  std::uint64_t negotiations = 0;  // sdpRequests sent
};
// {"feeds":[{"name":..,"codecs":[..],"state":"idle"|"playing"}]}
std::string EncodeFeedList(const std::vector<FeedSummary>& feeds);
// {"answer":{"feed":..,"sdp":..}}
std::string EncodeAnswer(std::string_view feed, std::string_view sdp);
// {"error":{"feed":..,"message":..}}
std::string EncodeViewerError(std::string_view feed, std::string_view message);
// {"stopped":{"feed":..}}
std::string EncodeStopped(std::string_view feed);

// ---- GET /api/feeds ---------------------------------------------------------
// {"feeds":[{"name","codecs","state","phase","registrations","sessions",
//            "negotiations"}]}
std::string EncodeFeedsApi(const std::vector<FeedSummary>& feeds);

// ---- GET /api/ice-servers -----------------------------------------------------
// [{"urls":[..],"username":..,"credential":..}]: the page's RTCPeerConnection
// configuration (the browser needs the TURN credential to use the server).
std::string EncodeIceServersApi(const std::vector<signaling::ahoy::IceServer>& servers);

}  // namespace local_director
