// One stats sample or state event as every WatchStats subscriber gets it:
// the message, and its wire bytes, serialized once for all of them and shared
// (a reference-counted grpc::Slice; no subscriber copies the message).
//
// The one field that differs per subscriber, dropped_samples, is not in the
// shared bytes: a subscriber that missed samples gets the shared bytes
// followed by a few bytes of its own holding that field. Protobuf merges
// concatenated encodings (the last value of a scalar field wins), so the
// reader sees one message with dropped_samples set.
#pragma once

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstdint>
#include <memory>
#include <mutex>

#include "streamcontrol/v1/streamcontrol.pb.h"

namespace control {

class PublishedSample {
 public:
  explicit PublishedSample(streamcontrol::v1::StreamStats message);

  const streamcontrol::v1::StreamStats& message() const { return message_; }
  // The wire bytes with dropped_samples unset; made on first use, once.
  const grpc::Slice& bytes() const;
  // What one subscriber is sent: the shared bytes, plus dropped_samples
  // when it is not 0.
  grpc::ByteBuffer ForSubscriber(uint64_t dropped_samples) const;

 private:
  streamcontrol::v1::StreamStats message_;
  mutable std::once_flag serialized_;
  mutable grpc::Slice bytes_;
};

using SamplePtr = std::shared_ptr<const PublishedSample>;

}  // namespace control
