#include "grading/merge_parts.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "core/strings.hpp"

namespace sockgrade::grading {
namespace {

// How much one part's outcome says against its check, least first.
enum class Severity { passed, skipped, error, timeout, failed };

Severity severity(const cell::CellOutcome& o) {
  if (!o.ok) return Severity::error;  // the cell could not run
  static const std::map<std::string, Severity> by_status = {{"passed", Severity::passed},
                                                            {"skipped", Severity::skipped},
                                                            {"error", Severity::error},
                                                            {"timeout", Severity::timeout},
                                                            {"failed", Severity::failed}};
  auto it = by_status.find(o.result.value("status", "error"));
  return it == by_status.end() ? Severity::error : it->second;
}

}  // namespace

cell::CellOutcome merge_parts(const std::vector<cell::CellOutcome>& parts) {
  if (parts.size() == 1) return parts[0];
  const auto& worst = *std::ranges::max_element(parts, {}, severity);  // the first of the worst
  if (severity(worst) >= Severity::error) return worst;
  std::vector<const cell::CellOutcome*> passed;
  for (const auto& p : parts) {
    if (severity(p) == Severity::passed) passed.push_back(&p);
  }
  if (passed.empty()) return worst;  // every part skipped
  // A part left with nothing to do passes without a message: it adds nothing to the text, and
  // the evidence comes from the first part that did the work.
  auto says = [](const cell::CellOutcome* p) { return !p->result.value("message", "").empty(); };
  auto first_saying = std::ranges::find_if(passed, says);
  cell::CellOutcome all = **(first_saying == passed.end() ? passed.begin() : first_saying);
  std::vector<std::string> messages;
  for (const auto* p : passed) {
    if (says(p)) messages.push_back(p->result.value("message", ""));
    all.duration_ms = std::max(all.duration_ms, p->duration_ms);
    all.result["duration_ms"] = std::max(all.result.value("duration_ms", 0.0), p->result.value("duration_ms", 0.0));
  }
  all.result["message"] = join(messages, "; ");
  return all;
}

}  // namespace sockgrade::grading
