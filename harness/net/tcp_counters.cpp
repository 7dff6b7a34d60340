#include "net/tcp_counters.hpp"

#include <cctype>
#include <sstream>
#include <vector>

#include "net/observe.hpp"

namespace sockgrade::net {
namespace {

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

std::optional<int64_t> TcpCounters::get(const std::string& key) const {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

int64_t TcpCounters::since(const TcpCounters& before, const std::string& key) const {
  auto now = get(key);
  auto then = before.get(key);
  if (!now || !then) return 0;
  return *now - *then;
}

void parse_snmp_table(std::string_view text, TcpCounters& into) {
  std::vector<std::string> names;  // the header line waiting for its values
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    auto w = words(line);
    if (w.empty() || w[0].empty() || w[0].back() != ':') {
      names.clear();
      continue;
    }
    bool header = w.size() > 1 && !w[1].empty() && (std::isalpha(static_cast<unsigned char>(w[1][0])) != 0);
    if (header) {
      names = std::move(w);
      continue;
    }
    if (names.empty() || names[0] != w[0] || names.size() != w.size()) {
      names.clear();
      continue;
    }
    std::string group = w[0].substr(0, w[0].size() - 1);
    for (std::size_t i = 1; i < w.size(); ++i) {
      try {
        into.values[group + "." + names[i]] = std::stoll(w[i]);
      } catch (const std::exception&) {
        // not a number: that counter is left out
      }
    }
    names.clear();
  }
}

std::optional<TcpCounters> read_tcp_counters() {
  TcpCounters c;
  bool any = false;
  for (const char* path : {"/proc/self/net/snmp", "/proc/self/net/netstat"}) {
    if (auto text = read_proc_file(path)) {
      parse_snmp_table(*text, c);
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return c;
}

}  // namespace sockgrade::net
