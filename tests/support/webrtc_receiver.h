// A real WebRTC viewer made of a second webrtcbin: offers recvonly video like
// a browser does, decodes what arrives and reports frames and caps. Lets
// tests prove media reaches a receiver without a browser.
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "engine/ice_options.h"

namespace testing_support {

class WebrtcReceiver {
 public:
  // encoding: "H264", "VP8", "VP9" or "H265" (decoded by libde265dec from
  // gstreamer1.0-plugins-bad, the H265 decoder Debian ships).
  explicit WebrtcReceiver(std::string encoding = "H264");
  // An answering peer (a WHIP endpoint's): no transceiver of its own; the
  // sender's offer creates it. Use AnswerOffer instead of CreateOffer.
  struct Answerer {};
  explicit WebrtcReceiver(Answerer);
  ~WebrtcReceiver();

  // Creates the recvonly offer and waits for ICE gathering; returns the SDP.
  std::string CreateOffer();
  // Answerer: applies the sender's offer and returns the answer once ICE
  // gathering is complete; "" with `error` on failure.
  std::string AnswerOffer(const std::string& offer_sdp, std::string* error);
  // Applies the sender's answer. Returns false with `error` on failure.
  bool SetAnswer(const std::string& answer_sdp, std::string* error);

  // Waits until `predicate` holds over the received state, or the timeout.
  struct State {
    uint64_t frames = 0;  // decoded
    int width = 0;        // of the last decoded frame
    int height = 0;
    // RTP payload bytes leaving the receiving webrtcbin (after SRTP and the
    // jitter buffer, before depayloading): the encoded media as received,
    // without RTP headers, so it compares with the encoder's bitrate target.
    uint64_t rtp_payload_bytes = 0;
    // When this state was read (set by state()): two readings make a rate.
    std::chrono::steady_clock::time_point at;
  };
  bool WaitFor(std::function<bool(const State&)> predicate, std::chrono::milliseconds timeout);
  State state();
  // Frames decoded since a moment: for fps measurements.
  uint64_t frames() { return state().frames; }

  // Benchmarks: called on the streaming thread with every decoded frame and
  // its pad. Set before CreateOffer.
  void SetFrameHook(std::function<void(GstPad*, GstBuffer*)> hook) { hook_ = std::move(hook); }
  // The receiving webrtcbin's jitter-buffer latency in ms (webrtcbin's
  // default: 200). Set before CreateOffer.
  void SetLatency(unsigned ms);
  // Called on the streaming thread with every RTP packet webrtcbin hands out
  // (decrypted, before depayloading). Set before CreateOffer.
  void SetRtpHook(std::function<void(GstBuffer*)> hook) { rtp_hook_ = std::move(hook); }
  // STUN/TURN servers and transport policy for this peer (network tests
  // behind emulated NATs). Before CreateOffer; throws on a rejected setting.
  void SetIceOptions(const engine::IceOptions& options);
  // Offer NACK feedback (and RTX) like a browser does. Before CreateOffer.
  void SetDoNack(bool on);
  // Offer transport-wide congestion control like a browser does: the
  // header extension under `extension_id` and a=rtcp-fb transport-cc; the
  // receiving rtpsession then sends TWCC feedback. Before CreateOffer.
  void SetTransportCc(int extension_id);
  // Count parsed access units (parsebin) instead of decoded frames; width and
  // height then come from the stream's own SPS. For H265, whose only Debian
  // decoder (libde265 1.0.11) aborts on x265's output after a few frames
  // (assertion in slice.cc, or "free(): invalid size"). Before CreateOffer.
  void SetParseOnly() { parse_only_ = true; }
  // The receiving webrtcbin, for tests that read its settings back.
  GstElement* webrtcbin() const { return webrtc_; }

 private:
  static void OnPadAdded(GstElement* webrtc, GstPad* pad, gpointer self);
  static void OnDecodedPad(GstElement* decodebin, GstPad* pad, gpointer self);
  static GstPadProbeReturn OnFrame(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  static GstPadProbeReturn OnRtp(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  void CountRtp(GstBuffer* buffer);

  void Init(bool add_transceiver);
  std::string LocalDescriptionWhenGathered();

  std::string encoding_;
  bool parse_only_ = false;
  GstElement* pipeline_ = nullptr;
  GstElement* webrtc_ = nullptr;
  std::mutex mu_;
  std::condition_variable changed_;
  State state_;
  std::function<void(GstPad*, GstBuffer*)> hook_;
  std::function<void(GstBuffer*)> rtp_hook_;
};

}  // namespace testing_support
