#include "viewer.h"

#include <chrono>

namespace bench {

using namespace std::chrono_literals;

std::string Viewer::Play(int director_port, const std::string& name,
                         std::function<void(GstPad*, GstBuffer*)> on_frame) {
  feed = name;
  signaling = std::make_unique<testing_support::DirectorViewer>();
  if (auto s = signaling->Connect(director_port, 5s); !s.ok()) return s.ToString();
  receiver = std::make_unique<testing_support::WebrtcReceiver>("H264");
  if (on_frame) receiver->SetFrameHook(std::move(on_frame));  // before the offer
  auto answer = signaling->Play(feed, receiver->CreateOffer(), 15s);
  if (!answer.ok()) return answer.status().ToString();
  std::string error;
  if (!receiver->SetAnswer(*answer, &error)) return error;
  if (!receiver->WaitFor([](const auto& s) { return s.frames > 5; }, 15s)) {
    return "no frame decoded within 15 s";
  }
  return "";
}

void Viewer::Stop() {
  if (signaling) (void)signaling->Stop(feed, 5s);
  receiver.reset();
  signaling.reset();
}

}  // namespace bench
