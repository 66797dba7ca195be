#include "engine/ssrc_pool.h"

namespace engine {

uint32_t SsrcPool::Acquire() {
  std::lock_guard<std::mutex> lock(mu_);
  uint32_t ssrc = 0;
  if (!free_.empty()) {
    ssrc = free_.back();
    free_.pop_back();
  } else {
    std::uniform_int_distribution<uint32_t> any(1, 0xffffffffu);
    do {
      ssrc = any(random_);
    } while (in_use_.count(ssrc));
  }
  in_use_.insert(ssrc);
  return ssrc;
}

void SsrcPool::Release(uint32_t ssrc) {
  std::lock_guard<std::mutex> lock(mu_);
  if (in_use_.erase(ssrc)) free_.push_back(ssrc);
}

size_t SsrcPool::in_use() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_use_.size();
}

size_t SsrcPool::known() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_use_.size() + free_.size();
}

SsrcPool& SessionSsrcs() {
  static SsrcPool* pool = new SsrcPool;  // never destroyed: sessions may end at exit
  return *pool;
}

}  // namespace engine
