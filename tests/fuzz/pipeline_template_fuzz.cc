// Operator pipeline templates from the config file: the first line is the
// codec, the second the encode part, the rest the source part. Only the
// operator writes them, but a typo must give a clear error, never a crash:
// the text goes through GStreamer's gst-launch parser into bins that are
// never started. Properties: never crashes; an accepted template sets its
// encoder traits for its codec.
#include <gst/gst.h>

#include "engine/pipeline_template.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  gst_init(nullptr, nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::AsText(data, size);
  // The YAML parser gives no NULs; gst_parse reads C strings.
  if (text.find('\0') != std::string_view::npos || size > 4096) return 0;
  const size_t first = text.find('\n');
  if (first == std::string_view::npos) return 0;
  const size_t second = text.find('\n', first + 1);
  auto codec = engine::ParseCodec(std::string(text.substr(0, first)));
  if (!codec.ok()) return 0;
  engine::PipelineTemplate tmpl;
  tmpl.name = "fuzz";
  tmpl.codec = *codec;
  tmpl.encode = std::string(text.substr(first + 1, second - first - 1));
  if (second != std::string_view::npos) tmpl.source = std::string(text.substr(second + 1));
  const absl::Status status = engine::ValidatePipelineTemplate(&tmpl);
  if (status.ok()) {
    FUZZ_CHECK(tmpl.encoder != nullptr);
    FUZZ_CHECK(tmpl.encoder->codec == tmpl.codec);
  } else {
    FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(std::string(status.message()).rfind("pipeline template 'fuzz': ", 0) == 0);
  }
  return 0;
}
