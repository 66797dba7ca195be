#include "engine/pipeline_template.h"

#include <gst/gst.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/gst_ptr.h"
#include "engine/quoted.h"

namespace engine {
namespace {

absl::Status Bad(const PipelineTemplate& tmpl, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("pipeline template '", tmpl.name, "': ", what));
}

// Parsed into a bin (gst_parse_bin_from_description) that is never set to a
// state above NULL: nothing runs, no file or device is opened.
absl::StatusOr<ElementPtr> ParsePart(const PipelineTemplate& tmpl, const char* part,
                                     const std::string& text) {
  GError* error = nullptr;
  GstElement* bin = gst_parse_bin_from_description(text.c_str(), FALSE, &error);
  if (error) {
    std::string reason = error->message;
    g_error_free(error);
    if (bin) gst_object_unref(bin);
    return Bad(tmpl, absl::StrCat(part, " does not parse: ", reason));
  }
  return ElementPtr(GST_ELEMENT(gst_object_ref_sink(bin)));
}

std::string FactoryOf(GstElement* element) {
  GstElementFactory* factory = gst_element_get_factory(element);
  return factory ? GST_OBJECT_NAME(factory) : "";
}

}  // namespace

absl::Status ValidatePipelineTemplate(PipelineTemplate* out) {
  const PipelineTemplate& tmpl = *out;
  if (tmpl.encode.empty()) return Bad(tmpl, "encode is missing");
  auto encode = ParsePart(tmpl, "encode", tmpl.encode);
  if (!encode.ok()) return encode.status();
  ElementPtr encoder(gst_bin_get_by_name(GST_BIN(encode->get()), "encoder"));
  ElementPtr payloader(gst_bin_get_by_name(GST_BIN(encode->get()), "payloader"));
  if (!encoder || !payloader) {
    return Bad(tmpl, "encode must name its encoder `encoder` and its payloader `payloader`");
  }
  const CodecTraits* traits = TraitsForFactory(FactoryOf(encoder.get()));
  if (!traits || traits->codec != tmpl.codec) {
    return Bad(tmpl, absl::StrCat("encoder is '", FactoryOf(encoder.get()), "'; for ",
                                  CodecName(tmpl.codec), " it must be one of ",
                                  EncoderFactoriesFor(tmpl.codec)));
  }
  if (FactoryOf(payloader.get()) != traits->payloader_factory) {
    return Bad(tmpl,
               absl::StrCat("payloader is '", FactoryOf(payloader.get()), "'; for ",
                            CodecName(tmpl.codec), " it must be ", traits->payloader_factory));
  }
  if (!tmpl.source.empty()) {
    auto source = ParsePart(tmpl, "source", tmpl.source);
    if (!source.ok()) return source.status();
    ElementPtr named(gst_bin_get_by_name(GST_BIN(source->get()), "source"));
    if (!named) return Bad(tmpl, "source must name an element `source`");
  }
  out->encoder = traits;
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const PipelineTemplate>> FindPipelineTemplate(
    const PipelineTemplates& templates, const std::string& name) {
  auto it = templates.find(name);
  if (it != templates.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& [defined, t] : templates) names.push_back(defined);
  return absl::InvalidArgumentError(
      absl::StrCat("pipeline_template: no template ", Quoted(std::string(name)),
                   " (defined: ", names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
}

}  // namespace engine
