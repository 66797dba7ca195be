#include "engine/heap.h"

#include <algorithm>
#include <cstdlib>  // defines __GLIBC__ on glibc systems
#include <thread>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace engine {

void ConfigureHeap() {
#ifdef __GLIBC__
  // The operator's own choice in the environment wins over each setting.
  if (!std::getenv("MALLOC_ARENA_MAX")) {
    // One arena per core keeps threads on different cores from contending
    // for a lock; more only multiplies fragments.
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    mallopt(M_ARENA_MAX, std::max(2, cores));
  }
  if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
#endif
}

void ReturnFreedHeap() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

}  // namespace engine
