// A TCP port on 127.0.0.1 that was free a moment ago (bound, read, released):
// for a child process told its port up front, or a port nobody listens on.
#pragma once

namespace testing_support {

// 0 when no socket could be bound.
int FreeLoopbackPort();

}  // namespace testing_support
