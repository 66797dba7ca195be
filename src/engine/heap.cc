#include "engine/heap.h"

#include <algorithm>
#include <cstdlib>  // defines __GLIBC__ on glibc systems
#include <thread>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace engine {

void CapMallocArenas() {
#ifdef __GLIBC__
  if (std::getenv("MALLOC_ARENA_MAX")) return;  // the operator's own choice wins
  // One arena per core keeps threads on different cores from contending for
  // a lock; more only multiplies fragments.
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  mallopt(M_ARENA_MAX, std::max(2, cores));
#endif
}

void ReturnFreedHeap() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

}  // namespace engine
