// One HTML page per submission that a student can open offline: no script, no external
// resource (styles inline), every text escaped. The page shows the score, the visible checks,
// the hidden total, and for each check that did not pass its message, its evidence (bytes as
// escaped text and as hex), its hint, the command that reproduces it, and its event trace
// drawn as a sequence diagram in inline SVG (with the same events as a table below it).
// Nothing is collapsed or hidden by CSS: a failure's evidence is on the page as printed.
#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "core/bytes.hpp"
#include "core/strings.hpp"
#include "report/evidence.hpp"
#include "report/formats.hpp"
#include "report/view.hpp"

namespace sockgrade::report {
namespace {

using nlohmann::json;

std::string esc(std::string_view s) { return xml_escape(s); }

std::string css_status(const std::string& status) {
  static const std::string kKnown[] = {"passed", "failed", "timeout", "error", "skipped"};
  for (const auto& k : kKnown) {
    if (k == status) return k;
  }
  return "unknown";
}

std::string badge(const std::string& status) {
  return "<span class=\"badge " + css_status(status) + "\">" + esc(status_words(status)) + "</span>";
}

std::string ms_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  return buf;
}

// At most `max` characters of UTF-8 text (never cutting a character), with "…" when cut.
std::string clip(const std::string& s, std::size_t max) {
  std::string safe = xml_safe_text(s);
  std::size_t chars = 0, i = 0;
  while (i < safe.size()) {
    if (chars == max) return safe.substr(0, i) + "…";
    auto c = static_cast<unsigned char>(safe[i]);
    i += c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    ++chars;
  }
  return safe;
}

std::string label_of(const std::string& key) {
  std::string out = key;
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

// ---- evidence ----------------------------------------------------------------------------

bool is_bytes(const json& v) {
  return v.is_object() && v.contains("bytes") && v.contains("preview") && v["bytes"].is_number_integer() &&
         v["bytes"].get<int64_t>() >= 0 && v["preview"].is_string();
}

// {"bytes": N, "preview": "..."}: the size, the escaped text and a hex dump of what the
// preview holds.
std::string bytes_html(const json& v) {
  bool truncated = false;
  std::string raw = unescape_preview(v["preview"].get<std::string>(), &truncated);
  std::ostringstream out;
  out << "<div class=\"size\">" << esc(format_bytes(v["bytes"].get<uint64_t>()));
  if (truncated) out << " (the first " << raw.size() << " shown)";
  out << "</div>";
  if (raw.empty()) {
    out << "<div class=\"none\">(nothing)</div>";
    return out.str();
  }
  out << "<div class=\"as\">as text</div><pre class=\"escaped\">" << esc(v["preview"].get<std::string>()) << "</pre>";
  out << "<div class=\"as\">as hex</div><pre class=\"hex\">" << esc(hex_dump(raw, 0, raw.size())) << "</pre>";
  return out.str();
}

std::string value_html(const std::string& key, const json& v, int depth);

// A record inside the evidence (a program, the cgroup's counters), in key order.
std::string table_html(const json& obj, int depth) {
  std::ostringstream out;
  out << "<table class=\"evidence\">";
  for (const auto& [key, value] : obj.items()) {
    out << "<tr><th>" << esc(label_of(key)) << "</th><td>" << value_html(key, value, depth + 1) << "</td></tr>";
  }
  out << "</table>";
  return out.str();
}

// The evidence itself, by kind and in the vocabulary's order (report/evidence.hpp).
std::string evidence_html(const json& ev) {
  std::ostringstream out;
  out << "<table class=\"evidence\">";
  for (const auto& item : evidence_items(ev)) {
    const json& v = *item.value;
    std::string cell;
    switch (item.kind) {
      case EvidenceKind::bytes: cell = is_bytes(v) ? bytes_html(v) : value_html(item.key, v, 1); break;
      case EvidenceKind::hex: cell = v.is_string() ? "<pre>" + esc(v.get<std::string>()) + "</pre>" : value_html(item.key, v, 1); break;
      default: cell = value_html(item.key, v, 1); break;
    }
    out << "<tr><th>" << esc(item.label) << "</th><td>" << cell << "</td></tr>";
  }
  out << "</table>";
  return out.str();
}

std::string value_html(const std::string& key, const json& v, int depth) {
  if (is_bytes(v)) return bytes_html(v);
  if (v.is_object() && !v.empty() && depth < 4) return table_html(v, depth);
  if (v.is_array() && !v.empty() && depth < 4) {
    std::ostringstream out;
    out << "<ul class=\"list\">";
    for (const auto& item : v) out << "<li>" << value_html(key, item, depth + 1) << "</li>";
    out << "</ul>";
    return out.str();
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty()) return "<span class=\"none\">(empty)</span>";
    bool block = s.find('\n') != std::string::npos || key.find("tail") != std::string::npos ||
                 key.find("command") != std::string::npos;
    return block ? "<pre>" + esc(s) + "</pre>" : esc(s);
  }
  return "<code>" + esc(v.dump(-1, ' ', false, json::error_handler_t::replace)) + "</code>";
}

// ---- the event trace as a sequence diagram -----------------------------------------------

bool is_peer_action(const std::string& e) {
  return e == "connect" || e == "send" || e == "half-close" || e == "reset" || e == "close";
}
bool is_peer_reception(const std::string& e) { return e == "recv" || e == "eof" || e == "reset-received"; }
// Notes that tell of something going wrong, drawn in red.
bool is_alert(const std::string& e) {
  return e == "exit" || e == "timeout" || e == "kill" || e == "not-listening" || e == "connect-failed" ||
         e == "send-failed";
}
bool is_program_event(const std::string& e) {
  return e == "start" || e == "listen" || e == "exit" || e == "not-listening";
}

std::string event_text(const json& e) {
  std::string text = e.value("event", "");
  if (e.contains("bytes") && e["bytes"].is_number()) {
    text += " " + format_bytes(e["bytes"].get<uint64_t>());
    if (e.contains("calls")) text += " in " + e["calls"].dump() + " calls";
    if (e.contains("preview")) text += " \"" + e.value("preview", "") + "\"";
  }
  if (e.contains("detail") && e["detail"].is_string()) text += ": " + e["detail"].get<std::string>();
  return text;
}

// The diagram's geometry in px: left margin (the time column), lifelines' spacing, first row, row height.
constexpr int kLeft = 90, kGap = 250, kTop = 46, kRow = 30;

// The program: the actor that starts, listens or exits ("program" when none does).
std::string program_actor(const json& trace) {
  std::string program;
  for (const auto& e : trace) {
    std::string actor = e.value("actor", "");
    if (program.empty() && is_program_event(e.value("event", ""))) program = actor;
  }
  if (program.empty()) program = "program";
  return program;
}

// The program, then the other actors in order of appearance.
std::vector<std::string> actors_of(const json& trace, const std::string& program) {
  std::vector<std::string> actors;
  actors.push_back(program);
  for (const auto& e : trace) {
    std::string actor = e.value("actor", "");
    if (!actor.empty() && std::find(actors.begin(), actors.end(), actor) == actors.end()) actors.push_back(actor);
  }
  return actors;
}

void draw_lifelines(std::ostream& out, const std::vector<std::string>& actors, const std::map<std::string, int>& x,
                    const std::string& program, int height) {
  for (const auto& a : actors) {
    int ax = x.at(a);
    out << "<rect class=\"actor" << (a == program ? " program" : "") << "\" x=\"" << ax - 55
        << "\" y=\"6\" width=\"110\" height=\"24\" rx=\"4\"/>";
    out << "<text class=\"actor-name\" x=\"" << ax << "\" y=\"22\" text-anchor=\"middle\">" << esc(clip(a, 16))
        << "</text>";
    out << "<line class=\"lifeline\" x1=\"" << ax << "\" y1=\"30\" x2=\"" << ax << "\" y2=\"" << height - 8 << "\"/>";
  }
}

// A message between a peer and the program, labelled with as much of `full` as fits the span.
void draw_arrow(std::ostream& out, int from, int to, int y, const std::string& event, const std::string& full) {
  std::string kind = event == "reset" || event == "reset-received" ? "reset"
                     : event == "eof" || event == "half-close" || event == "close" ? "end"
                                                                                   : "data";
  int dir = to > from ? 1 : -1;
  out << "<line class=\"msg " << kind << "\" x1=\"" << from << "\" y1=\"" << y << "\" x2=\"" << to - dir * 2
      << "\" y2=\"" << y << "\"/>";
  out << "<polygon class=\"head " << kind << "\" points=\"" << to << "," << y << " " << to - dir * 9 << ","
      << y - 4 << " " << to - dir * 9 << "," << y + 4 << "\"/>";
  int mid = (from + to) / 2;
  int span_chars = std::max(12, std::abs(to - from) / 7);
  out << "<text class=\"label\" x=\"" << mid << "\" y=\"" << y - 5 << "\" text-anchor=\"middle\">"
      << esc(clip(full, static_cast<std::size_t>(span_chars))) << "</text>";
}

// A note on the actor's own lifeline: its start, exit, a timeout, what the harness saw.
void draw_note(std::ostream& out, int ax, int y, const std::string& event, const std::string& full) {
  // 11 px monospace is about 6.7 px a character; a note stays within its lifeline's column.
  std::string text = clip(full, 33);
  int chars = 0;
  for (unsigned char c : text) chars += (c & 0xc0) != 0x80;
  int w = std::min(kGap - 16, 14 + chars * 67 / 10);
  out << "<rect class=\"note " << (is_alert(event) ? "alert" : "plain")
      << "\" x=\"" << ax - w / 2 << "\" y=\"" << y - 11 << "\" width=\"" << w << "\" height=\"18\" rx=\"3\"/>";
  out << "<text class=\"note-text\" x=\"" << ax << "\" y=\"" << y + 2 << "\" text-anchor=\"middle\">" << esc(text)
      << "</text>";
}

// One event at height y: an arrow when a peer acts or receives, else a note.
void draw_event(std::ostream& out, const json& e, int y, const std::string& program,
                const std::map<std::string, int>& x) {
  std::string actor = e.value("actor", "");
  std::string event = e.value("event", "");
  std::string full = event_text(e);
  out << "<g><title>" << esc(ms_text(e.value("t_ms", 0.0)) + "  " + actor + " " + full) << "</title>";
  out << "<text class=\"time\" x=\"6\" y=\"" << y + 4 << "\">" << esc(ms_text(e.value("t_ms", 0.0))) << "</text>";
  bool arrow = actor != program && x.count(actor) && (is_peer_action(event) || is_peer_reception(event));
  if (arrow) {
    int from = is_peer_action(event) ? x.at(actor) : x.at(program);
    int to = is_peer_action(event) ? x.at(program) : x.at(actor);
    draw_arrow(out, from, to, y, event, full);
  } else {
    draw_note(out, x.count(actor) ? x.at(actor) : x.at(program), y, event, full);
  }
  out << "</g>";
}

std::string sequence_svg(const json& trace) {
  // Lifelines: the program (the actor that starts, listens or exits), then the others in
  // order of appearance. Peers' actions point at the program; what they receive comes from it.
  std::string program = program_actor(trace);
  std::vector<std::string> actors = actors_of(trace, program);
  std::map<std::string, int> x;
  // Lifelines kGap apart, the first one far enough from the time column for a full note.
  for (std::size_t i = 0; i < actors.size(); ++i) x[actors[i]] = kLeft + kGap / 2 + static_cast<int>(i) * kGap;
  int width = kLeft + static_cast<int>(actors.size()) * kGap;
  int height = kTop + static_cast<int>(trace.size()) * kRow + 20;

  std::ostringstream out;
  out << "<svg class=\"sequence\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << " " << height << "\" role=\"img\" aria-label=\"event trace as a sequence diagram\">";
  draw_lifelines(out, actors, x, program, height);
  int y = kTop;
  for (const auto& e : trace) {
    draw_event(out, e, y, program, x);
    y += kRow;
  }
  out << "</svg>";
  return out.str();
}

std::string trace_table(const json& trace) {
  std::ostringstream out;
  out << "<table class=\"trace\"><thead><tr><th>time</th><th>actor</th><th>event</th></tr></thead><tbody>";
  for (const auto& e : trace) {
    out << "<tr><td class=\"num\">" << esc(ms_text(e.value("t_ms", 0.0))) << "</td><td>" << esc(e.value("actor", ""))
        << "</td><td>" << esc(event_text(e)) << "</td></tr>";
  }
  out << "</tbody></table>";
  return out.str();
}

// ---- the page ----------------------------------------------------------------------------

const char* kStyle = R"(
:root { --pass: #1a7f37; --fail: #cf222e; --time: #bc4c00; --err: #8250df; --skip: #6e7781; --ink: #1f2328; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 4px; } h1 .lab-title { font-weight: normal; color: #57606a; font-size: .7em; }
h2 { font-size: 1.2em; margin: 0 0 8px; } h3 { font-size: 1em; margin: 16px 0 6px; }
.score { font-size: 1.4em; margin: 8px 0; } .score strong { font-size: 1.3em; }
.summary, .meta, .hidden-note, footer { color: #57606a; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 12px 0; }
.meta dt { font-weight: 600; } .meta dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; } th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
table.checks { width: 100%; } td.num, th.num { text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff; font-size: .85em; font-weight: 600; white-space: nowrap; }
.badge.passed { background: var(--pass); } .badge.failed { background: var(--fail); } .badge.timeout { background: var(--time); }
.badge.error { background: var(--err); } .badge.skipped, .badge.unknown { background: var(--skip); }
section.check { border: 1px solid var(--line); border-left: 6px solid var(--fail); border-radius: 6px; padding: 12px 16px; margin: 20px 0; }
section.check.timeout { border-left-color: var(--time); } section.check.error { border-left-color: var(--err); }
section.check.skipped { border-left-color: var(--skip); }
.message { font-weight: 600; } .requirement { font-style: italic; }
.hint { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 8px 12px; }
.note-error { background: #fbefff; border: 1px solid var(--err); border-radius: 6px; padding: 8px 12px; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 4px; padding: 6px 8px; margin: 2px 0 6px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
code { font: 13px ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
table.evidence th { white-space: nowrap; color: #57606a; font-weight: 600; }
.as { font-size: .8em; color: #57606a; } .size { font-weight: 600; } .none { color: #57606a; font-style: italic; }
ul.list { margin: 0; padding-left: 18px; }
.diagram { overflow-x: auto; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
svg.sequence { font: 11px ui-monospace, "DejaVu Sans Mono", monospace; }
svg .actor { fill: #ddf4ff; stroke: #54aeff; } svg .actor.program { fill: #fff8c5; stroke: #d4a72c; } svg .actor-name { font-weight: 700; fill: var(--ink); }
svg .lifeline { stroke: #8c959f; stroke-dasharray: 4 3; } svg .time { fill: #57606a; }
svg .msg { stroke: #0969da; stroke-width: 1.5; } svg .head { fill: #0969da; }
svg .msg.end { stroke-dasharray: 6 3; } svg .msg.reset { stroke: var(--fail); } svg .head.reset { fill: var(--fail); }
svg .label { fill: var(--ink); paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; } svg .note { fill: #f6f8fa; stroke: #8c959f; } svg .note.alert { fill: #ffebe9; stroke: var(--fail); }
svg .note-text { fill: var(--ink); }
table.trace td { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; padding: 1px 8px; }
footer { margin-top: 32px; font-size: .85em; }
@media print { .diagram { overflow: visible; } }
)";

void check_section(std::ostringstream& out, const TestResult& t) {
  std::string status = css_status(t.status);
  out << "<section class=\"check " << status << "\" id=\"check-" << esc(t.id) << "\">\n";
  out << "<h2>" << badge(t.status) << " <code>" << esc(t.id) << "</code> " << esc(t.title) << " <span class=\"points\">("
      << esc(t.status == "error" ? test_points(t) : points_of(t.score, t.max_score)) << ")</span></h2>\n";
  out << "<p class=\"message\">" << esc(t.message) << "</p>\n";
  if (t.status == "error") {
    out << "<p class=\"note-error\">The harness could not run this check: it says nothing about your program, it "
           "is left out of the score, and the score stays incomplete until it is re-run.</p>\n";
  }
  if (!t.requirement.empty()) out << "<p class=\"requirement\">Requirement: " << esc(t.requirement) << "</p>\n";
  if (t.evidence.is_object() && !t.evidence.empty()) {
    out << "<h3>Evidence</h3>\n" << evidence_html(t.evidence) << "\n";
  }
  if (!t.hint.empty() && t.status != "error" && t.status != "skipped") {
    out << "<p class=\"hint\"><strong>Hint:</strong> " << esc(t.hint) << "</p>\n";
  }
  if (t.trace.is_array() && !t.trace.empty()) {
    out << "<h3>Event trace</h3>\n<div class=\"diagram\">" << sequence_svg(t.trace) << "</div>\n"
        << trace_table(t.trace) << "\n";
  }
  if (!t.repro.empty()) {
    out << "<h3>Reproduce</h3>\n<pre class=\"repro\">" << esc(t.repro) << "</pre>\n";
  }
  out << "</section>\n";
}

}  // namespace

std::string render_html(const Report& r) {
  std::ostringstream out;
  std::string score = format_points(r.score) + "/" + format_points(r.max_score);
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>" << esc(r.lab + " · " + r.submission_id + " · " + score) << "</title>\n"
      << "<style>" << kStyle << "</style>\n</head>\n<body>\n";

  out << "<header>\n<h1>" << esc(r.lab);
  if (!r.lab_title.empty()) out << " <span class=\"lab-title\">" << esc(r.lab_title) << "</span>";
  out << "</h1>\n";
  out << "<p class=\"score\" id=\"score\">Score <strong>" << esc(score) << "</strong> points</p>\n";
  out << "<p class=\"summary\">" << esc(summary_line(r)) << "</p>\n";
  out << "<dl class=\"meta\">\n";
  auto meta = [&](const std::string& k, const std::string& v) { out << "<dt>" << esc(k) << "</dt><dd>" << esc(v) << "</dd>\n"; };
  meta("submission", r.submission_path);
  meta("sha256", r.submission_sha256);
  meta("seed", std::to_string(r.seed));
  meta("build", r.build.status + (r.build.command.empty() ? "" : ": " + r.build.command));
  meta("graded", r.started_at + ", " + format_points(r.duration_ms / 1000.0) + " s, " + r.tool_name + " " + r.tool_version);
  if (r.environment.contains("isolation") && r.environment["isolation"].is_object()) {
    std::vector<std::string> on, off;
    for (const auto& [k, v] : r.environment["isolation"].items()) {
      if (v.is_boolean()) (v.get<bool>() ? on : off).push_back(k);
    }
    meta("isolation", "in force: " + join(on, ", ") + (off.empty() ? "" : " · not available: " + join(off, ", ")));
  }
  out << "</dl>\n</header>\n<main>\n";

  if (r.build.status == "failed") {
    out << "<section class=\"check failed\" id=\"build\">\n<h2>" << badge("failed") << " The build failed</h2>\n"
        << "<p class=\"message\">" << esc(r.build.message) << "</p>\n<pre>" << esc(r.build.command) << "\n"
        << esc(last_lines(r.build.log, 60)) << "</pre>\n"
        << "<p>No check ran: each counts as failed until the program builds.</p>\n</section>\n";
  }

  auto shown = visible_tests(r);
  out << "<section id=\"checks\">\n<h2>Checks</h2>\n";
  out << "<table class=\"checks\"><thead><tr><th>status</th><th>check</th><th>title</th><th class=\"num\">points</th></tr></thead><tbody>\n";
  for (const auto* t : shown) {
    std::string id = esc(t->id);
    out << "<tr class=\"" << css_status(t->status) << "\"><td>" << badge(t->status) << "</td><td>";
    if (t->status == "passed" || r.build.status == "failed") out << "<code>" << id << "</code>";
    else out << "<a href=\"#check-" << id << "\"><code>" << id << "</code></a>";
    out << "</td><td>" << esc(t->title) << "</td><td class=\"num\">" << esc(test_points(*t)) << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
  if (auto hidden = hidden_line(r); !hidden.empty()) {
    out << "<p class=\"hidden-note\">" << esc(hidden) << " (counted in the score, not shown)</p>\n";
  }
  out << "</section>\n";

  // After a failed build no check ran: the build section says why, once, not once a check.
  for (const auto* t : shown) {
    if (t->status != "passed" && r.build.status != "failed") check_section(out, *t);
  }
  out << "</main>\n<footer>" << esc(r.tool_name + " " + r.tool_version + " · " + r.schema + " · lab " + r.lab)
      << "</footer>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace sockgrade::report
