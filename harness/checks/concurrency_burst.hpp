// concurrency.burst, the largest check, in a file of its own: bursts of clients connect at once
// and send their payloads in interleaved pieces; each must get exactly its own bytes back.
#pragma once

#include "grading/check.hpp"

namespace sockgrade::grading {
class Context;
}

namespace sockgrade::checks {

grading::Outcome burst(grading::Context& ctx);

}  // namespace sockgrade::checks
