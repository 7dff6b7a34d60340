// When the sampled observations prove a busy write loop, and what they say as proof.
#include "grading/busy_writer.hpp"

#include <gtest/gtest.h>

namespace sockgrade::grading {
namespace {

BusyWriteFindings seen(int running, int waiting) {
  BusyWriteFindings f;
  f.running_while_full = running;
  f.waiting_while_full = waiting;
  f.full_samples = running + waiting;
  f.queue_bytes = 73728;
  return f;
}

TEST(BusyWriteFindings, RunningAgainstAFullQueueAgainAndAgainIsProof) {
  EXPECT_TRUE(seen(40, 0).proven());
  EXPECT_TRUE(seen(20, 10).proven());
}

TEST(BusyWriteFindings, ABlockingWriterOrAFewLooksAreNoProof) {
  EXPECT_FALSE(seen(0, 50).proven());   // slept in write() whenever the queue was full
  EXPECT_FALSE(seen(3, 0).proven());    // too few looks to rule out chance
  EXPECT_TRUE(seen(5, 2).proven());
  EXPECT_FALSE(seen(15, 10).proven());  // nearly as often waiting as running
}

TEST(BusyWriteFindings, ProofNamesTheLooksAndTheNonBlockingDescriptor) {
  auto f = seen(40, 0);
  f.nonblocking_fd = 4;
  f.cpu_while_full_ns = 95'000'000;
  auto proof = f.proof();
  ASSERT_EQ(proof.size(), 2u);
  EXPECT_NE(proof[0].get<std::string>().find("seen running, and on a CPU since the look before, in 40 of 40 looks"),
            std::string::npos);
  EXPECT_NE(proof[0].get<std::string>().find("95 ms of CPU that wrote nothing"), std::string::npos);
  EXPECT_EQ(proof[1].get<std::string>(), "fd 4 O_NONBLOCK in /proc/PID/fdinfo");
}

}  // namespace
}  // namespace sockgrade::grading
