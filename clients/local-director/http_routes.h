// Plain HTTP requests: the embedded viewer page and the /api/feeds snapshot.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "director_server.h"
#include "viewer_congestion.h"

namespace local_director {

struct HttpReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// `resource` is the request target ("/?feed=demo"). HEAD gets GET's headers.
// `congestion`: where /api/congestion looks (null: no agent to ask, 404).
HttpReply RouteHttp(std::string_view method, std::string_view resource,
                    const DirectorServer& director,
                    const ViewerCongestionSource* congestion = nullptr);

}  // namespace local_director
