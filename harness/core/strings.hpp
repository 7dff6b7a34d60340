// Small string helpers shared by the CLI, the lab loader and the views.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sockgrade {

std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
bool starts_with(std::string_view s, std::string_view prefix);
std::string trim(std::string_view s);
// Shell-style glob (*, ?, [..]) as fnmatch(3) without flags.
bool glob_match(std::string_view pattern, std::string_view text);
// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);
// `s` with every occurrence of `from` (not empty) replaced by `to`, left to right.
std::string replace_all(std::string_view s, std::string_view from, std::string_view to);
// The last `max_lines` lines of `text` (for stderr tails).
std::string last_lines(std::string_view text, std::size_t max_lines);
// Quote an argument for a POSIX shell only when needed, for copy-pasteable commands.
std::string shell_quote(std::string_view arg);

}  // namespace sockgrade
