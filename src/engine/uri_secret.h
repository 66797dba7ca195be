// Passwords in source URIs. IP cameras are addressed as
// rtsp://user:password@camera/stream (and HTTP sources may be too); the
// password must reach rtspsrc/souphttpsrc and nothing else: not logs, not
// error messages, not the Stream returned to any operator who lists streams.
#pragma once

#include <string>

namespace engine {

// The URI with the password of its userinfo replaced by "***"
// ("rtsp://admin:***@10.0.0.7/live"); unchanged when it has none.
std::string RedactUri(const std::string& uri);

// `text` with every occurrence of `uri`'s password (as written, and
// percent-decoded) replaced by "***", adjacent or overlapping occurrences by
// one "***": for messages GStreamer writes, which may quote the location (its
// user part stays readable unless it holds the password too).
std::string ScrubUriPassword(std::string text, const std::string& uri);

}  // namespace engine
