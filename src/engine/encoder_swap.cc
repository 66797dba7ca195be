#include "engine/encoder_swap.h"

#include "absl/strings/str_cat.h"

namespace engine {

absl::StatusOr<ElementPtr> ReplaceEncoder(GstBin* pipeline, GstElement* old_encoder,
                                          const std::string& description) {
  GError* error = nullptr;
  GstElement* built = gst_parse_launch(description.c_str(), &error);
  if (error) {
    std::string text = error->message;
    g_error_free(error);
    if (built) gst_object_unref(built);
    return absl::InternalError(absl::StrCat("cannot build the new encoder: ", text));
  }
  ElementPtr fresh(GST_ELEMENT(gst_object_ref_sink(built)));

  PadPtr old_sink(gst_element_get_static_pad(old_encoder, "sink"));
  PadPtr old_src(gst_element_get_static_pad(old_encoder, "src"));
  PadPtr upstream(gst_pad_get_peer(old_sink.get()));
  PadPtr downstream(gst_pad_get_peer(old_src.get()));
  if (!upstream || !downstream) return absl::InternalError("the encoder is not linked");
  gst_pad_unlink(upstream.get(), old_sink.get());
  gst_pad_unlink(old_src.get(), downstream.get());
  // The bin holds the name: the old encoder leaves before the new one joins.
  gst_element_set_state(old_encoder, GST_STATE_NULL);
  gst_bin_remove(pipeline, old_encoder);

  gst_bin_add(pipeline, fresh.get());  // the bin takes its own reference
  PadPtr new_sink(gst_element_get_static_pad(fresh.get(), "sink"));
  PadPtr new_src(gst_element_get_static_pad(fresh.get(), "src"));
  if (gst_pad_link(upstream.get(), new_sink.get()) != GST_PAD_LINK_OK ||
      gst_pad_link(new_src.get(), downstream.get()) != GST_PAD_LINK_OK) {
    return absl::InternalError("cannot link the new encoder");
  }
  if (!gst_element_sync_state_with_parent(fresh.get())) {
    return absl::InternalError("the new encoder refused to start");
  }
  return fresh;
}

}  // namespace engine
