// Shared assertions of the checks (after h2spec's verifiers): each compares what a peer
// observed with what the contract expects and, on a mismatch, records the evidence (sent,
// expected, received, where they differ) and returns the failing outcome.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "grading/check.hpp"
#include "net/peer.hpp"

namespace sockgrade::grading {

class Context;

// {"bytes": n, "preview": "escaped…"}: how evidence shows a byte string.
nlohmann::json bytes_evidence(std::string_view bytes);

// `got` must be exactly `sent` (an echo). `who` names the peer in messages ("client#3").
Step<void> expect_echo(Context& ctx, const std::string& who, std::string_view sent, const net::Received& got);

// After an exact echo of `echoed` bytes, nothing more may arrive: waits up to `base_ms` for an
// extra byte, ending early once the server is proven to sleep waiting for input (QuietWitness).
// The proof of quiet goes into the evidence ("quiet_after_echo"); extra bytes fail the check.
Step<void> expect_quiet_after_echo(Context& ctx, net::Peer& peer, std::size_t echoed, int base_ms = 500);

// The connection must have been closed by the program (EOF), with nothing more arriving.
Step<void> expect_eof(Context& ctx, const std::string& who, const net::Received& got, const std::string& why);

// A send sequence must have completed.
Step<void> expect_sent(Context& ctx, const std::string& who, std::size_t total, const net::Sent& sent);

// Whether a task of the current server is inside fork(), vfork() or clone(): a worker is being
// made, which a loaded machine can hold up for seconds.
bool server_creating_process(Context& ctx);

// Sends `msg` and expects exactly its echo within `base_ms` (stretched), longer while the server
// is seen creating the process or thread that is to answer.
Step<void> round_trip(Context& ctx, net::Peer& peer, std::string_view msg, int base_ms = 2000);

// Connects a new client named `who`, does one round trip with `msg` and closes.
Step<void> serve_one_client(Context& ctx, const std::string& who, std::string_view msg, int base_ms = 2000);

// How busy a program was over a window, for a message: "used 48% of a CPU", or, when a loaded
// machine gave it little CPU, "was ready to run 85% of the time (it got 9% of a CPU)".
std::string busy_sentence(double cpu_ms, double runnable_ms, double wall_ms);

}  // namespace sockgrade::grading
