// A network of the process's own, for tests and benchmarks that run a server
// which will not use loopback: Janus 1.1.2 skips loopback interfaces when it
// gathers ICE candidates, so on the host it would offer the machine's real
// addresses. Instead the process, before it starts any thread, moves into a
// fresh network namespace holding only `lo` and a veth pair whose ends are
// both inside it (kPrivateInterface has kPrivateAddress). Everything it starts afterwards — its
// own threads, Janus, a WHIP server, the agent — lives in that namespace, so
// no packet can reach any other host, and the namespace disappears when the
// process exits (nothing to clean up, even after a crash).
#pragma once

#include <string>

namespace testing_support {

inline constexpr char kPrivateInterface[] = "gwa0";
inline constexpr char kPrivateAddress[] = "10.99.0.1";

// Call first in main(), while the process has one thread. Returns "" when the
// process now runs in its private network, else why not (e.g. no
// CAP_SYS_ADMIN: unshare refused); the caller must then not start servers
// that need it (tests skip with the reason).
std::string EnterPrivateNetwork();

// Whether EnterPrivateNetwork succeeded in this process; the reason otherwise.
bool InPrivateNetwork();
const std::string& PrivateNetworkError();

}  // namespace testing_support
