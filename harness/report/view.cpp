#include "report/view.hpp"

#include <cmath>
#include <cstdio>

#include "core/strings.hpp"

namespace sockgrade::report {

std::vector<const TestResult*> visible_tests(const Report& r) {
  std::vector<const TestResult*> out;
  for (const auto& t : r.tests) {
    if (!t.hidden) out.push_back(&t);
  }
  return out;
}

int count_visible(const Report& r, const std::string& status) {
  int n = 0;
  for (const auto& t : r.tests) n += !t.hidden && t.status == status;
  return n;
}

HiddenTotal hidden_total(const Report& r) {
  HiddenTotal h;
  for (const auto& t : r.tests) {
    if (!t.hidden) continue;
    ++h.count;
    h.score += t.score;
    h.max_score += t.max_score;
  }
  return h;
}

std::string hidden_line(const Report& r) {
  auto h = hidden_total(r);
  if (h.count == 0) return {};
  return std::to_string(h.count) + " hidden check" + (h.count == 1 ? "" : "s") + ": " + points_of(h.score, h.max_score);
}

std::string format_points(double x) {
  char buf[32];
  double rounded = std::round(x * 100.0) / 100.0;
  if (std::fabs(rounded - std::round(rounded)) < 0.005) {
    std::snprintf(buf, sizeof buf, "%.0f", rounded);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", rounded);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    return s;
  }
  return buf;
}

std::string points_of(double score, double max_score) {
  return format_points(score) + "/" + format_points(max_score) + " points";
}

std::string test_points(const TestResult& t) {
  if (t.status == "error") return "not counted";
  return format_points(t.score) + "/" + format_points(t.max_score);
}

std::string summary_line(const Report& r) {
  std::string out = "score " + format_points(r.score) + "/" + format_points(r.max_score);
  out += " · " + std::to_string(count_visible(r, "passed")) + " passed";
  out += " · " + std::to_string(count_visible(r, "failed")) + " failed";
  out += " · " + std::to_string(count_visible(r, "timeout")) + " timed out";
  if (int n = count_visible(r, "skipped")) out += " · " + std::to_string(n) + " skipped";
  // Errors count hidden checks too: an incomplete score must never look final.
  if (int n = r.count("error")) {
    out += " · " + std::to_string(n) + " harness error" + (n == 1 ? "" : "s") + " (not counted: score incomplete)";
  }
  return out;
}

std::string summary_text(const Report& r) {
  std::string out = r.tool_name + " " + r.tool_version + " · lab " + r.lab;
  if (!r.lab_title.empty()) out += " (" + r.lab_title + ")";
  out += "\nbuild " + r.build.status;
  if (!r.build.command.empty()) out += ": " + r.build.command;
  out += "\n" + summary_line(r) + "\n";
  if (auto hidden = hidden_line(r); !hidden.empty()) out += hidden + " (counted in the score, not shown)\n";
  if (r.build.status == "failed") {
    out += "\nThe build failed: " + r.build.message + "\n" + last_lines(r.build.log, 30);
    if (!out.empty() && out.back() != '\n') out += "\n";
  }
  if (r.build.status == "error") out += "\nThe harness could not build the submission: " + r.build.message + "\n";
  if (r.count("error") > 0) {
    out += "\nA harness error means the grader could not run a check; it says nothing about your program and is "
           "left out of the score. The score is incomplete until your instructor re-runs it.\n";
  }
  return out;
}

std::string status_words(const std::string& status) {
  if (status == "passed") return "passed";
  if (status == "failed") return "FAILED";
  if (status == "timeout") return "timed out";
  if (status == "error") return "harness error";
  if (status == "skipped") return "skipped";
  return status;
}

std::string unescape_preview(std::string_view preview, bool* truncated) {
  // escape_preview escapes every byte outside printable ASCII, so a literal "…" can only be
  // the start of its truncation marker.
  auto cut = preview.find("\xe2\x80\xa6 (+");
  if (truncated) *truncated = cut != std::string_view::npos;
  if (cut != std::string_view::npos) preview = preview.substr(0, cut);
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < preview.size(); ++i) {
    char c = preview[i];
    if (c != '\\' || i + 1 >= preview.size()) {
      out += c;
      continue;
    }
    char e = preview[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case '\\': out += '\\'; break;
      case 'x':
        if (i + 2 < preview.size() && hex(preview[i + 1]) >= 0 && hex(preview[i + 2]) >= 0) {
          out += static_cast<char>(hex(preview[i + 1]) * 16 + hex(preview[i + 2]));
          i += 2;
          break;
        }
        [[fallthrough]];
      default:
        out += '\\';
        out += e;
    }
  }
  return out;
}

std::string xml_safe_text(std::string_view s) {
  static const char kReplacement[] = "\xef\xbf\xbd";
  std::string out;
  out.reserve(s.size());
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
    return i < s.size() && byte(i) >= lo && byte(i) <= hi;
  };
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = byte(i);
    std::size_t len = 0;
    if (c < 0x80) {
      if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      len = cont(i + 1) ? 2 : 0;
    } else if (c >= 0xe0 && c <= 0xef) {
      unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;  // no overlongs, no surrogates
      len = cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
      // U+FFFE and U+FFFF are not characters in XML.
      if (len == 3 && c == 0xef && byte(i + 1) == 0xbf && byte(i + 2) >= 0xbe) {
        i += 3;
        continue;
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
      len = cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    }
    if (len == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string safe = xml_safe_text(s);
  std::string out;
  out.reserve(safe.size());
  for (char c : safe) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace sockgrade::report
