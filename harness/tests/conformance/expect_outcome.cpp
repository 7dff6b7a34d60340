// Grades one fixture with the CLI and compares the report with the fixture's expect.json
// (conformance/expectation.hpp reads it): the build status, the exit code, the status of every
// check (checks not listed in "tests" must pass, or have the status "others" names), and the score
// and max_score, computed from the lab's weights and those statuses — expect.json never holds a
// score. Every report must also be valid against reports/schema. Optional keys: "submission" (a
// directory under the repository root graded instead of the fixture's own, e.g. a reference
// solution handed in for another lab), "messages" {check id, or "*" for every check that did not
// pass and has no entry of its own: text its message must contain}, "report_contains" [text found anywhere in the report's
// JSON, e.g. its evidence], "no_leftovers" (no process of the sandbox's uids may outlive the run,
// read from the host's process table), "then_reference" (the reference solution graded right
// after must get full marks), "requires" [isolation layers the outcome rests on: without one the
// test is skipped, exit 77]. With --repeat, the outcomes of the runs (score, exit code, the checks
// that did not pass) must also be the same every time: a fixture whose outcome varied is named
// with each variant. Exits 0 when everything matches, 1 with the differences otherwise, 2 when
// expect.json or the lab cannot be read. --print-expected grades nothing: it prints the outcome
// expect.json asks for (score, and each check that must not pass).
//
//   expect_outcome SOCKGRADE REPO_ROOT FIXTURE_DIR [--repeat N | --print-expected] [-- extra sockgrade args]
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

#include "conformance/expectation.hpp"
#include "lab/lab_loader.hpp"
#include "report/evidence.hpp"
#include "report/view.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using sockgrade::conformance::ExpectedScore;

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
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(p.string() + ": " + e.what());
  }
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

std::vector<std::string> compare(const json& expect, const ExpectedScore& want_score, const json& report,
                                 int exit_code) {
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
  const double score = report["score"].get<double>(), max_score = report["max_score"].get<double>();
  if (score != want_score.score || max_score != want_score.max_score) {
    using sockgrade::report::format_points;
    diffs.push_back("score " + format_points(score) + "/" + format_points(max_score) + ", expected " +
                    format_points(want_score.score) + "/" + format_points(want_score.max_score) +
                    " (the lab's weights with the expected statuses)");
  }
  for (const auto& t : report["tests"]) {
    auto id = t["id"].get<std::string>();
    auto want = sockgrade::conformance::expected_status(expect, id);
    if (t["status"] != want) {
      diffs.push_back(id + ": " + t["status"].get<std::string>() + ", expected " + want + " — " +
                      t["message"].get<std::string>());
      diffs.push_back(evidence_line(t));
    }
  }
  // Every evidence key is a term of the vocabulary, with a value of its kind: what the views
  // render generically (report/evidence.hpp).
  for (const auto& t : report["tests"]) {
    for (const auto& problem : sockgrade::report::evidence_problems(t.value("evidence", json::object()))) {
      diffs.push_back(t["id"].get<std::string>() + ": " + problem);
    }
  }
  const json want_tests = expect.value("tests", json::object());
  for (const auto& [id, _] : want_tests.items()) {
    bool found = false;
    for (const auto& t : report["tests"]) found = found || t["id"] == id;
    if (!found) diffs.push_back(id + ": listed in expect.json but not in the report");
  }
  const json messages = expect.contains("messages") ? expect["messages"] : json::object();
  for (const auto& [id, text] : messages.items()) {
    for (const auto& t : report["tests"]) {
      // "*" is the default for every check that did not pass; a check's own entry replaces it.
      bool applies = t["id"] == id || (id == "*" && t["status"] != "passed" && !messages.contains(t["id"].get<std::string>()));
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

// A fixture as expect_outcome needs it: expect.json, validated against its lab, and what to grade.
struct Fixture {
  fs::path dir;
  json expect;
  sockgrade::lab::LabSpec lab;
  fs::path submission;  // the fixture's directory, or the "submission" it points at
  ExpectedScore score;
  std::string lab_arg = {};  // the lab as sockgrade test is given it
};

// The lab is loaded as the CLI loads it (lab/lab_loader, "extends" included), so that the weights
// the score is computed from are the ones the grading uses. Throws a one-line message.
Fixture load_fixture(const fs::path& root, const fs::path& dir) {
  Fixture f{.dir = dir, .expect = read_json(dir / "expect.json"), .lab = {}, .submission = dir, .score = {}};
  const std::string name = f.expect.value("lab", std::string());
  // A lab file of the repository outside labs/ ("labs/examples/uppercase.json") is named by its
  // path from the repository root; a bundled lab by its name.
  f.lab_arg = name.size() > 5 && name.substr(name.size() - 5) == ".json" ? (root / name).string() : name;
  auto path = sockgrade::lab::resolve_lab(f.lab_arg);
  if (!path) throw std::runtime_error((dir / "expect.json").string() + ": lab: " + path.error().message);
  auto lab = sockgrade::lab::load_lab_file(*path);
  if (!lab) throw std::runtime_error(lab.error().message);
  f.lab = *lab;
  if (auto ok = sockgrade::conformance::validate_expectation(f.expect, f.lab); !ok) {
    throw std::runtime_error(dir.string() + "/" + ok.error().message);
  }
  if (f.expect.contains("submission")) f.submission = root / f.expect["submission"].get<std::string>();
  f.score = sockgrade::conformance::expected_score(f.expect, f.lab);
  return f;
}

// "score 90/100; sigpipe.peer-vanishes=failed": what the fixture must get, without grading it.
void print_expected(const Fixture& f) {
  using sockgrade::report::format_points;
  std::cout << f.dir.filename().string() << ": score " << format_points(f.score.score) << "/"
            << format_points(f.score.max_score);
  for (const auto& check : f.lab.checks) {
    auto status = sockgrade::conformance::expected_status(f.expect, check.id);
    if (status != "passed") std::cout << " " << check.id << "=" << status;
  }
  std::cout << "\n";
}

struct Invocation {
  std::string sockgrade;
  fs::path root;
  std::vector<std::string> extra;  // after "--": more sockgrade arguments
  fs::path out;                    // where the JSON report is written
};

// Grades `submission` for `lab`; the report (null when none was written) and the exit code.
std::pair<json, int> grade(const Invocation& how, const std::string& lab, const fs::path& submission) {
  fs::remove(how.out);
  std::vector<std::string> args = {how.sockgrade, "test", lab, submission.string(), "--json", how.out.string(),
                                   "--color", "never"};
  args.insert(args.end(), how.extra.begin(), how.extra.end());
  int code = run(args);
  json report = fs::exists(how.out) ? read_json(how.out) : json();
  fs::remove(how.out);
  return {report, code};
}

// The isolation layer in "requires" the report says this machine lacked, if any.
std::string missing_layer(const json& expect, const json& report) {
  for (const auto& layer : expect.value("requires", json::array())) {
    if (!report.is_null() && !report["environment"]["isolation"].value(layer.get<std::string>(), false)) {
      return layer.get<std::string>();
    }
  }
  return "";
}

// What went wrong besides the report's content: schema, leftovers, the reference right after.
void add_run_checks(const Fixture& f, const Invocation& how, const valijson::Schema& schema, const json& report,
                    std::vector<std::string>& diffs) {
  if (!report.is_null()) {
    for (auto& e : schema_errors(schema, report)) diffs.push_back(std::move(e));
  }
  if (f.expect.value("no_leftovers", false)) {
    for (auto& p : leftovers(last_child)) diffs.push_back("left behind: " + p);
  }
  if (f.expect.value("then_reference", false)) {
    const std::string lab = f.expect.at("lab").get<std::string>();
    auto [ref_report, ref_code] = grade(how, lab, how.root / "reference" / lab);
    if (ref_code != 0 || ref_report.is_null() || ref_report["score"] != ref_report["max_score"]) {
      diffs.push_back("the reference graded right after did not get full marks (exit " + std::to_string(ref_code) +
                      (ref_report.is_null() ? ")" : ", score " + ref_report["score"].dump() + ")"));
    }
  }
}

// reports/schema/report.schema.json into `schema` (a valijson::Schema cannot be copied or moved).
void load_schema(const fs::path& root, valijson::Schema& schema) {
  json schema_doc = read_json(root / "reports" / "schema" / "report.schema.json");
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_doc);
  parser.populateSchema(schema_adapter, schema);
}

// Grades the fixture `repeat` times; 0 when every run matched and all got the same outcome, 1
// otherwise, 77 when the outcome rests on an isolation layer this machine lacks.
int check_fixture(const Fixture& f, const Invocation& how, int repeat) {
  valijson::Schema schema;
  load_schema(how.root, schema);
  const std::string name = f.dir.filename().string();
  int failures = 0;
  std::map<std::string, int> variants;  // outcome signature -> runs
  for (int round = 1; round <= repeat; ++round) {
    auto [report, code] = grade(how, f.lab_arg, f.submission);
    if (auto layer = missing_layer(f.expect, report); !layer.empty()) {
      std::cout << name << ": skipped, needs the isolation layer \"" << layer << "\"\n";
      return 77;
    }
    ++variants[outcome_signature(report, code)];
    auto diffs = compare(f.expect, f.score, report, code);
    add_run_checks(f, how, schema, report, diffs);
    if (!diffs.empty()) {
      ++failures;
      std::cout << name << " run " << round << "/" << repeat << ": MISMATCH\n";
      for (const auto& d : diffs) std::cout << "  " << d << "\n";
    }
  }
  std::cout << name << ": " << (repeat - failures) << "/" << repeat << " runs as expected\n";
  if (variants.size() > 1) {
    std::cout << name << ": VARIED over " << repeat << " runs:\n";
    for (const auto& [sig, n] : variants) std::cout << "  " << n << "x " << sig << "\n";
    return 1;
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: expect_outcome SOCKGRADE REPO_ROOT FIXTURE_DIR [--repeat N | --print-expected] [-- args]\n";
    return 2;
  }
  Invocation how{.sockgrade = argv[1], .root = argv[2], .extra = {},
                 .out = fs::temp_directory_path() / ("expect-" + std::to_string(::getpid()) + ".json")};
  fs::path fixture_dir = argv[3];
  int repeat = 1;
  bool print_only = false;
  for (int i = 4; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--repeat" && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
    } else if (a == "--print-expected") {
      print_only = true;
    } else if (a == "--") {
      for (++i; i < argc; ++i) how.extra.push_back(argv[i]);
    }
  }
  try {
    Fixture fixture = load_fixture(how.root, fixture_dir);
    if (print_only) {
      print_expected(fixture);
      return 0;
    }
    return check_fixture(fixture, how, repeat);
  } catch (const std::exception& e) {
    std::cerr << "expect_outcome: " << e.what() << "\n";
    return 2;
  }
}
