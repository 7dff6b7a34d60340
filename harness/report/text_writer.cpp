#include "report/text_writer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/bytes.hpp"
#include "core/strings.hpp"
#include "report/evidence.hpp"
#include "report/view.hpp"

namespace sockgrade::report {
namespace {

class Painter {
 public:
  explicit Painter(bool on) : on_(on) {}
  std::string operator()(const std::string& s, const char* code) const {
    return on_ ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
  }

 private:
  bool on_;
};

std::string num(double x) {
  char buf[32];
  if (std::fabs(x - std::round(x)) < 0.005) std::snprintf(buf, sizeof buf, "%.0f", x);
  else std::snprintf(buf, sizeof buf, "%.2f", x);
  return buf;
}

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string badge(const std::string& status, const Painter& paint) {
  if (status == "passed") return paint("PASS", "32");
  if (status == "failed") return paint("FAIL", "31;1");
  if (status == "timeout") return paint("TIME", "31;1");
  if (status == "error") return paint("ERR ", "35;1");
  return paint("SKIP", "33");
}

// Indents every line of `text` under a label column.
void block(std::ostringstream& out, const std::string& label, const std::string& text) {
  auto lines = split(text, '\n');
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  bool first = true;
  for (const auto& l : lines) {
    out << "    " << pad(first ? label : "", 15) << (first && label.size() >= 15 ? " " : "") << l << "\n";
    first = false;
  }
}

// A student's own output on our terminal: its control characters (escape sequences that
// would recolour or move the cursor) shown as \xNN, lines and tabs kept.
std::string terminal_safe(const std::string& s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string describe_bytes(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("bytes")) return j.dump();
  return format_bytes(j["bytes"].get<uint64_t>()) + "  \"" + j.value("preview", "") + "\"";
}

void render_program(std::ostringstream& out, const nlohmann::json& p, const std::string& label) {
  block(out, label, p.value("status", "?"));
  if (p.contains("stderr_tail") && p["stderr_tail"].is_string() && !p["stderr_tail"].get<std::string>().empty()) {
    block(out, "stderr (tail)", terminal_safe(last_lines(p["stderr_tail"].get<std::string>(), 8)));
  }
}

// By kind (report/evidence.hpp), in the vocabulary's order; a term the terminal shows elsewhere
// (the proof, the seed, the proxy command) is left out here.
void render_evidence(std::ostringstream& out, const nlohmann::json& ev) {
  auto items = evidence_items(ev);
  bool has_programs = std::any_of(items.begin(), items.end(), [](const EvidenceItem& i) { return i.kind == EvidenceKind::programs; });
  for (const auto& item : items) {
    if (!item.in_terminal) continue;
    const auto& v = *item.value;
    switch (item.kind) {
      case EvidenceKind::bytes: block(out, item.label, describe_bytes(v)); break;
      case EvidenceKind::offset: block(out, item.label, "byte " + v.dump()); break;
      case EvidenceKind::program:
        if (!has_programs) render_program(out, v, item.label);  // the list below names it too
        break;
      case EvidenceKind::programs:
        for (const auto& p : v) render_program(out, p, p.value("label", "program"));
        break;
      case EvidenceKind::listening: {
        auto observed = v.value("observed", std::string("?"));
        block(out, item.label, "asked for port " + v.value("requested_port", nlohmann::json(0)).dump() +
                                   (observed == "none" ? ", never listened" : ", listened on " + observed));
        break;
      }
      case EvidenceKind::proof:
        if (v.is_array()) {
          std::vector<std::string> lines;
          for (const auto& p : v) lines.push_back(p.is_string() ? p.get<std::string>() : p.dump());
          block(out, item.label, join(lines, "; "));
          break;
        }
        [[fallthrough]];
      case EvidenceKind::hex:
      case EvidenceKind::value: block(out, item.label, v.is_string() ? v.get<std::string>() : v.dump()); break;
    }
  }
}

void render_trace(std::ostringstream& out, const nlohmann::json& trace, bool verbose) {
  if (!trace.is_array() || trace.empty()) return;
  std::size_t max = verbose ? trace.size() : 24;
  std::size_t start = trace.size() > max ? trace.size() - max : 0;
  out << "    trace\n";
  if (start > 0) out << "      … " << start << " earlier events (use -v or the JSON report)\n";
  for (std::size_t i = start; i < trace.size(); ++i) {
    const auto& e = trace[i];
    char t[32];
    std::snprintf(t, sizeof t, "%9.1f ms", e.value("t_ms", 0.0));
    std::string line = std::string(t) + "  " + pad(e.value("actor", ""), 12) + " " + pad(e.value("event", ""), 15);
    if (e.contains("bytes")) {
      line += format_bytes(e["bytes"].get<uint64_t>());
      if (e.contains("calls")) line += " in " + e["calls"].dump() + " calls";
      line += "  \"" + e.value("preview", "") + "\"";
    }
    if (e.contains("detail")) line += (e.contains("bytes") ? "  " : "") + e["detail"].get<std::string>();
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << "    " << line << "\n";
  }
}

}  // namespace

std::string render_test_details(const TestResult& t, const TextOptions& options) {
  std::ostringstream out;
  block(out, t.status == "error" ? "harness error" : "what happened", t.message);
  if (t.status == "error") {
    block(out, "note", "the harness could not run this check; it says nothing about your program and is not counted");
  }
  // The observation behind the cause the message names, right under it: the instructor defends
  // the verdict with it.
  if (const auto& proof = t.evidence.value("proof", nlohmann::json()); proof.is_string()) {
    block(out, "proof", proof.get<std::string>());
  } else if (proof.is_array()) {
    std::vector<std::string> lines;
    for (const auto& p : proof) lines.push_back(p.is_string() ? p.get<std::string>() : p.dump());
    block(out, "proof", join(lines, "; "));
  }
  render_evidence(out, t.evidence);
  if (!t.hint.empty() && t.status != "error" && t.status != "skipped") block(out, "hint", t.hint);
  render_trace(out, t.trace, options.verbose);
  if (!t.repro.empty()) block(out, "reproduce", t.repro);
  if (t.evidence.contains("proxy_command")) {
    block(out, "by hand", "run your server, then " + t.evidence["proxy_command"].get<std::string>() +
                              " and connect a client (nc 127.0.0.1 9000) to the proxy");
  }
  return out.str();
}

namespace {

// The layers of isolation in force, and those that are not.
void render_isolation(std::ostringstream& out, const nlohmann::json& iso) {
  static const std::pair<const char*, const char*> kLayers[] = {
      {"netns", "network namespace"}, {"pidns", "pid namespace"}, {"fs_view", "read-only view"},
      {"uid_drop", "own uid"},        {"userns", "user namespace"}, {"cgroup", "cgroup"},
      {"seccomp", "seccomp"}};
  std::vector<std::string> on, off;
  for (const auto& [key, name] : kLayers) {
    bool in_force = iso.value(key, false);
    if (in_force) on.push_back(name);
    // A user namespace is only needed (and missed) when the harness is not root.
    else if (std::string(key) != "userns" || !iso.value("uid_drop", false)) off.push_back(name);
  }
  on.push_back("process group + rlimits");
  out << "isolation   " << join(on, ", ");
  if (!off.empty()) out << " · not in force: " << join(off, ", ");
  out << "\n";
}

// The tool, the lab, the submission, the build and the isolation, one line each.
void render_header(std::ostringstream& out, const Report& r, const Painter& paint) {
  out << paint(r.tool_name + " " + r.tool_version, "1") << " · lab " << r.lab;
  if (!r.lab_title.empty()) out << " (" << r.lab_title << ")";
  out << "\n";
  out << "submission  " << r.submission_path << "  (sha256 " << r.submission_sha256.substr(0, 12) << "…, seed "
      << r.seed << ")\n";
  out << "build       " << r.build.status;
  if (!r.build.command.empty()) out << "  " << r.build.command;
  if (r.build.status != "skipped") {
    out << "  (" << num(r.build.duration_ms / 1000.0) << " s, " << r.build.warnings << " warning"
        << (r.build.warnings == 1 ? "" : "s") << ")";
  }
  out << "\n";
  // A build that succeeded may carry a note: the program graded has another name.
  if (r.build.status == "ok" && !r.build.message.empty()) out << "            " << r.build.message << "\n";
  if (r.environment.contains("isolation")) render_isolation(out, r.environment["isolation"]);
  out << "\n";
}

// One line per check shown, its id and title in aligned columns, then the hidden checks' total.
void render_check_list(std::ostringstream& out, const Report& r, const std::vector<const TestResult*>& shown,
                       const Painter& paint) {
  std::size_t width = 0, title_width = 0;
  for (const auto* t : shown) {
    width = std::max(width, t->id.size());
    title_width = std::max(title_width, t->title.size());
  }
  for (const auto* t : shown) {
    out << "  " << badge(t->status, paint) << "  " << pad(t->id, width + 2) << pad(t->title, title_width + 1) << " "
        << test_points(*t) << "\n";
  }
  if (auto hidden = hidden_line(r); !hidden.empty()) out << "  " << hidden << "\n";
}

void render_score_line(std::ostringstream& out, const Report& r, const Painter& paint) {
  int errors = r.count("error");
  out << "\n" << paint("score " + num(r.score) + "/" + num(r.max_score), "1") << " · " << count_visible(r, "passed")
      << " passed · " << count_visible(r, "failed") << " failed · " << count_visible(r, "timeout") << " timed out";
  if (errors) out << " · " << paint(std::to_string(errors) + " harness error" + (errors == 1 ? "" : "s") + " (not counted: score incomplete)", "35;1");
  if (int skipped = count_visible(r, "skipped")) out << " · " << skipped << " skipped";
  out << " · " << num(r.duration_ms / 1000.0) << " s\n";
}

}  // namespace

std::string render_text(const Report& r, const TextOptions& options) {
  Painter paint(options.color);
  std::ostringstream out;
  render_header(out, r, paint);

  if (r.build.status == "failed") {
    out << paint("The build failed", "31;1") << ": " << r.build.message << "\n";
    std::string log = options.verbose ? r.build.log : last_lines(r.build.log, 30);
    if (!log.empty()) block(out, "compiler", log);
    out << "\n";
  }

  // Hidden checks count in the score; a student sees only their total (report/view.hpp).
  auto shown = visible_tests(r);
  render_check_list(out, r, shown, paint);

  for (const auto* t : shown) {
    if (t->status == "passed") continue;
    out << "\n" << paint("── " + t->id + ": " + t->title, "1") << "\n" << render_test_details(*t, options);
  }
  render_score_line(out, r, paint);
  return out.str();
}

}  // namespace sockgrade::report
