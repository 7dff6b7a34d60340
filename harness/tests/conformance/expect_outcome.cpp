// Grades one fixture with the CLI and compares the report with the fixture's expect.json:
// the build status, the exit code, the score, and the status of every check (checks not
// listed must pass, or have the status "others" names); every report must also be valid against
// reports/schema. Optional keys: "messages" {check id, or "*" for every check that did not pass:
// text its message must contain}, "report_contains" [text found anywhere in the report's JSON,
// e.g. its evidence], "no_leftovers" (no process of the
// sandbox's uids may outlive the run, read from the host's process table), "then_reference"
// (the reference solution graded right after must get full marks), "requires" [isolation layers
// the outcome rests on: without one the test is skipped, exit 77]. With --repeat, the outcomes of
// the runs (score, exit code, the checks that did not pass) must also be the same every time: a
// fixture whose outcome varied is named with each variant. Exits 0 when everything matches, 1
// with the differences otherwise.
//
//   expect_outcome SOCKGRADE REPO_ROOT FIXTURE_DIR [--repeat N] [-- extra sockgrade args]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// What must be the same on every run of one fixture: score, exit code, and each check that did
// not pass with its status ("score 90 exit 1 partial-io.eintr=timeout ...").
std::string outcome_signature(const json& report, int code) {
  if (report.is_null()) return "no report, exit " + std::to_string(code);
  std::vector<std::string> parts;
  for (const auto& t : report.value("tests", json::array())) {
    if (t.value("status", "") != "passed") parts.push_back(t.value("id", "?") + "=" + t.value("status", "?"));
  }
  std::sort(parts.begin(), parts.end());
  std::string sig = "score " + report.value("score", json(0)).dump() + " exit " + std::to_string(code);
  for (const auto& p : parts) sig += " " + p;
  return sig;
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return json::parse(in);
}

// Processes of the sandbox uids a harness with pid `harness` hands out (cell/identity.cpp),
// still alive: "pid uid cmdline" each.
std::vector<std::string> leftovers(pid_t harness) {
  const uid_t base = (1u << 20) + static_cast<uid_t>(harness % 4096) * 4096;
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(e.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("Uid:", 0) != 0) continue;
      uid_t uid = static_cast<uid_t>(std::stoul(line.substr(4)));
      if (uid >= base && uid < base + 4096) {
        std::ifstream cmd(e.path() / "cmdline");
        std::string cmdline((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
        for (auto& c : cmdline) c = c == '\0' ? ' ' : c;
        out.push_back(name + " uid " + std::to_string(uid) + ": " + cmdline);
      }
      break;
    }
  }
  return out;
}

pid_t last_child = 0;

// Runs the CLI; returns its exit code (or 128+signal).
int run(const std::vector<std::string>& argv) {
  pid_t pid = ::fork();
  last_child = pid;
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    // The terminal view is not what we compare; keep the log short.
    std::freopen("/dev/null", "w", stdout);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

// Every schema violation of `report`, one a line.
std::vector<std::string> schema_errors(const valijson::Schema& schema, const json& report) {
  std::vector<std::string> out;
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(report);
  if (validator.validate(schema, target, &results)) return out;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) {
    std::string where;
    for (const auto& part : e.context) where += part;
    out.push_back("schema: " + where + ": " + e.description);
  }
  return out;
}

// The evidence of a check whose outcome differs, shortened: enough to tell a flaky check from a
// wrong fixture in a CI log that is all there is afterwards.
std::string evidence_line(const json& test) {
  std::string text = test.contains("evidence") ? test["evidence"].dump() : "{}";
  constexpr std::size_t kMax = 1500;
  if (text.size() > kMax) text = text.substr(0, kMax) + "… (" + std::to_string(text.size()) + " chars)";
  return "    evidence: " + text;
}

std::vector<std::string> compare(const json& expect, const json& report, int exit_code) {
  std::vector<std::string> diffs;
  int want_exit = expect.value("exit_code", 0);
  if (exit_code != want_exit) diffs.push_back("exit code " + std::to_string(exit_code) + ", expected " + std::to_string(want_exit));
  if (report.is_null()) {
    diffs.push_back("no report was written");
    return diffs;
  }
  auto want_build = expect.value("build", std::string("ok"));
  if (report["build"]["status"] != want_build) {
    diffs.push_back("build " + report["build"]["status"].get<std::string>() + ", expected " + want_build);
  }
  if (expect.contains("score") && report["score"].get<double>() != expect["score"].get<double>()) {
    diffs.push_back("score " + report["score"].dump() + ", expected " + expect["score"].dump());
  }
  json want_tests = expect.value("tests", json::object());
  for (const auto& t : report["tests"]) {
    auto id = t["id"].get<std::string>();
    auto want = want_tests.contains(id) ? want_tests[id].get<std::string>() : expect.value("others", std::string("passed"));
    if (t["status"] != want) {
      diffs.push_back(id + ": " + t["status"].get<std::string>() + ", expected " + want + " — " +
                      t["message"].get<std::string>());
      diffs.push_back(evidence_line(t));
    }
  }
  for (const auto& [id, _] : want_tests.items()) {
    bool found = false;
    for (const auto& t : report["tests"]) found = found || t["id"] == id;
    if (!found) diffs.push_back(id + ": listed in expect.json but not in the report");
  }
  const json messages = expect.contains("messages") ? expect["messages"] : json::object();
  for (const auto& [id, text] : messages.items()) {
    for (const auto& t : report["tests"]) {
      bool applies = t["id"] == id || (id == "*" && t["status"] != "passed");
      if (applies && t["message"].get<std::string>().find(text.get<std::string>()) == std::string::npos) {
        diffs.push_back(t["id"].get<std::string>() + ": message lacks \"" + text.get<std::string>() + "\": " + t["message"].get<std::string>());
        diffs.push_back(evidence_line(t));
      }
    }
  }
  const std::string whole = report.dump();
  for (const auto& text : expect.value("report_contains", json::array())) {
    if (whole.find(text.get<std::string>()) == std::string::npos) {
      diffs.push_back("the report lacks \"" + text.get<std::string>() + "\"");
    }
  }
  return diffs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: expect_outcome SOCKGRADE REPO_ROOT FIXTURE_DIR [--repeat N] [-- args]\n";
    return 2;
  }
  std::string sockgrade = argv[1];
  fs::path root = argv[2];
  fs::path fixture = argv[3];
  int repeat = 1;
  std::vector<std::string> extra;
  for (int i = 4; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--repeat" && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
    } else if (a == "--") {
      for (++i; i < argc; ++i) extra.push_back(argv[i]);
    }
  }
  try {
    json expect = read_json(fixture / "expect.json");
    json schema_doc = read_json(root / "reports" / "schema" / "report.schema.json");
    valijson::Schema schema;
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_doc);
    parser.populateSchema(schema_adapter, schema);
    fs::path submission = expect.contains("submission") ? root / expect["submission"].get<std::string>() : fixture;
    std::string lab = expect.at("lab").get<std::string>();
    fs::path out = fs::temp_directory_path() / ("expect-" + std::to_string(::getpid()) + ".json");
    int failures = 0;
    std::map<std::string, int> variants;  // outcome signature -> runs
    for (int round = 1; round <= repeat; ++round) {
      fs::remove(out);
      std::vector<std::string> args = {sockgrade, "test", lab, submission.string(), "--json", out.string(), "--color", "never"};
      args.insert(args.end(), extra.begin(), extra.end());
      int code = run(args);
      json report = fs::exists(out) ? read_json(out) : json();
      // A fixture whose outcome rests on a layer this machine lacks is skipped, and says so.
      for (const auto& layer : expect.value("requires", json::array())) {
        if (!report.is_null() && !report["environment"]["isolation"].value(layer.get<std::string>(), false)) {
          std::cout << fixture.filename().string() << ": skipped, needs the isolation layer " << layer << "\n";
          fs::remove(out);
          return 77;
        }
      }
      ++variants[outcome_signature(report, code)];
      auto diffs = compare(expect, report, code);
      if (!report.is_null()) {
        for (auto& e : schema_errors(schema, report)) diffs.push_back(std::move(e));
      }
      if (expect.value("no_leftovers", false)) {
        for (auto& p : leftovers(last_child)) diffs.push_back("left behind: " + p);
      }
      if (expect.value("then_reference", false)) {
        fs::remove(out);
        std::vector<std::string> ref = {sockgrade, "test", lab, (root / "reference" / lab).string(), "--json", out.string(),
                                        "--color", "never"};
        ref.insert(ref.end(), extra.begin(), extra.end());
        int ref_code = run(ref);
        json ref_report = fs::exists(out) ? read_json(out) : json();
        if (ref_code != 0 || ref_report.is_null() || ref_report["score"] != ref_report["max_score"]) {
          diffs.push_back("the reference graded right after did not get full marks (exit " + std::to_string(ref_code) +
                          (ref_report.is_null() ? ")" : ", score " + ref_report["score"].dump() + ")"));
        }
      }
      if (!diffs.empty()) {
        ++failures;
        std::cout << fixture.filename().string() << " run " << round << "/" << repeat << ": MISMATCH\n";
        for (const auto& d : diffs) std::cout << "  " << d << "\n";
      }
    }
    fs::remove(out);
    std::cout << fixture.filename().string() << ": " << (repeat - failures) << "/" << repeat << " runs as expected\n";
    if (variants.size() > 1) {
      std::cout << fixture.filename().string() << ": VARIED over " << repeat << " runs:\n";
      for (const auto& [sig, n] : variants) std::cout << "  " << n << "x " << sig << "\n";
      return 1;
    }
    return failures == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "expect_outcome: " << e.what() << "\n";
    return 2;
  }
}
