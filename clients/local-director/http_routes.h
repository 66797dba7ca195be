// Plain HTTP requests: the embedded viewer page and the /api/feeds snapshot.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "director_server.h"

namespace local_director {

struct HttpReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// `resource` is the request target ("/?feed=demo"). HEAD gets GET's headers.
HttpReply RouteHttp(std::string_view method, std::string_view resource,
                    const DirectorServer& director);

}  // namespace local_director
