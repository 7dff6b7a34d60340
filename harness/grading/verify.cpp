#include "grading/verify.hpp"

#include <algorithm>
#include <cstring>

#include "grading/context.hpp"
#include "grading/server_under_test.hpp"
#include "core/bytes.hpp"
#include "net/observe.hpp"

namespace sockgrade::grading {
namespace {

// "; the server was killed by signal 13 (SIGPIPE)" when the server is gone: the most useful
// sentence of a failure, so it goes into the message itself.
std::string server_fate(Context& ctx) {
  if (ctx.servers().empty()) return {};
  if (ctx.server().status().running()) return {};
  // fate_sentence names the limit that ended it, if one did ("was killed: CPU time limit 10 s").
  return "; the server " + ctx.server().fate_sentence();
}

}  // namespace

nlohmann::json bytes_evidence(std::string_view bytes) {
  return {{"bytes", bytes.size()}, {"preview", escape_preview(bytes, 96)}};
}

Step<void> expect_echo(Context& ctx, const std::string& who, std::string_view sent, const net::Received& got) {
  auto& ev = ctx.evidence();
  auto record = [&] {
    ev["peer"] = who;
    ev["sent"] = bytes_evidence(sent);
    ev["expected"] = bytes_evidence(sent);
    ev["received"] = bytes_evidence(got.bytes);
    ev["received_end"] = net::end_name(got.end);
  };
  std::string_view got_view = got.bytes;
  auto diff = first_difference(sent.substr(0, std::min(sent.size(), got_view.size())), got_view.substr(0, std::min(sent.size(), got_view.size())));
  if (diff != std::string_view::npos && diff < got_view.size() && diff < sent.size()) {
    record();
    ev["first_difference"] = diff;
    std::size_t from = diff >= 16 ? diff - 16 : 0;
    ev["expected_hex"] = hex_dump(sent, from, 48);
    ev["received_hex"] = hex_dump(got_view, from, 48);
    return failed(who + " sent " + format_bytes(sent.size()) + " and the echo differs at byte " + std::to_string(diff) +
                  ": expected '" + escape_preview(sent.substr(diff, 16), 16) + "', got '" +
                  escape_preview(std::string_view(got_view).substr(diff, 16), 16) + "'" + server_fate(ctx));
  }
  if (got.end == net::End::complete && got_view.size() == sent.size()) return {};
  record();
  std::string head = who + " sent " + format_bytes(sent.size()) + "; ";
  switch (got.end) {
    case net::End::complete:
      return failed(head + "the echo came back longer than sent (" + format_bytes(got_view.size()) + ")");
    case net::End::eof:
      return failed(head + "the server closed the connection after echoing " + format_bytes(got_view.size()) +
                    (got_view.empty() ? " (nothing)" : "") + server_fate(ctx));
    case net::End::reset:
      return failed(head + "the connection was reset (" + std::strerror(got.err) + ") after " +
                    format_bytes(got_view.size()) + " of the echo" + server_fate(ctx));
    case net::End::timeout:
      if (!got.stopped.empty()) {
        ev["proof"] = got.stopped;  // the quiet-server witness: why no more will come
        return timed_out(head + (got_view.empty() ? "no echo came back" : "only " + format_bytes(got_view.size()) + " came back") +
                         ", and no more will: " + got.stopped + server_fate(ctx));
      }
      if (got_view.empty()) return timed_out(head + "no echo arrived before the deadline" + server_fate(ctx));
      return timed_out(head + "only " + format_bytes(got_view.size()) + " came back, then nothing" + server_fate(ctx));
    case net::End::error:
      return failed(head + "reading the echo failed: " + std::strerror(got.err) + server_fate(ctx));
  }
  return failed(head + "unexpected end of the echo");
}

Step<void> expect_quiet_after_echo(Context& ctx, net::Peer& peer, std::size_t echoed, int base_ms) {
  // Ends as soon as the witness proves the server sleeps waiting for input (about 100 ms for a
  // blocking server); a server it cannot read (select, poll) gets the whole window.
  constexpr std::size_t kMaxExtra = 4096;
  auto extra = peer.receive(kMaxExtra, ctx.deadline(base_ms));
  auto& ev = ctx.evidence();
  if (extra.bytes.empty()) {
    ev["quiet_after_echo"] = extra.end == net::End::timeout && !extra.stopped.empty()
                                 ? extra.stopped
                                 : extra.end == net::End::timeout ? "no byte within " + ctx.human(base_ms)
                                                                   : extra.describe();
    return {};
  }
  ev["peer"] = peer.name();
  ev["echo_bytes"] = echoed;
  ev["extra_after_echo"] = bytes_evidence(extra.bytes);
  std::size_t n = extra.bytes.size();
  return failed("the echo of " + peer.name() + "'s " + format_bytes(echoed) + " was exact, but " +
                (n >= kMaxExtra ? "at least " : "") + std::to_string(n) + (n == 1 ? " extra byte" : " extra bytes") +
                " came after it: '" + escape_preview(extra.bytes, 32) + "'");
}

Step<void> expect_eof(Context& ctx, const std::string& who, const net::Received& got, const std::string& why) {
  auto& ev = ctx.evidence();
  if (got.end == net::End::eof && got.bytes.empty()) return {};
  ev["peer"] = who;
  ev["after_eof_expected"] = bytes_evidence(got.bytes);
  ev["received_end"] = net::end_name(got.end);
  switch (got.end) {
    case net::End::eof:
      return failed(who + " expected the connection to end " + why + ", but " + format_bytes(got.bytes.size()) +
                    " more arrived first");
    case net::End::timeout:
      if (!got.stopped.empty()) ev["proof"] = got.stopped;
      return timed_out(who + " waited for the server to close the connection " + why +
                       ", but it stayed open (the server never called close() on it)" + server_fate(ctx));
    case net::End::reset:
      return failed(who + " expected an orderly close (FIN) " + why + ", but the connection was reset" + server_fate(ctx));
    default:
      return failed(who + " expected the connection to end " + why + ": " + got.describe() + server_fate(ctx));
  }
}

Step<void> expect_sent(Context& ctx, const std::string& who, std::size_t total, const net::Sent& sent) {
  if (sent.end == net::End::complete && sent.bytes == total) return {};
  auto& ev = ctx.evidence();
  ev["peer"] = who;
  ev["sent_bytes"] = sent.bytes;
  ev["to_send_bytes"] = total;
  if (sent.end == net::End::timeout) {
    return timed_out(who + " could send only " + format_bytes(sent.bytes) + " of " + format_bytes(total) +
                     ": the server stopped reading" + server_fate(ctx));
  }
  return failed(who + " could send only " + format_bytes(sent.bytes) + " of " + format_bytes(total) + ": " +
                sent.describe() + server_fate(ctx));
}

bool server_creating_process(Context& ctx) {
  if (ctx.servers().empty() || !ctx.server().status().running()) return false;
  auto calls = net::blocked_syscalls(net::process_tree(ctx.server().pid()));
  return std::any_of(calls.begin(), calls.end(), [](long nr) { return net::call_kind(nr) == net::CallKind::fork; });
}

Step<void> round_trip(Context& ctx, net::Peer& peer, std::string_view msg, int base_ms) {
  auto sent = peer.send(msg, ctx.deadline(base_ms));
  SG_CHECK(expect_sent(ctx, peer.name(), msg.size(), sent));
  auto got = peer.receive(msg.size(), ctx.deadline(base_ms));
  // The worker that is to answer may still be in the making: on a loaded machine the kernel can
  // hold a fork() or pthread_create() for seconds. While the server is seen inside one, that is
  // progress, and the wait goes on (within bounds).
  constexpr int kMoreSeconds = 8;
  for (int extra = 0; extra < kMoreSeconds && got.end == net::End::timeout && got.bytes.size() < msg.size() &&
                      server_creating_process(ctx);
       ++extra) {
    if (extra == 0) ctx.trace().add("harness", "observe", "the server is inside fork()/clone(): waiting on for " + peer.name());
    got.continue_with(peer.receive(msg.size() - got.bytes.size(), ctx.deadline(1000)));
  }
  return expect_echo(ctx, peer.name(), msg, got);
}

Step<void> serve_one_client(Context& ctx, const std::string& who, std::string_view msg, int base_ms) {
  SG_TRY(auto peer, ctx.connect(who));
  SG_CHECK(round_trip(ctx, peer, msg, base_ms));
  peer.close();
  return {};
}

std::string busy_sentence(double cpu_ms, double runnable_ms, double wall_ms) {
  auto percent = [&](double ms) { return std::to_string(static_cast<int>(100 * ms / std::max(wall_ms, 1.0))) + "%"; };
  if (runnable_ms > 2 * cpu_ms) {
    return "was ready to run " + percent(runnable_ms) + " of the time (it got " + percent(cpu_ms) +
           " of a CPU on this loaded machine)";
  }
  return "used " + percent(cpu_ms) + " of a CPU";
}

}  // namespace sockgrade::grading
