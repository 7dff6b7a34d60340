#include "batch/gradebook.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <system_error>

#include "batch/class_stats.hpp"
#include "core/strings.hpp"

namespace sockgrade::batch {
namespace fs = std::filesystem;
using nlohmann::json;
namespace {

// Integers without decimals, others with at most two: stable across runs and locales.
std::string number(double v) {
  char buf[32];
  if (v == static_cast<double>(static_cast<long long>(v))) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", v);
  }
  return buf;
}

// RFC 4180 quoting; a cell a spreadsheet would run as a formula is prefixed with a quote.
std::string csv_cell(std::string s) {
  if (!s.empty() && (s.front() == '=' || s.front() == '+' || s.front() == '-' || s.front() == '@')) s.insert(0, "'");
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

Result<json> read_json_file(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return error_result("cannot read " + p.string());
  try {
    return json::parse(in);
  } catch (const std::exception& e) {
    return error_result(p.string() + ": not JSON (" + e.what() + ")");
  }
}

Row row_from_report(const std::string& id, const json& r) {
  Row row;
  row.id = id;
  row.graded = true;
  row.lab = r.value("lab", "");
  row.lab_title = r.value("lab_title", "");
  row.build = r.at("build").value("status", "");
  row.score = r.at("score").get<double>();
  row.max_score = r.at("max_score").get<double>();
  row.complete = r.value("complete", false);
  std::map<std::string, double> by_category;
  std::vector<std::string> errored;
  for (const auto& t : r.at("tests")) {
    auto cat = t.value("category", "");
    if (!by_category.count(cat)) row.categories.emplace_back(cat, 0.0);
    by_category[cat] += t.value("score", 0.0);
    if (t.value("status", "") != "passed") row.not_passed.push_back(t.value("id", ""));
    if (t.value("status", "") == "error") errored.push_back(t.value("id", ""));
    row.checks.push_back(CheckResult{.id = t.value("id", ""),
                                     .title = t.value("title", ""),
                                     .category = cat,
                                     .status = t.value("status", ""),
                                     .weight = t.value("weight", t.value("max_score", 0.0)),
                                     .hidden = t.value("hidden", false)});
  }
  // An incomplete score says why in the gradebook itself: the instructor re-runs these.
  if (!errored.empty()) row.note = "incomplete: harness error in " + join(errored, ", ") + " (not counted)";
  for (auto& [cat, score] : row.categories) score = by_category[cat];
  return row;
}

}  // namespace

json error_record(const std::string& id, const std::string& kind, const std::string& message) {
  return {{"id", id}, {"kind", kind}, {"message", message}};
}

Result<std::vector<Row>> load_rows(const fs::path& out_dir) {
  std::map<std::string, Row> rows;
  std::error_code ec;
  for (const char* sub : {"reports", "errors"}) {
    fs::path dir = out_dir / sub;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.path().extension() != ".json") continue;  // temporaries of an interrupted write
      std::string id = e.path().stem().string();
      SG_TRY(auto j, read_json_file(e.path()));
      if (std::string(sub) == "reports") {
        try {
          rows[id] = row_from_report(id, j);
        } catch (const std::exception& ex) {
          return error_result(e.path().string() + ": not a sockgrade report (" + ex.what() + ")");
        }
      } else if (!rows.count(id)) {  // a report, when there is one, wins over an old error
        Row row;
        row.id = id;
        row.build = j.value("kind", "harness-error");
        row.note = j.value("message", "");
        rows[id] = row;
      }
    }
  }
  std::vector<Row> out;
  for (auto& [id, row] : rows) out.push_back(std::move(row));
  return out;
}

std::string gradebook_csv(const std::vector<Row>& rows) {
  // Columns: every category seen, in the order of the first report that has it.
  std::vector<std::string> categories;
  for (const auto& r : rows) {
    for (const auto& [cat, _] : r.categories) {
      if (std::find(categories.begin(), categories.end(), cat) == categories.end()) categories.push_back(cat);
    }
  }
  std::string out = "id,score,max_score";
  for (const auto& c : categories) out += "," + csv_cell(c);
  out += ",build,complete,note\n";
  for (const auto& r : rows) {
    out += csv_cell(r.id);
    // Not graded at all (the harness failed): no score rather than a fake zero. A refused
    // archive is the student's doing: zero.
    bool scored = r.graded || r.build == "rejected";
    out += "," + (scored ? number(r.score) : std::string()) + "," + (r.graded ? number(r.max_score) : std::string());
    for (const auto& c : categories) {
      auto it = std::find_if(r.categories.begin(), r.categories.end(), [&](const auto& p) { return p.first == c; });
      out += "," + (it != r.categories.end() ? number(it->second) : std::string());
    }
    out += "," + csv_cell(r.build) + "," + (r.graded ? (r.complete ? "yes" : "no") : "") + "," + csv_cell(r.note) + "\n";
  }
  return out;
}

std::string summary_text(const std::vector<Row>& rows) {
  ClassStats stats = class_stats(rows);
  std::map<std::string, int> failures;
  for (const auto& r : rows) {
    for (const auto& id : r.not_passed) ++failures[id];
  }
  std::string out = std::to_string(rows.size()) + " submissions: " + std::to_string(stats.graded) + " graded (" +
                    std::to_string(stats.build_failed) + " did not build), " + std::to_string(stats.not_graded) +
                    " not graded\n";
  if (stats.graded > 0) {
    out += "score distribution:\n";
    int most = *std::max_element(stats.histogram.begin(), stats.histogram.end());
    for (int b = kScoreBins - 1; b >= 0; --b) {
      char label[32];  // room for any two ints: -O1 checks that, -O2 does not
      if (b == kScoreBins - 1) std::snprintf(label, sizeof label, "    100%%");
      else std::snprintf(label, sizeof label, "%3d-%3d%%", b * 10, b * 10 + 9);
      int n = stats.histogram[static_cast<std::size_t>(b)];
      int width = most > 0 ? (n * 40 + most - 1) / most : 0;
      out += std::string("  ") + label + " " + std::string(static_cast<std::size_t>(width), '#') +
             (n ? " " + std::to_string(n) : "") + "\n";
    }
  }
  if (!failures.empty()) {
    std::vector<std::pair<std::string, int>> sorted(failures.begin(), failures.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    out += "most-failed checks:\n";
    for (std::size_t i = 0; i < sorted.size() && i < 8; ++i) {
      out += "  " + std::to_string(sorted[i].second) + "  " + sorted[i].first + "\n";
    }
  }
  for (const auto& r : rows) {
    if (!r.graded) out += "not graded: " + r.id + " (" + r.build + "): " + r.note + "\n";
    else if (!r.complete) out += "incomplete: " + r.id + ": " + r.note + "\n";
  }
  return out;
}

}  // namespace sockgrade::batch
