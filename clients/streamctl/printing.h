// Human and JSON renderings of API messages, and of RPC errors.
#ifndef GWA_CLIENTS_STREAMCTL_PRINTING_H_
#define GWA_CLIENTS_STREAMCTL_PRINTING_H_

#include <string>

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include "streamcontrol/v1/streamcontrol.pb.h"

namespace streamctl {

// Compact multi-line summary of a stream, ending with a newline.
std::string FormatStream(const streamcontrol::v1::Stream& stream);

// One line (no newline) for a stats sample: time, id, state, WxH@fps, target
// vs measured bitrate, encode fps, rtt, loss, ICE and Ahoy link state.
std::string FormatStats(const streamcontrol::v1::StreamStats& stats);

// Writes `message` to stdout as one line of JSON (proto3 JSON mapping with
// default-valued fields included) and flushes. Returns an exit code.
int PrintJsonLine(const google::protobuf::Message& message);

// Writes `text` to stdout and flushes. Returns kExitOk.
int PrintText(const std::string& text);

// "OK", "NOT_FOUND", ...
std::string StatusCodeName(grpc::StatusCode code);

// Prints "streamctl: <CODE_NAME>: <message>" to stderr. Returns kExitRpcError.
int PrintRpcError(const grpc::Status& status);

}  // namespace streamctl

#endif  // GWA_CLIENTS_STREAMCTL_PRINTING_H_
