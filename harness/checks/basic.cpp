// basic: bytes in = bytes out — small, binary (all 256 values), interactive, multi-MiB.
#include <algorithm>
#include <numeric>

#include "grading/context.hpp"
#include "checks/catalogue.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"
#include "core/bytes.hpp"

namespace sockgrade::checks {
namespace {

Step<void> small_echo_steps(Context& ctx) {
  SG_TRY(auto* srv, ctx.start_server());
  (void)srv;
  SG_TRY(auto client, ctx.connect("client"));
  const std::string msg = "hello, sockgrade\n";
  SG_CHECK(expect_sent(ctx, "client", msg.size(), client.send(msg, ctx.deadline(2000))));
  auto got = client.receive(msg.size(), ctx.deadline(2000));
  SG_CHECK(expect_echo(ctx, "client", msg, got));
  SG_CHECK(expect_quiet_after_echo(ctx, client, msg.size()));
  return {};
}

Outcome small_echo(Context& ctx) {
  return conclude(small_echo_steps(ctx), "a 17-byte line came back exactly, and nothing after it");
}

// 0..255 then the same values shuffled, starting with NUL: a server that treats the data as a
// C string (strlen, printf("%s")) echoes nothing of it.
std::string all_byte_values(Rng rng) {
  std::string s(256, '\0');
  for (int i = 0; i < 256; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(i);
  std::string shuffled = s;
  for (std::size_t i = shuffled.size() - 1; i > 0; --i) std::swap(shuffled[i], shuffled[rng.between(0, i)]);
  std::string out = s + shuffled;
  std::reverse(s.begin(), s.end());
  return out + s + std::string(4, '\0');
}

Outcome binary(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    (void)srv;
    SG_TRY(auto client, ctx.connect("client"));
    std::string payload = all_byte_values(ctx.rng("payload"));
    auto got = client.exchange(payload, payload.size(), ctx.ms(2000), ctx.deadline(5000));
    SG_CHECK(expect_echo(ctx, "client", payload, got));
    SG_CHECK(expect_quiet_after_echo(ctx, client, payload.size()));
    return {};
  };
  return conclude(steps(), "all 256 byte values, NULs included, came back exactly (772 B), and nothing after them");
}

Outcome interactive(Context& ctx) {
  int rounds = static_cast<int>(ctx.param("rounds"));
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    (void)srv;
    SG_TRY(auto client, ctx.connect("client"));
    auto rng = ctx.rng("lines");
    for (int i = 1; i <= rounds; ++i) {
      std::string line = "round " + std::to_string(i) + ": " + rng.text(rng.between(1, 120)) + "\n";
      SG_CHECK(expect_sent(ctx, "client", line.size(), client.send(line, ctx.deadline(2000))));
      auto got = client.receive(line.size(), ctx.deadline(2000));
      ctx.evidence()["round"] = i;
      SG_CHECK(in_context(expect_echo(ctx, "client", line, got),
                          "round trip " + std::to_string(i) + " of " + std::to_string(rounds) + ": "));
      // Extra bytes after an earlier echo show up as a wrong next echo; after the last one
      // only a wait for them can tell.
      if (i == rounds) SG_CHECK(expect_quiet_after_echo(ctx, client, line.size()));
    }
    return {};
  };
  return conclude(steps(), std::to_string(rounds) + " round trips, each line echoed before the next was sent");
}

// A server that ended mid-stream: how (naming the limit that ended it, if one did) and how far
// the echo had got, so that "killed: CPU time limit 10 s" comes with its progress.
Step<void> ended_mid_stream(Context& ctx, std::size_t size, const net::Received& got) {
  if (ctx.servers().empty() || got.bytes.size() >= size) return {};
  auto& srv = ctx.server();
  if (srv.status().running()) return {};
  auto v = srv.status();
  auto& ev = ctx.evidence();
  ev["echoed_bytes"] = got.bytes.size();
  ev["stream_bytes"] = size;
  if (v.cpu_ms >= 0) ev["server_cpu_ms"] = v.cpu_ms;
  std::string fate = srv.fate_sentence();
  if (fate.rfind("was killed: ", 0) == 0) ev["proof"] = fate.substr(4);
  return failed("the server " + fate + " after echoing " + format_bytes(got.bytes.size()) + " of " + format_bytes(size));
}

Outcome large_stream(Context& ctx) {
  auto size = static_cast<std::size_t>(ctx.param("bytes"));
  Stopwatch clock;
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    (void)srv;
    SG_TRY(auto client, ctx.connect("client"));
    std::string payload = ctx.rng("stream").bytes(size);
    // Progress, not a total: a correct server with a tiny buffer is slow but never stalls.
    auto got = client.exchange(payload, payload.size(), ctx.ms(3000), ctx.deadline(120000));
    SG_CHECK(ended_mid_stream(ctx, size, got));
    SG_CHECK(expect_echo(ctx, "client", payload, got));
    SG_CHECK(expect_quiet_after_echo(ctx, client, payload.size()));
    return {};
  };
  auto r = steps();
  return conclude(std::move(r), format_bytes(size) + " streamed and echoed exactly in " +
                       format_duration(Millis(clock.elapsed_whole_ms())) + ", nothing more after it");
}

}  // namespace

std::vector<CheckDef> basic_checks() {
  return {
      {{"basic.small-echo", "basic", "A short line is echoed back",
        "The server echoes every byte it receives back to the same client.",
        "Read from the connected socket and write back exactly the bytes read: write(fd, buf, n) with the n "
        "that read() returned, never sizeof buf (that sends stale bytes after the echo); check that your "
        "server accepts a connection and answers at all.",
        "server", {}, 15000},
       small_echo},
      {{"basic.binary", "basic", "Binary data, all 256 byte values and NULs, is echoed exactly",
        "Echo is byte-exact: the data is not text and may contain NUL bytes.",
        "Write exactly the n bytes that read() returned: write(fd, buf, n). strlen(), printf(\"%s\") and "
        "string functions stop at the first NUL byte.",
        "server", {}, 15000},
       binary},
      {{"basic.interactive", "basic", "Line-by-line round trips are answered one at a time",
        "The server echoes what it has as soon as it has it; it does not wait for more input.",
        "Echo each read() right away; do not wait for the client to finish or for a full buffer "
        "before writing back.",
        "server", {{"rounds", 20, 1, 1000, "number of round trips"}}, 30000},
       interactive},
      {{"basic.large-stream", "basic", "A 512 KiB stream is echoed exactly while it is sent",
        "The server keeps reading and writing for as long as the client sends, whatever the size.",
        "Loop until read() returns 0, and write every byte you read (a write can be short: loop on "
        "it). Do not keep the whole stream in memory.",
        // 512 KiB: a correct server moving one byte per read()/write() spends about 2 s of CPU
        // on it here (two syscalls per byte, ~4 us), within the 10 s CPU limit and the 20 s
        // wall limit with margin, also on a loaded machine.
        "server", {{"bytes", 512 << 10, 256 << 10, 256 << 20, "size of the stream in bytes"}}, 150000},
       large_stream},
  };
}

}  // namespace sockgrade::checks
