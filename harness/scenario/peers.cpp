// Scenario steps on the peers of a server lab: connect (maybe through the fault proxy), send,
// receive and compare, expect quiet, EOF or a reset, close in its three ways.
#include <cstring>
#include <regex>
#include <thread>

#include "scenario/run.hpp"
#include "checks/server_tree.hpp"
#include "core/bytes.hpp"
#include "core/strings.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"

namespace sockgrade::checks {

using lab::Match;
using lab::ScenarioStep;
using lab::StepKind;

namespace {

}  // namespace

// What a receive step got compared with what it expected; the evidence as the built-in
// checks write it (expected, received, where they differ).
Step<void> ScenarioRun::expect_exact(Context& ctx, const std::string& who, const std::string& what, std::string_view expected,
                        std::string_view got) {
  if (got == expected) return {};
  auto& ev = ctx.evidence();
  ev["peer"] = who;
  ev["expected"] = bytes_evidence(expected);
  ev["received"] = bytes_evidence(got);
  auto diff = first_difference(expected, got);
  ev["first_difference"] = diff;
  std::size_t from = diff >= 16 ? diff - 16 : 0;
  ev["expected_hex"] = hex_dump(expected, from, 48);
  ev["received_hex"] = hex_dump(got, from, 48);
  return failed(who + " expected " + what + " and got '" + escape_preview(got, 60) + "': they differ at byte " +
                std::to_string(diff));
}

// The failure of a receive that ended before it had what it waited for.
Unexpected<Outcome> ScenarioRun::stopped_short(Context& ctx, const std::string& who, const std::string& what, const std::string& pending,
                                  const net::Received& end, int within_ms) {
  auto& ev = ctx.evidence();
  ev["peer"] = who;
  ev["received"] = bytes_evidence(pending);
  ev["received_end"] = net::end_name(end.end);
  std::string got = pending.empty() ? "nothing" : "only '" + escape_preview(pending, 60) + "' (" + format_bytes(pending.size()) + ")";
  std::string fate;
  if (!ctx.servers().empty() && !ctx.server().status().running()) fate = "; the program " + ctx.server().fate_sentence();
  switch (end.end) {
    case net::End::timeout:
      if (!end.stopped.empty()) {
        ev["proof"] = end.stopped;
        return timed_out(who + " waited for " + what + " and got " + got + ", and no more will come: " + end.stopped + fate);
      }
      return timed_out(who + " waited for " + what + " and got " + got + ", then nothing for " + ctx.human(within_ms) + fate);
    case net::End::eof:
      return failed(who + " waited for " + what + " and got " + got + " before the program closed the connection" + fate);
    case net::End::reset:
      return failed(who + " waited for " + what + " and got " + got + " before the connection was reset (" +
                    std::strerror(end.err) + ")" + fate);
    default:
      return failed(who + " waited for " + what + " and got " + got + "; reading failed: " + std::strerror(end.err) + fate);
  }
}

Step<ScenarioRun::PeerState*> ScenarioRun::peer(const std::string& name, const ScenarioStep& step) {
  auto it = peers_.find(name);
  if (it == peers_.end() || !it->second.peer) return harness_error(step.path + ": peer '" + name + "' is not connected");
  return &it->second;
}

Step<void> ScenarioRun::connect(const ScenarioStep& step, const std::string& name) {
  SG_TRY(auto* srv, ensure_server());
  net::Peer::Options options;
  options.rcvbuf = step.rcvbuf;
  if (step.refused) {
    auto p = net::Peer::connect(srv->endpoint(), name, ctx_.trace(), ctx_.deadline(step.within_ms), options);
    if (!p) return {};
    return failed(name + " connected to " + srv->endpoint().to_string() + ", which should have been refused");
  }
  PeerState st;
  if (step.faults.empty()) {
    SG_TRY(auto p, ctx_.connect(name, options, step.within_ms));
    st.peer.emplace(std::move(p));
  } else {
    // Peers with the same faults share a proxy; the proxy command is in the evidence.
    auto key = join(step.faults, " ");
    if (!proxies_.count(key)) {
      SG_TRY(auto* proxy, ctx_.start_proxy(step.faults));
      proxies_[key] = proxy;
    }
    auto p = net::Peer::connect(proxies_[key]->endpoint(), name, ctx_.trace(), ctx_.deadline(step.within_ms), options);
    if (!p) return harness_error(name + " could not connect to the fault proxy: " + p.error().message);
    st.peer.emplace(std::move(p).value());
  }
  peers_[name] = std::move(st);
  return {};
}

Step<void> ScenarioRun::send(const ScenarioStep& step, const std::string& name, const Vars& vars) {
  SG_TRY(auto* st, peer(name, step));
  const std::string data = payload(step, vars);
  st->sent += data;
  if (step.piece_bytes == 0 || step.gap_ms == 0) {
    return expect_sent(ctx_, name, data.size(), st->peer->send(data, ctx_.deadline(step.within_ms), step.piece_bytes));
  }
  for (std::size_t at = 0; at < data.size(); at += step.piece_bytes) {
    // Pacing, not synchronisation: pieces that arrive apart are what the step tests.
    if (at > 0) std::this_thread::sleep_for(ctx_.ms(step.gap_ms));
    auto piece = std::string_view(data).substr(at, step.piece_bytes);
    SG_CHECK(expect_sent(ctx_, name, piece.size(), st->peer->send(piece, ctx_.deadline(step.within_ms))));
  }
  return {};
}

net::Received ScenarioRun::fill(PeerState& st, const std::function<bool(const std::string&)>& enough, int within_ms) {
  net::Received end;
  while (!enough(st.pending)) {
    // One byte with the budget as the deadline, then whatever else has arrived: progress, not
    // a total, so a large transfer that keeps moving never runs out of time.
    auto got = st.peer->receive(1, ctx_.deadline(within_ms));
    st.pending += got.bytes;
    st.received += got.bytes.size();
    if (got.end != net::End::complete) return got;
    int more = st.peer->unread();
    if (more <= 0) continue;
    auto rest = st.peer->receive(static_cast<std::size_t>(more), ctx_.deadline(within_ms));
    st.pending += rest.bytes;
    st.received += rest.bytes.size();
    if (rest.end != net::End::complete) return rest;
  }
  return end;
}

std::size_t ScenarioRun::wanted(const ScenarioStep& step, const Expected& want, const std::string& pending) {
  switch (step.match) {
    case Match::exactly:
    case Match::echo_of: return pending.size() >= want.bytes.size() ? want.bytes.size() : std::string::npos;
    case Match::bytes: return pending.size() >= step.count ? step.count : std::string::npos;
    case Match::containing: {
      auto at = pending.find(want.text);
      return at == std::string::npos ? std::string::npos : at + want.text.size();
    }
    default: {
      auto nl = pending.find('\n');
      if (nl != std::string::npos) return nl + 1;
      return pending.size() >= kMaxLine ? kMaxLine : std::string::npos;
    }
  }
}

ScenarioRun::Expected ScenarioRun::expected(const ScenarioStep& step, const std::string& who, const Vars& vars) {
  Expected want;
  want.text = expand(step.text, vars);
  want.from = expand(step.echo_of, vars);
  if (step.match == Match::echo_of) {
    auto& from = peers_[want.from];
    want.bytes = from.sent.substr(std::min(from.sent.size(), peers_[who].consumed_from[want.from]));
  } else if (step.match == Match::exactly || step.match == Match::line) {
    want.bytes = want.text;
  }
  return want;
}

Step<void> ScenarioRun::judge(const ScenarioStep& step, const std::string& who, const Expected& want, const std::string& got) {
  switch (step.match) {
    case Match::echo_of:
      peers_[who].consumed_from[want.from] += want.bytes.size();
      if (want.from == who) return expect_echo(ctx_, who, want.bytes, net::Received{got, net::End::complete, 0, ""});
      return expect_exact(ctx_, who, want.from + "'s " + format_bytes(want.bytes.size()), want.bytes, got);
    case Match::exactly:
    case Match::line: return expect_exact(ctx_, who, "'" + escape_preview(want.bytes, 60) + "'", want.bytes, got);
    case Match::any_line:
      if (!got.empty() && got.back() == '\n') return {};
      return expect_exact(ctx_, who, "a line (ending in \\n) within " + format_bytes(kMaxLine), got + "\n", got);
    case Match::matching:
      if (!got.empty() && got.back() == '\n' && std::regex_search(got, std::regex(want.text, std::regex::ECMAScript))) return {};
      ctx_.evidence()["peer"] = who;
      ctx_.evidence()["received"] = bytes_evidence(got);
      ctx_.evidence()["expected_pattern"] = want.text;
      return failed(who + " expected a line matching /" + want.text + "/ and got '" + escape_preview(got, 80) + "'");
    default: return {};
  }
}

Step<void> ScenarioRun::receive(const ScenarioStep& step, const std::string& name, const Vars& vars) {
  SG_TRY(auto* st, peer(name, step));
  if (!st->reading) return harness_error(step.path + ": peer '" + name + "' stopped reading (resume_reading first)");
  const Expected want = expected(step, name, vars);
  auto end = fill(*st, [&](const std::string& p) { return wanted(step, want, p) != std::string::npos; }, step.within_ms);
  std::size_t n = wanted(step, want, st->pending);
  if (n == std::string::npos) return stopped_short(ctx_, name, expectation(step, vars), st->pending, end, step.within_ms);
  std::string got = st->pending.substr(0, n);
  st->pending.erase(0, n);
  return judge(step, name, want, got);
}

Step<void> ScenarioRun::expect_quiet(const ScenarioStep& step, const std::string& name) {
  SG_TRY(auto* st, peer(name, step));
  std::string extra = st->pending;
  net::Received more;
  if (extra.empty()) {
    more = st->peer->receive(4096, ctx_.deadline(step.within_ms));
    extra = more.bytes;
  }
  auto& ev = ctx_.evidence();
  if (extra.empty()) {
    // The witness's words when it proved the program waits for input; else the window.
    ev["quiet_after_echo"] = more.end == net::End::timeout && !more.stopped.empty()
                                 ? more.stopped
                                 : more.end == net::End::timeout ? "no byte within " + ctx_.human(step.within_ms)
                                                                 : more.describe();
    return {};
  }
  ev["peer"] = name;
  ev["extra_after_echo"] = bytes_evidence(extra);
  return failed("after " + (done_.empty() ? std::string("the start") : done_.back()) + ", nothing more should have come to " +
                name + ", but " + plural(static_cast<int>(extra.size()), "extra byte", "extra bytes") +
                " came after it: '" + escape_preview(extra, 40) + "'");
}

Step<void> ScenarioRun::expect_end(const ScenarioStep& step, const std::string& name) {
  SG_TRY(auto* st, peer(name, step));
  auto got = st->peer->receive_until_eof(ctx_.deadline(step.within_ms));
  got.bytes = step.discarding ? "" : st->pending + got.bytes;
  st->pending.clear();
  const std::string after = "after " + (done_.empty() ? std::string("the start") : done_.back());
  if (step.kind == StepKind::expect_eof) return expect_eof(ctx_, name, got, after);
  if (got.end == net::End::reset) return {};
  ctx_.evidence()["peer"] = name;
  ctx_.evidence()["received_end"] = net::end_name(got.end);
  return failed(name + " expected the program to reset the connection " + after + ", but " + got.describe());
}

Step<void> ScenarioRun::close(const ScenarioStep& step, const std::string& name) {
  if (ctx_.lab().role == "client") {
    // Client labs: "close": "stdin" (the validator allows no other).
    if (!session_) return harness_error(step.path + ": the client is not started");
    session_->client().close_stdin();
    return {};
  }
  SG_TRY(auto* st, peer(name, step));
  switch (step.kind) {
    case StepKind::half_close: st->peer->half_close(); break;
    case StepKind::reset: st->peer->reset(); break;
    case StepKind::close: st->peer->close(); break;
    case StepKind::stop_reading: st->reading = false; break;
    default: st->reading = true; break;
  }
  return {};
}

}  // namespace sockgrade::checks
