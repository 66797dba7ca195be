#include "control/published_sample.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include <string>

namespace control {

PublishedSample::PublishedSample(streamcontrol::v1::StreamStats message)
    : message_(std::move(message)) {
  message_.clear_dropped_samples();  // per subscriber: see ForSubscriber
}

const grpc::Slice& PublishedSample::bytes() const {
  std::call_once(serialized_, [this] { bytes_ = grpc::Slice(message_.SerializeAsString()); });
  return bytes_;
}

grpc::ByteBuffer PublishedSample::ForSubscriber(uint64_t dropped_samples) const {
  if (dropped_samples == 0) {
    grpc::Slice shared = bytes();  // a reference, not a copy
    return grpc::ByteBuffer(&shared, 1);
  }
  std::string tail;
  {
    google::protobuf::io::StringOutputStream stream(&tail);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.WriteTag(google::protobuf::internal::WireFormatLite::MakeTag(
        streamcontrol::v1::StreamStats::kDroppedSamplesFieldNumber,
        google::protobuf::internal::WireFormatLite::WIRETYPE_VARINT));
    out.WriteVarint64(dropped_samples);
  }
  grpc::Slice slices[] = {bytes(), grpc::Slice(tail)};
  return grpc::ByteBuffer(slices, 2);
}

}  // namespace control
