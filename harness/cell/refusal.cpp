#include "cell/refusal.hpp"

#include <cerrno>
#include <cstring>

namespace sockgrade::cell {

std::optional<Refusal> find_refusal(std::string_view text) {
  // The texts as this libc prints them (perror, strerror, err()).
  static const std::pair<int, const char*> kRefusals[] = {{EACCES, "EACCES"}, {EPERM, "EPERM"}, {EROFS, "EROFS"}};
  std::optional<Refusal> found;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    for (const auto& [code, name] : kRefusals) {
      if (line.find(std::strerror(code)) != std::string_view::npos) {
        found = Refusal{std::string(line.substr(0, 200)), name};
        break;
      }
    }
    start = end + 1;
  }
  return found;
}

std::string refusal_clause(const Refusal& r, bool sandboxed) {
  std::string quoted = "its stderr: \"" + r.line + "\", " + r.errno_name;
  if (!sandboxed) return "the system refused one of its calls (" + quoted + ")";
  return "the sandbox refused one of its calls (" + quoted +
         "): the program runs as an unprivileged user and can write only /tmp and its working directory";
}

}  // namespace sockgrade::cell
