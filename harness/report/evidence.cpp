#include "report/evidence.hpp"

#include <algorithm>

namespace sockgrade::report {

namespace {

using K = EvidenceKind;

// Leading terms first, in the order a student reads them; then the rest, alphabetically (the
// order views show them in).
const std::vector<EvidenceTerm> kVocabulary = {
    {"sent", "sent", K::bytes, true, true, "what the harness's peer sent"},
    {"expected", "expected", K::bytes, true, true, "what the peer should have got back"},
    {"received", "received", K::bytes, true, true, "what the peer got"},
    {"expected_stdout", "expected stdout", K::bytes, true, true, "what a client should have printed"},
    {"printed", "printed", K::bytes, true, true, "what a client printed on stdout"},
    {"received_end", "received end", K::value, true, false, "how the peer's last read ended (eof, reset, timeout)"},
    {"first_difference", "differs at", K::offset, true, true, "the first byte where the two differ"},
    {"expected_hex", "expected (hex)", K::hex, true, true, "the expected bytes around the first difference"},
    {"received_hex", "received (hex)", K::hex, true, true, "the bytes got (or printed) around the first difference"},
    {"program", "program", K::program, true, true, "how the program (the last one started) ended"},
    {"programs", "programs", K::programs, true, true, "how each program of the check ended"},
    {"listening", "listening", K::listening, true, true, "the port the server was asked for, and where it listened"},
    {"sanitizer_report", "sanitizer report", K::value, true, true, "the first sanitizer report: tool, kind, the student's lines, each stack trimmed to the student's frames, the check being replayed"},
    {"proof", "proof", K::proof, false, false, "the observation behind the cause the message names"},

    {"accept_queue", "accept queue", K::value, false, true, "connections not yet accepted"},
    {"after_clients_left", "after clients left", K::value, false, true, "the server's processes and threads once its clients left"},
    {"after_eof_expected", "after eof expected", K::bytes, false, true, "bytes that came where the connection should have ended"},
    {"asked_path", "asked path", K::value, false, true, "the UNIX socket path the server was given"},
    {"asked_port", "asked port", K::value, false, true, "the port the client was given"},
    {"burst_connected", "burst connected", K::value, false, true, "clients of the burst that connected"},
    {"busy", "busy", K::value, false, true, "how busy the program was (CPU, time ready to run)"},
    {"cgroup", "cgroup", K::value, false, true, "the cell's cgroup counters and limits"},
    {"client_blocked_in_write", "client blocked in write", K::value, false, true, "whether the client was seen blocked in write()"},
    {"client_half_closed", "client half closed", K::value, false, true, "whether the client sent FIN"},
    {"clients_connected_in_last_round", "clients connected in last round", K::value, false, true, "clients that connected before the accept queue overflowed"},
    {"clients_served", "clients served", K::value, false, true, "clients served before the first that was not"},
    {"clients_served_exactly", "clients served exactly", K::value, false, true, "clients that got exactly their own bytes back"},
    {"connect_attempts", "connect attempts", K::value, false, true, "the TCP counters that prove a connect attempt"},
    {"connected_on_port", "connected on port", K::value, false, true, "the port the client connected to"},
    {"cpu_share_idle_after_client", "cpu share idle after client", K::value, false, true, "share of a CPU used while idle after a client"},
    {"cpu_share_idle_before_clients", "cpu share idle before clients", K::value, false, true, "share of a CPU used while idle before any client"},
    {"crosstalk", "crosstalk", K::value, false, true, "clients that got bytes other than their own"},
    {"datagrams_sent", "datagrams sent", K::value, false, true, "datagrams the harness sent"},
    {"deadline_missed", "deadline missed", K::value, false, true, "what timed out while the program was starved (not charged)"},
    {"default_port_unavailable", "default port unavailable", K::value, false, true, "why the contract's default port could not be listened on"},
    {"discovered_port", "discovered port", K::value, false, true, "the port the client tried where nothing listened"},
    {"discovered_port_proof", "discovered port proof", K::value, false, true, "the SYN that showed it"},
    {"echo_bytes", "echo bytes", K::value, false, true, "the size of the exact echo"},
    {"echoed_bytes", "echoed bytes", K::value, false, true, "bytes echoed before the stream ended"},
    {"executable", "executable", K::value, false, true, "the executable graded"},
    {"expected_executable", "expected executable", K::value, false, true, "the executable name the lab asks for"},
    {"expected_pattern", "expected pattern", K::value, false, true, "the regular expression a received line had to match"},
    {"extra_after_echo", "extra after echo", K::bytes, false, true, "bytes that came after an exact echo"},
    {"fault_seed", "fault seed", K::value, false, true, "the seed of the proxy's faults"},
    {"faults", "faults", K::value, false, true, "the faults the proxy injected"},
    {"fds_after", "fds after", K::value, false, true, "descriptors open after the clients"},
    {"fds_before", "fds before", K::value, false, true, "descriptors open before the clients"},
    {"leaks", "leaks", K::value, false, true, "LeakSanitizer's leaks at the server's exit: bytes, objects, allocation site"},
    {"listen_backlog", "listen backlog", K::value, false, true, "the backlog the server passed to listen()"},
    {"listen_drops", "listen drops", K::value, false, true, "TcpExtListenDrops during the check"},
    {"listen_overflows", "listen overflows", K::value, false, true, "TcpExtListenOverflows during the check"},
    {"listening_at", "listening at", K::value, false, true, "every address (or path) the server listened at"},
    {"looks_with_full_send_queue", "looks with full send queue", K::value, false, true, "samples that saw the send queue full"},
    {"observed", "observed", K::value, false, true, "the processes and threads seen"},
    {"parent_fds", "parent fds", K::value, false, true, "descriptors of the server's first process"},
    {"parent_fds_after", "parent fds after", K::value, false, true, "descriptors of the first process after the clients"},
    {"parent_fds_before", "parent fds before", K::value, false, true, "descriptors of the first process before the clients"},
    {"peer", "peer", K::value, false, false, "the peer the bytes above belong to"},
    {"program_expected", "program expected", K::value, false, true, "how a scenario expected the program to be (alive, exited with a status)"},
    {"proxy_command", "proxy command", K::value, false, false, "the proxy command that reproduces the faults by hand"},
    {"quiet_after_echo", "quiet after echo", K::value, false, true, "the proof that nothing more came after the echo"},
    {"requested_port", "requested port", K::value, false, true, "the port the server was asked to listen on"},
    {"required_backlog", "required backlog", K::value, false, true, "the backlog the lab requires"},
    {"retried_after_harness_error", "retried after harness error", K::value, false, true, "the harness error of the first run of this check"},
    {"replayed", "replayed", K::value, false, true, "the lab's checks replayed against the instrumented build"},
    {"round", "round", K::value, false, true, "the round in which the check ended"},
    {"rounds_judged", "rounds judged", K::value, false, true, "rounds whose clients were judged"},
    {"rss_kib_after", "rss kib after", K::value, false, true, "resident memory after the second batch"},
    {"rss_kib_after_first_batch", "rss kib after first batch", K::value, false, true, "resident memory after the first batch"},
    {"runnable_share_idle_after_client", "runnable share idle after client", K::value, false, true, "share of time ready to run while idle after a client"},
    {"runnable_share_idle_before_clients", "runnable share idle before clients", K::value, false, true, "share of time ready to run while idle before any client"},
    {"running_while_full", "running while full", K::value, false, true, "samples that saw the server running with its send queue full"},
    {"sanitizer_log", "sanitizer log", K::value, false, false, "the sanitizer's report as it wrote it (its log file, not the program's stderr)"},
    {"sanitizer_options", "sanitizer options", K::value, false, false, "the sanitizer's options in the instrumented program's environment"},
    {"scenario_before", "scenario before", K::value, false, true, "the steps of the scenario that held before the one that failed (the last ones)"},
    {"scenario_step", "scenario step", K::value, false, true, "the step of the lab's scenario that failed: where it is written and what it does"},
    {"seed", "seed", K::value, false, false, "the seed of the check's payloads and schedule"},
    {"send_buffer_cap", "send buffer cap", K::value, false, true, "how the server's send buffer was capped"},
    {"sent_bytes", "sent bytes", K::value, false, true, "bytes the peer could send"},
    {"server_blocked_in_write_at_reset", "server blocked in write at reset", K::value, false, true, "whether the server was blocked in write() at the reset"},
    {"server_cpu_ms", "server cpu ms", K::value, false, true, "CPU the server used in the window"},
    {"server_cpu_ms_after_reset", "server cpu ms after reset", K::value, false, true, "CPU the server used after the reset"},
    {"server_queued_echo_bytes", "server queued echo bytes", K::value, false, true, "echo bytes queued in the server's socket"},
    {"server_received_bytes", "server received bytes", K::value, false, true, "bytes the harness's server received from the client"},
    {"server_runnable_ms", "server runnable ms", K::value, false, true, "time the server was ready to run in the window"},
    {"server_runnable_ms_after_reset", "server runnable ms after reset", K::value, false, true, "time the server was ready to run after the reset"},
    {"server_sent_bytes", "server sent bytes", K::value, false, true, "bytes the harness's server sent to the client"},
    {"server_state_at_reset", "server state at reset", K::value, false, true, "the TCP state of the server's socket at the reset"},
    {"server_tasks_waiting_in", "server tasks waiting in", K::value, false, true, "the calls the server's tasks were blocked in"},
    {"server_tree", "server tree", K::value, false, true, "the server's processes and threads"},
    {"server_unread_bytes", "server unread bytes", K::value, false, true, "bytes waiting unread in the server's socket"},
    {"server_unread_bytes_at_reset", "server unread bytes at reset", K::value, false, true, "bytes unread in the server's socket at the reset"},
    {"shim", "shim", K::value, false, true, "the preload shim's faults"},
    {"short", "short", K::value, false, true, "clients that got only part of their echo"},
    {"short_writes", "short writes", K::value, false, true, "writes the shim cut short"},
    {"starved", "starved", K::value, false, true, "the proof a loaded machine kept the program off the CPUs"},
    {"stderr_first_line", "stderr first line", K::value, false, true, "the first line the program wrote on stderr"},
    {"stdin_closed", "stdin closed", K::value, false, true, "whether the client's stdin was closed"},
    {"stdin_fed_bytes", "stdin fed bytes", K::value, false, true, "bytes written to the client's stdin"},
    {"stdout_block_buffered", "stdout block buffered", K::proof, false, true, "the proof stdout was block-buffered"},
    {"stdout_bytes", "stdout bytes", K::value, false, true, "bytes the client printed"},
    {"stream_bytes", "stream bytes", K::value, false, true, "the size of the stream"},
    {"syn_watch_unavailable", "syn watch unavailable", K::value, false, true, "why SYNs could not be watched"},
    {"tcp_wmem_max", "tcp wmem max", K::value, false, true, "the cap of the server's send buffer (0: none)"},
    {"tcp_wmem_max_source", "tcp wmem max source", K::value, false, true, "where that cap comes from"},
    {"thread_stacks_after", "thread stacks after", K::value, false, true, "thread stacks mapped after the second batch"},
    {"thread_stacks_after_first_batch", "thread stacks after first batch", K::value, false, true, "thread stacks mapped after the first batch"},
    {"threads_at_start", "threads at start", K::value, false, true, "the server's threads before any client"},
    {"time_wait_port", "time wait port", K::value, false, true, "the port left in TIME_WAIT"},
    {"to_send_bytes", "to send bytes", K::value, false, true, "bytes the peer had to send"},
    {"unix_path_unresolved", "unix path unresolved", K::value, false, true, "why a relative UNIX socket path could not be resolved"},
    {"unread_by_program", "unread by program", K::value, false, true, "bytes a peer sent that the program had not read"},
    {"unserved", "unserved", K::value, false, true, "clients that got nothing back"},
    {"unserved_after_listen_overflow", "unserved after listen overflow", K::value, false, true, "clients unserved after the accept queue overflowed (not judged)"},
    {"waiting_while_full", "waiting while full", K::value, false, true, "samples that saw the server blocked with its send queue full"},
    {"wall_ms", "wall ms", K::value, false, true, "the window's length"},
    {"wall_ms_after_reset", "wall ms after reset", K::value, false, true, "the window after the reset"},
};

bool is_count(const nlohmann::json& v) { return v.is_number_integer() && v.get<int64_t>() >= 0; }

bool is_bytes_value(const nlohmann::json& v) {
  return v.is_object() && v.contains("bytes") && v.contains("preview") && is_count(v["bytes"]) && v["preview"].is_string();
}

// A value of the wrong shape (a report of another version) is shown as recorded, not by its kind.
EvidenceKind shown_kind(EvidenceKind kind, const nlohmann::json& value) {
  return evidence_shape_error(kind, value).empty() ? kind : EvidenceKind::value;
}

}  // namespace

const std::vector<EvidenceTerm>& evidence_vocabulary() { return kVocabulary; }

const EvidenceTerm* evidence_term(std::string_view key) {
  for (const auto& t : kVocabulary) {
    if (t.key == key) return &t;
  }
  return nullptr;
}

std::vector<EvidenceItem> evidence_items(const nlohmann::json& evidence) {
  std::vector<EvidenceItem> leading, rest, unknown;
  if (!evidence.is_object()) return {};
  for (const auto& term : kVocabulary) {
    if (!term.leads || !evidence.contains(term.key)) continue;
    const auto& value = evidence[std::string(term.key)];
    leading.push_back({std::string(term.key), std::string(term.label), shown_kind(term.kind, value), term.in_terminal, &value});
  }
  for (const auto& [key, value] : evidence.items()) {  // key order
    const auto* term = evidence_term(key);
    if (term && term->leads) continue;
    if (term) rest.push_back({key, std::string(term->label), shown_kind(term->kind, value), term->in_terminal, &value});
    else unknown.push_back({key, key, is_bytes_value(value) ? EvidenceKind::bytes : EvidenceKind::value, true, &value});
  }
  leading.insert(leading.end(), rest.begin(), rest.end());
  leading.insert(leading.end(), unknown.begin(), unknown.end());
  return leading;
}

std::string evidence_shape_error(EvidenceKind kind, const nlohmann::json& v) {
  switch (kind) {
    case EvidenceKind::bytes:
      return is_bytes_value(v) ? "" : "not {\"bytes\": N, \"preview\": \"…\"}";
    case EvidenceKind::offset:
      return is_count(v) ? "" : "not a byte offset";
    case EvidenceKind::hex:
    case EvidenceKind::proof:
      if (v.is_string()) return "";
      if (kind == EvidenceKind::proof && v.is_array() &&
          std::all_of(v.begin(), v.end(), [](const nlohmann::json& p) { return p.is_string(); })) {
        return "";
      }
      return kind == EvidenceKind::hex ? "not a hex dump (text)" : "not a sentence or a list of sentences";
    case EvidenceKind::program:
      return v.is_object() && v.contains("status") ? "" : "not a program ({\"status\": …})";
    case EvidenceKind::programs:
      if (v.is_array() && std::all_of(v.begin(), v.end(), [](const nlohmann::json& p) { return p.is_object() && p.contains("status"); })) {
        return "";
      }
      return "not a list of programs";
    case EvidenceKind::listening:
      return v.is_object() && v.contains("requested_port") && v.contains("observed") ? ""
                                                                                    : "not {\"requested_port\", \"observed\"}";
    case EvidenceKind::value:
      return "";
  }
  return "";
}

std::vector<std::string> evidence_problems(const nlohmann::json& evidence) {
  std::vector<std::string> out;
  if (!evidence.is_object()) return {"evidence is not an object"};
  for (const auto& [key, value] : evidence.items()) {
    const auto* term = evidence_term(key);
    if (!term) {
      out.push_back("evidence key \"" + key + "\" is not in the vocabulary (harness/report/evidence.cpp)");
    } else if (auto e = evidence_shape_error(term->kind, value); !e.empty()) {
      out.push_back("evidence \"" + key + "\" is " + e);
    }
  }
  return out;
}

}  // namespace sockgrade::report
