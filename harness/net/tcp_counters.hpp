// The TCP counters of the calling process's network namespace (BRIEF §9): /proc/net/snmp
// ("Tcp: ActiveOpens AttemptFails …") and /proc/net/netstat ("TcpExt: ListenOverflows …").
// Inside a cell's private namespace only the cell's programs move them, so a difference between
// two reads proves what happened there (a connect attempt, SYNs dropped by a full backlog).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sockgrade::net {

// Counters by "Group.Name" ("Tcp.ActiveOpens", "TcpExt.ListenOverflows").
struct TcpCounters {
  std::map<std::string, int64_t> values;
  // The counter, or nullopt when this kernel does not have it.
  std::optional<int64_t> get(const std::string& key) const;
  // How much `key` grew since `before` (0 when either read lacks it).
  int64_t since(const TcpCounters& before, const std::string& key) const;
};

// Parses the "Group: Name Name…" / "Group: 1 2…" line pairs of /proc/net/snmp and
// /proc/net/netstat into `into` (lines that do not pair up are skipped).
void parse_snmp_table(std::string_view text, TcpCounters& into);

// Reads both files for the calling process's namespace; nullopt when neither is readable.
std::optional<TcpCounters> read_tcp_counters();

}  // namespace sockgrade::net
