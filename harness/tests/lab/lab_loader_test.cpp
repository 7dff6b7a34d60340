#include "scenario/lab_catalogue.hpp"
#include "sockgrade_source_dir.hpp"
#include "lab/lab_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "checks/catalogue.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::lab {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using sockgrade::testing::FailsWith;
using nlohmann::json;

const std::string kSourceDir = SOCKGRADE_TEST_SOURCE_DIR;

// The shape of labs/echo-server.json, reduced to what is required plus a little.
json minimal_lab() {
  return json::parse(R"({
    "schema": "sockgrade.lab/1",
    "name": "echo-server",
    "title": "Iterative TCP echo server",
    "role": "server",
    "transport": "tcp",
    "build": {"executable": "server", "c": ["cc", "-o", "{executable}", "{sources}"]},
    "run": {"argv": ["{port}"], "default_port": 54154, "requested_port": 40001},
    "checks": [
      {"id": "basic.small-echo", "weight": 8},
      {"id": "basic.interactive", "weight": 2.5, "hidden": true, "params": {"rounds": 5}}
    ]
  })");
}

std::string error_of(const json& doc) {
  auto r = parse_lab(doc, "test.json");
  if (r.ok()) return "<parsed without error>";
  return r.error().message;
}

TEST(ParseLab, AcceptsAMinimalLab) {
  auto r = parse_lab(minimal_lab(), "test.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const LabSpec& lab = *r;
  EXPECT_EQ(lab.name, "echo-server");
  EXPECT_EQ(lab.role, "server");
  EXPECT_EQ(lab.transport, Transport::tcp);
  EXPECT_EQ(lab.contract, "");
  EXPECT_EQ(lab.build.executable, "server");
  EXPECT_EQ(lab.build.make, (std::vector<std::string>{"make"}));  // the default
  EXPECT_EQ(lab.build.c, (std::vector<std::string>{"cc", "-o", "{executable}", "{sources}"}));
  EXPECT_TRUE(lab.build.cpp.empty());
  EXPECT_EQ(lab.build.timeout_seconds, 60);
  EXPECT_EQ(lab.run.argv, (std::vector<std::string>{"{port}"}));
  EXPECT_EQ(lab.run.default_port, 54154);
  EXPECT_EQ(lab.run.requested_port, 40001);
  EXPECT_EQ(lab.limits.cpu_seconds, cell::Limits{}.cpu_seconds);
  ASSERT_EQ(lab.checks.size(), 2u);
  EXPECT_EQ(lab.checks[0].id, "basic.small-echo");
  EXPECT_EQ(lab.checks[0].weight, 8);
  EXPECT_FALSE(lab.checks[0].hidden);
  EXPECT_TRUE(lab.checks[0].params.empty());
  EXPECT_EQ(lab.checks[1].weight, 2.5);
  EXPECT_TRUE(lab.checks[1].hidden);
  EXPECT_EQ(lab.checks[1].params["rounds"], 5);
}

TEST(ParseLab, WithoutPointsALabIsOutOfTheSumOfItsWeights) {
  auto lab = parse_lab(minimal_lab(), "test.json");
  ASSERT_TRUE(lab.ok()) << lab.error().message;
  EXPECT_EQ(lab->points, 0);
  EXPECT_EQ(lab->checks[0].weight, 8);  // as written: 10.5 in all
}

// Each weight becomes its share of the points, in hundredths that add up to exactly the points:
// three equal weights of 100 are 33.34, 33.33 and 33.33 (the first of equal remainders gets the
// odd hundredth), never 33.33 three times (a report out of 99.99).
TEST(ParseLab, PointsShareOutAmongTheWeightsInHundredths) {
  auto doc = minimal_lab();
  doc["points"] = 100;
  doc["checks"] = json::parse(R"([{"id": "a.x", "weight": 1}, {"id": "a.y", "weight": 1}, {"id": "a.z", "weight": 1}])");
  auto thirds = parse_lab(doc, "test.json");
  ASSERT_TRUE(thirds.ok()) << thirds.error().message;
  EXPECT_EQ(thirds->points, 100);
  EXPECT_EQ(thirds->checks[0].weight, 33.34);
  EXPECT_EQ(thirds->checks[1].weight, 33.33);
  EXPECT_EQ(thirds->checks[2].weight, 33.33);
  // 8 and 2.5 of 10: 76.19 and 23.81 (8/10.5 = 76.190…, 2.5/10.5 = 23.809…).
  doc = minimal_lab();
  doc["points"] = 100;
  auto shares = parse_lab(doc, "test.json");
  ASSERT_TRUE(shares.ok()) << shares.error().message;
  EXPECT_EQ(shares->checks[0].weight, 76.19);
  EXPECT_EQ(shares->checks[1].weight, 23.81);
  // Weights that already add up to the points stay as they are (a resolved lab loaded again).
  doc["points"] = 10.5;
  auto same = parse_lab(doc, "test.json");
  ASSERT_TRUE(same.ok()) << same.error().message;
  EXPECT_EQ(same->checks[1].weight, 2.5);
  // Nothing to share among.
  doc["points"] = 100;
  doc["checks"] = json::parse(R"([{"id": "a.x", "weight": 0}])");
  EXPECT_EQ(error_of(doc), "test.json: /checks: the weights add up to 0, so \"points\" cannot be shared among them");
}

TEST(ParseLab, ReadsLimits) {
  auto doc = minimal_lab();
  doc["limits"] = {{"cpu_seconds", 3}, {"address_space_mib", 512}, {"open_files", 64}, {"wall_seconds", 9}};
  auto r = parse_lab(doc, "test.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->limits.cpu_seconds, 3);
  EXPECT_EQ(r->limits.address_space_bytes, 512ull << 20);
  EXPECT_EQ(r->limits.open_files, 64);
  EXPECT_EQ(r->limits.wall_seconds, 9);
}

TEST(ParseLab, UnknownTopLevelKeySuggestsTheIntendedOne) {
  auto doc = minimal_lab();
  doc["chekcs"] = json::array();
  auto msg = error_of(doc);
  EXPECT_THAT(msg, HasSubstr("test.json"));
  EXPECT_THAT(msg, HasSubstr("unknown key 'chekcs'"));
  EXPECT_THAT(msg, HasSubstr("did you mean 'checks'?"));
}

TEST(ParseLab, MisspelledRequiredKeySuggestsTheIntendedOne) {
  // The usual typo: the key is renamed, so the required one is missing as well.
  auto doc = minimal_lab();
  doc["chekcs"] = doc["checks"];
  doc.erase("checks");
  auto msg = error_of(doc);
  EXPECT_THAT(msg, AllOf(HasSubstr("/chekcs"), HasSubstr("unknown key 'chekcs'"), HasSubstr("did you mean 'checks'?")));
  doc = minimal_lab();
  doc["run"]["requested_prot"] = doc["run"]["requested_port"];
  doc["run"].erase("requested_port");
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/run/requested_prot"), HasSubstr("did you mean 'requested_port'?")));
}

// Disabled until fixed: a missing required key must not be blamed on a present, valid key.
// /build without "c" but with "cpp" is reported as "/build/cpp: unknown key 'cpp' (did you
// mean 'c'?)", because StrictObject::raw offers every present key as the likely typo, including
// keys it has not read yet (see the report to the lead).
TEST(ParseLab, MissingRequiredKeyIsNotBlamedOnAValidKey) {
  auto doc = minimal_lab();
  doc["build"]["cpp"] = {"c++", "-o", "{executable}", "{sources}"};
  doc["build"].erase("c");
  auto msg = error_of(doc);
  EXPECT_THAT(msg, HasSubstr("missing required key 'c'"));
  EXPECT_THAT(msg, ::testing::Not(HasSubstr("unknown key 'cpp'")));
}

TEST(ParseLab, UnknownNestedKeySuggestsTheIntendedOne) {
  auto doc = minimal_lab();
  doc["run"]["default_prot"] = 1;
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/run/default_prot: unknown key"), HasSubstr("did you mean 'default_port'?")));
  doc = minimal_lab();
  doc["checks"][0]["wieght"] = 1;
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/checks/0/wieght"), HasSubstr("did you mean 'weight'?")));
}

TEST(ParseLab, UnrelatedUnknownKeyHasNoSuggestion) {
  auto doc = minimal_lab();
  doc["zzzzzzzzzz"] = 1;
  auto msg = error_of(doc);
  EXPECT_THAT(msg, HasSubstr("unknown key 'zzzzzzzzzz'"));
  EXPECT_THAT(msg, ::testing::Not(HasSubstr("did you mean")));
}

TEST(ParseLab, WrongTypeNamesThePathAndTheExpectedType) {
  auto doc = minimal_lab();
  doc["checks"][0]["weight"] = "8";
  auto msg = error_of(doc);
  EXPECT_THAT(msg, HasSubstr("/checks/0/weight"));
  EXPECT_THAT(msg, HasSubstr("expected a number"));
  EXPECT_THAT(msg, HasSubstr("got a string"));

  doc = minimal_lab();
  doc["run"]["default_port"] = 54154.5;
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/run/default_port"), HasSubstr("expected an integer")));
  doc = minimal_lab();
  doc["checks"][1]["hidden"] = "yes";
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/checks/1/hidden"), HasSubstr("expected true or false")));
  doc = minimal_lab();
  doc["build"]["c"] = {"cc", 1};
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/build/c/1"), HasSubstr("expected a string")));
  doc = minimal_lab();
  doc["run"] = json::array();
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/run"), HasSubstr("expected an object")));
  doc = minimal_lab();
  doc["checks"] = json::object();
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/checks"), HasSubstr("expected an array")));
}

TEST(ParseLab, MissingRequiredKey) {
  for (const char* key : {"schema", "name", "title", "role", "transport", "build", "run", "checks"}) {
    auto doc = minimal_lab();
    doc.erase(key);
    EXPECT_THAT(error_of(doc), HasSubstr(std::string("missing required key '") + key + "'")) << key;
  }
  auto doc = minimal_lab();
  doc["run"].erase("requested_port");
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/run"), HasSubstr("missing required key 'requested_port'")));
  doc = minimal_lab();
  doc["checks"][0].erase("weight");
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/checks/0"), HasSubstr("missing required key 'weight'")));
}

TEST(ParseLab, BadSchemaString) {
  auto doc = minimal_lab();
  doc["schema"] = "sockgrade.lab/4";
  auto msg = error_of(doc);
  EXPECT_THAT(msg, HasSubstr("/schema"));
  EXPECT_THAT(msg, HasSubstr("expected \"sockgrade.lab/1\", \"sockgrade.lab/2\" or \"sockgrade.lab/3\", got \"sockgrade.lab/4\""));
}

TEST(ParseLab, UnsupportedRoleAndTransport) {
  auto doc = minimal_lab();
  doc["role"] = "peer";
  EXPECT_THAT(error_of(doc), HasSubstr("/role"));
  doc = minimal_lab();
  doc["transport"] = "sctp";
  EXPECT_THAT(error_of(doc), HasSubstr("/transport"));
}

TEST(ParseLab, RequestedPortMustDifferFromDefault) {
  auto doc = minimal_lab();
  doc["run"]["requested_port"] = 54154;
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/run/requested_port"), HasSubstr("default_port")));
}

TEST(ParseLab, DuplicateCheckId) {
  auto doc = minimal_lab();
  doc["checks"][1]["id"] = "basic.small-echo";
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/checks/1"), HasSubstr("'basic.small-echo' is listed twice")));
}

TEST(ParseLab, PortOutOfRange) {
  for (int bad : {0, 65536, 70000, -1}) {
    auto doc = minimal_lab();
    doc["run"]["default_port"] = bad;
    EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/run/default_port"), HasSubstr(std::to_string(bad) + " is out of range")))
        << bad;
  }
  auto doc = minimal_lab();
  doc["run"]["requested_port"] = 65536;
  EXPECT_THAT(error_of(doc), HasSubstr("/run/requested_port: 65536 is out of range [1, 65535]"));
}

TEST(ParseLab, OtherRangesAndRules) {
  auto doc = minimal_lab();
  doc["checks"][0]["weight"] = -1;
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/checks/0/weight"), HasSubstr("out of range")));
  doc = minimal_lab();
  doc["checks"] = json::array();
  EXPECT_THAT(error_of(doc), HasSubstr("at least one check"));
  doc = minimal_lab();
  doc["build"]["executable"] = "bin/server";
  EXPECT_THAT(error_of(doc), HasSubstr("/build/executable"));
  doc = minimal_lab();
  doc["build"]["c"] = json::array();
  EXPECT_THAT(error_of(doc), HasSubstr("/build/c"));
  doc = minimal_lab();
  doc["limits"] = {{"cpu_seconds", 0}};
  EXPECT_THAT(error_of(doc), HasSubstr("/limits/cpu_seconds: 0 is out of range"));
  doc = minimal_lab();
  doc["checks"][0]["params"] = json::array();
  EXPECT_THAT(error_of(doc), AllOf(HasSubstr("/checks/0/params"), HasSubstr("expected an object")));
  EXPECT_THAT(error_of(json::array()), HasSubstr("expected an object"));
}

TEST(LoadLabFile, InvalidJsonNamesTheFile) {
  testing::TempDir dir;
  auto file = dir.write("broken.json", "{\"schema\": \"sockgrade.lab/1\",\n  \"name\": }\n");
  auto r = load_lab_file(file);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(file.string()));
  EXPECT_THAT(r.error().message, HasSubstr("not valid JSON"));
  EXPECT_THAT(r.error().message, HasSubstr("line 2"));  // where the syntax error is
}

TEST(LoadLabFile, MissingFileNamesTheFile) {
  testing::TempDir dir;
  auto r = load_lab_file(dir / "nope.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr((dir / "nope.json").string()));
}

TEST(LoadLabFile, ErrorsInsideNameTheFile) {
  testing::TempDir dir;
  auto doc = minimal_lab();
  doc["chekcs"] = json::array();
  auto file = dir.write("typo.json", doc.dump());
  auto r = load_lab_file(file);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, AllOf(HasSubstr(file.string() + ": "), HasSubstr("did you mean 'checks'?")));
}

TEST(LoadLabFile, LoadsTheBundledEchoServerLab) {
  auto r = load_lab_file(kSourceDir + "/labs/echo-server.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "echo-server");
  EXPECT_EQ(r->run.default_port, 54154);
  EXPECT_NE(r->run.requested_port, r->run.default_port);
  EXPECT_FALSE(r->checks.empty());
  EXPECT_TRUE(r->file.is_absolute());
  auto v = checks::validate_lab_checks(*r);
  EXPECT_TRUE(v.ok()) << v.error().message;
}

LabSpec parsed(const json& doc) {
  auto r = parse_lab(doc, "test.json");
  if (!r.ok()) throw std::runtime_error(r.error().message);
  LabSpec lab = std::move(r).value();
  lab.file = "/labs/test.json";
  return lab;
}

TEST(ValidateLabChecks, AcceptsKnownChecksAndParams) {
  auto v = checks::validate_lab_checks(parsed(minimal_lab()));
  EXPECT_TRUE(v.ok()) << v.error().message;
}

TEST(ValidateLabChecks, UnknownCheckSuggestsTheIntendedOne) {
  auto doc = minimal_lab();
  doc["checks"][0]["id"] = "basic.smal-echo";
  auto v = checks::validate_lab_checks(parsed(doc));
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message, AllOf(HasSubstr("/labs/test.json"), HasSubstr("/checks/0/id"),
                                       HasSubstr("unknown check 'basic.smal-echo'"),
                                       HasSubstr("did you mean 'basic.small-echo'?")));
}

TEST(ValidateLabChecks, UnknownParamName) {
  auto doc = minimal_lab();
  doc["checks"][1]["params"] = {{"round", 5}};
  auto v = checks::validate_lab_checks(parsed(doc));
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message, AllOf(HasSubstr("/checks/1/params/round"), HasSubstr("no parameter 'round'"),
                                       HasSubstr("did you mean 'rounds'?")));
  doc["checks"][0]["params"] = {{"rounds", 5}};  // basic.small-echo takes no parameters
  v = checks::validate_lab_checks(parsed(doc));
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message, AllOf(HasSubstr("/checks/0/params/rounds"), HasSubstr("no parameter 'rounds'")));
}

TEST(ValidateLabChecks, ParamOutOfRangeOrNotAnInteger) {
  const auto* def = checks::find_check("basic.interactive");
  ASSERT_NE(def, nullptr);
  ASSERT_FALSE(def->info.params.empty());
  const auto& p = def->info.params[0];
  ASSERT_EQ(p.name, "rounds");
  for (int64_t bad : {p.min - 1, p.max + 1}) {
    auto doc = minimal_lab();
    doc["checks"][1]["params"] = {{"rounds", bad}};
    auto v = checks::validate_lab_checks(parsed(doc));
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_THAT(v.error().message, AllOf(HasSubstr("/checks/1/params/rounds"), HasSubstr("out of range")));
  }
  for (int64_t good : {p.min, p.max}) {
    auto doc = minimal_lab();
    doc["checks"][1]["params"] = {{"rounds", good}};
    EXPECT_TRUE(checks::validate_lab_checks(parsed(doc)).ok()) << good;
  }
  auto doc = minimal_lab();
  doc["checks"][1]["params"] = {{"rounds", "5"}};
  auto v = checks::validate_lab_checks(parsed(doc));
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message, HasSubstr("expected an integer"));
}

TEST(ValidateLabChecks, AParamMayBeNamedByAWordItDeclares) {
  const auto* def = checks::find_check("concurrency.model");
  ASSERT_NE(def, nullptr);
  CheckSpec spec;
  spec.id = "concurrency.model";
  spec.params = {{"model", "thread"}};
  EXPECT_EQ(checks::param_value(def->info, spec, "model"), 2);
  spec.params = {{"model", 3}};  // the number still loads (sockgrade.lab/1 files)
  EXPECT_EQ(checks::param_value(def->info, spec, "model"), 3);
  auto doc = minimal_lab();
  doc["checks"].push_back({{"id", "concurrency.model"}, {"weight", 1}, {"params", {{"model", "threads"}}}});
  auto v = checks::validate_lab_checks(parsed(doc));
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message,
              AllOf(HasSubstr("/params/model"), HasSubstr("\"threads\" is not one of \"fork\", \"thread\", \"select\"")));
}

// memory.asan-clean's "replay": the lab's own checks, by id, glob or category, never a memory check.
TEST(ValidateLabChecks, AListOfChecksNamesTheLabsOwnChecks) {
  auto with_replay = [](const json& replay) {
    auto doc = minimal_lab();
    doc["checks"].push_back({{"id", "memory.asan-clean"}, {"weight", 1}, {"params", {{"replay", replay}}}});
    return checks::validate_lab_checks(parsed(doc));
  };
  for (const auto& good : {json{"basic.small-echo"}, json{"basic.*"}, json{"basic"}, json{"basic.small-echo", "basic.inter*"}}) {
    auto v = with_replay(good);
    EXPECT_TRUE(v.ok()) << good.dump() << ": " << v.error().message;
  }
  const std::vector<std::pair<json, std::string>> bad = {
      {json{"basic.smal-echo"}, "/checks/2/params/replay/0: 'basic.smal-echo' names none of this lab's checks outside "
                                "memory (did you mean 'basic.small-echo'?)"},
      {json{"basic.small-echo", "partial-io.*"}, "/checks/2/params/replay/1: 'partial-io.*' names none"},
      {json{"memory.asan-clean"}, "/checks/2/params/replay/0: 'memory.asan-clean' names none"},
      {json::array(), "/checks/2/params/replay: expected a list of check ids or globs"},
      {json("basic.*"), "/checks/2/params/replay: expected a list of check ids or globs"},
      {json{"basic.small-echo", 3}, "/checks/2/params/replay/1: expected a check id or glob, got 3"},
  };
  for (const auto& [replay, says] : bad) {
    auto v = with_replay(replay);
    ASSERT_FALSE(v.ok()) << replay.dump();
    EXPECT_THAT(v.error().message, AllOf(HasSubstr("/labs/test.json"), HasSubstr(says))) << replay.dump();
  }
}

TEST(ParamChecks, TheLabsListOrNothing) {
  const auto* def = checks::find_check("memory.asan-clean");
  ASSERT_NE(def, nullptr);
  CheckSpec spec;
  spec.id = "memory.asan-clean";
  EXPECT_EQ(checks::param_checks(def->info, spec, "replay"), std::nullopt);  // the check keeps its own list
  spec.params = {{"replay", {"basic.*", "partial-io.short-writes"}}};
  EXPECT_EQ(checks::param_checks(def->info, spec, "replay"),
            (std::vector<std::string>{"basic.*", "partial-io.short-writes"}));
  EXPECT_THROW(checks::param_checks(def->info, spec, "clients"), std::logic_error);
  EXPECT_THROW(checks::param_value(def->info, spec, "replay"), std::logic_error);  // a list is not a number
  EXPECT_TRUE(checks::names_check("basic", "basic.small-echo"));
  EXPECT_TRUE(checks::names_check("basic.*", "basic.small-echo"));
  EXPECT_TRUE(checks::names_check("basic.small-echo", "basic.small-echo"));
  EXPECT_FALSE(checks::names_check("basic.small", "basic.small-echo"));  // no substring matching
  EXPECT_FALSE(checks::names_check("partial-io", "basic.small-echo"));
}

TEST(ParamValue, LabValueOrDeclaredDefault) {
  const auto* def = checks::find_check("basic.interactive");
  ASSERT_NE(def, nullptr);
  CheckSpec spec;
  spec.id = "basic.interactive";
  EXPECT_EQ(checks::param_value(def->info, spec, "rounds"), def->info.params[0].default_value);
  spec.params = {{"rounds", 7}};
  EXPECT_EQ(checks::param_value(def->info, spec, "rounds"), 7);
  EXPECT_THROW(checks::param_value(def->info, spec, "undeclared"), std::logic_error);
}

TEST(ResolveLab, FindsBundledLabsAndSuggestsNames) {
  auto names = bundled_lab_names();
  EXPECT_THAT(names, ::testing::Contains("echo-server"));
  auto p = resolve_lab("echo-server");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->filename(), "echo-server.json");
  EXPECT_THAT(resolve_lab("echo-sever"),
              FailsWith(AllOf(HasSubstr("unknown lab 'echo-sever'"), HasSubstr("did you mean 'echo-server'?"))));
  EXPECT_THAT(resolve_lab("/nonexistent/lab.json"), FailsWith(HasSubstr("/nonexistent/lab.json")));
}

TEST(ParseLab, AcceptsClientRole) {
  auto doc = minimal_lab();
  doc["role"] = "client";
  auto r = parse_lab(doc, "test.json");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->role, "client");
}

TEST(ParseLab, UnixTransportNeedsNoPorts) {
  auto doc = minimal_lab();
  doc["transport"] = "unix";
  doc["run"] = {{"argv", {"{path}"}}};
  auto r = parse_lab(doc, "test.json");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->transport, Transport::unix_stream);
  EXPECT_EQ(r->run.default_port, 0);
  // A TCP lab still needs both ports.
  doc["transport"] = "tcp";
  EXPECT_THAT(error_of(doc), HasSubstr("/run"));
}

TEST(ParseLab, BundledClientAndUnixLabsLoad) {
  for (const char* name : {"echo-client", "daytime-client", "unix-echo-server", "udp-echo-server", "udp-echo-client"}) {
    auto r = load_lab_file(std::filesystem::path(SOCKGRADE_TEST_SOURCE_DIR) / "labs" / (std::string(name) + ".json"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->name, name);
  }
}

}  // namespace
}  // namespace sockgrade::lab
