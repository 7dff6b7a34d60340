#include "report/model.hpp"

#include <cmath>
#include <map>

namespace sockgrade::report {

double round2(double x) { return std::round(x * 100.0) / 100.0; }

bool Report::complete() const { return count("error") == 0; }

void settle(TestResult& t) {
  t.max_score = t.status == "error" ? 0 : t.weight;
  t.score = t.status == "passed" ? t.weight : 0;
}

void total(Report& r) {
  r.score = 0;
  r.max_score = 0;
  for (const auto& t : r.tests) {
    r.score += t.score;
    r.max_score += t.max_score;
  }
}

int Report::count(const std::string& status) const {
  int n = 0;
  for (const auto& t : tests) n += t.status == status;
  return n;
}

nlohmann::json to_json(const Report& r) {
  using nlohmann::json;
  json tests = json::array();
  std::map<std::string, std::pair<double, double>> categories;
  for (const auto& t : r.tests) {
    json j = {{"id", t.id},
              {"title", t.title},
              {"category", t.category},
              {"status", t.status},
              {"score", round2(t.score)},
              {"max_score", round2(t.max_score)},
              {"weight", round2(t.weight)},
              {"duration_ms", std::round(t.duration_ms)},
              {"message", t.message},
              {"hint", t.hint},
              {"hidden", t.hidden}};
    if (!t.requirement.empty()) j["requirement"] = t.requirement;
    // Evidence always (an instructor defends a pass with it too); the trace for failures.
    j["evidence"] = t.evidence;
    if (!t.repro.empty()) j["repro"] = t.repro;
    if (t.status != "passed" || !t.trace.empty()) j["trace"] = t.trace;
    tests.push_back(std::move(j));
    auto& c = categories[t.category];
    c.first += t.score;
    c.second += t.max_score;
  }
  json cats = json::object();
  for (const auto& [name, s] : categories) cats[name] = {{"score", round2(s.first)}, {"max_score", round2(s.second)}};
  return {{"schema", r.schema},
          {"tool", {{"name", r.tool_name}, {"version", r.tool_version}}},
          {"lab", r.lab},
          {"lab_title", r.lab_title},
          {"submission", {{"id", r.submission_id}, {"path", r.submission_path}, {"sha256", r.submission_sha256},
                          {"kind", r.submission_kind}}},
          {"started_at", r.started_at},
          {"duration_ms", std::round(r.duration_ms)},
          {"seed", r.seed},
          {"environment", r.environment},
          {"build", {{"status", r.build.status}, {"command", r.build.command}, {"log", r.build.log},
                     {"warnings", r.build.warnings}, {"duration_ms", std::round(r.build.duration_ms)},
                     {"message", r.build.message}}},
          {"score", round2(r.score)},
          {"max_score", round2(r.max_score)},
          {"complete", r.complete()},
          {"summary", {{"passed", r.count("passed")}, {"failed", r.count("failed")}, {"timeout", r.count("timeout")},
                       {"error", r.count("error")}, {"skipped", r.count("skipped")}}},
          {"categories", cats},
          {"tests", tests}};
}

Report report_from_json(const nlohmann::json& j) {
  Report r;
  r.schema = j.at("schema").get<std::string>();
  r.tool_name = j.at("tool").at("name").get<std::string>();
  r.tool_version = j.at("tool").at("version").get<std::string>();
  r.lab = j.at("lab").get<std::string>();
  r.lab_title = j.value("lab_title", "");
  const auto& s = j.at("submission");
  r.submission_id = s.at("id").get<std::string>();
  r.submission_path = s.at("path").get<std::string>();
  r.submission_sha256 = s.at("sha256").get<std::string>();
  r.submission_kind = s.value("kind", "sources");
  r.started_at = j.at("started_at").get<std::string>();
  r.duration_ms = j.at("duration_ms").get<double>();
  r.seed = j.at("seed").get<uint64_t>();
  r.environment = j.at("environment");
  const auto& b = j.at("build");
  r.build.status = b.at("status").get<std::string>();
  r.build.command = b.value("command", "");
  r.build.log = b.value("log", "");
  r.build.warnings = b.value("warnings", 0);
  r.build.duration_ms = b.value("duration_ms", 0.0);
  r.build.message = b.value("message", "");
  r.score = j.at("score").get<double>();
  r.max_score = j.at("max_score").get<double>();
  for (const auto& t : j.at("tests")) {
    TestResult x;
    x.id = t.at("id").get<std::string>();
    x.title = t.at("title").get<std::string>();
    x.category = t.at("category").get<std::string>();
    x.status = t.at("status").get<std::string>();
    x.score = t.at("score").get<double>();
    x.max_score = t.at("max_score").get<double>();
    x.weight = t.value("weight", x.max_score);  // reports before the weight was written
    x.duration_ms = t.at("duration_ms").get<double>();
    x.message = t.at("message").get<std::string>();
    x.hint = t.value("hint", "");
    x.requirement = t.value("requirement", "");
    x.hidden = t.value("hidden", false);
    x.repro = t.value("repro", "");
    if (t.contains("evidence")) x.evidence = t.at("evidence");
    if (t.contains("trace")) x.trace = t.at("trace");
    r.tests.push_back(std::move(x));
  }
  return r;
}

}  // namespace sockgrade::report
