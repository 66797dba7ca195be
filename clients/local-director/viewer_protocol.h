// JSON shapes exchanged with browsers on /viewer and served on /api/feeds.
// The protocol itself is documented at the top of director_server.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "signaling/ahoy_codec.h"
#include "viewer_congestion.h"

namespace local_director {

// ---- browser -> director ----------------------------------------------------
// `tile` names one of the browser's plays of a feed, so one page can watch a
// feed in several tiles; "" (absent) is the page's default tile.
struct PlayCommand {
  std::string feed;
  std::string sdp;  // the browser's offer, ICE gathering complete
  std::string tile;
};
struct StopCommand {
  std::string feed;
  std::string tile;
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
  bool busy = false;          // a viewer session exists
  std::string phase;          // "", "starting", "negotiating", "playing" (most advanced session)
  std::uint64_t viewers = 0;  // viewer sessions now
  bool joinable = false;      // the agent speaks v1.1 sessionId: more viewers may play
  std::uint64_t registrations = 0;
  std::uint64_t sessions = 0;      // streamStartRequests sent
  std::uint64_t negotiations = 0;  // sdpRequests sent
};
// {"feeds":[{"name":..,"codecs":[..],"state":"idle"|"playing","viewers":n,
//            "joinable":bool}]}
std::string EncodeFeedList(const std::vector<FeedSummary>& feeds);
// `tile` is added to each of these only when not empty (the default tile).
// {"answer":{"feed":..,"sdp":..[,"tile":..][,"session":..]}}: `session` is the
// play's Ahoy sessionId, which the page uses to find its own viewer's figures
// on /api/congestion.
std::string EncodeAnswer(std::string_view feed, std::string_view sdp, std::string_view tile = "",
                         std::string_view session = "");
// {"error":{"feed":..,"message":..[,"tile":..]}}
std::string EncodeViewerError(std::string_view feed, std::string_view message,
                              std::string_view tile = "");
// {"stopped":{"feed":..[,"tile":..]}}
std::string EncodeStopped(std::string_view feed, std::string_view tile = "");

// ---- GET /api/congestion?feed=F&session=S --------------------------------------
// {"feed":..,"session":..,"estimateKbps":n,"targetKbps":n,"reason":..,"sampleUnixMs":n}
std::string EncodeViewerCongestion(const std::string& feed, const std::string& session,
                                   const ViewerCongestion& c);

// ---- GET /api/feeds ---------------------------------------------------------
// {"feeds":[{"name","codecs","state","phase","viewers","joinable",
//            "registrations","sessions","negotiations"}]}
std::string EncodeFeedsApi(const std::vector<FeedSummary>& feeds);

// ---- GET /api/ice-servers -----------------------------------------------------
// [{"urls":[..],"username":..,"credential":..}]: the page's RTCPeerConnection
// configuration (the browser needs the TURN credential to use the server).
std::string EncodeIceServersApi(const std::vector<signaling::ahoy::IceServer>& servers);

}  // namespace local_director
