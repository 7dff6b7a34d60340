// Scenario checks in a lab file (schema 3): what loads, and the one-line error with its JSON
// path for each kind of mistake an instructor makes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scenario/lab_catalogue.hpp"
#include "checks/catalogue.hpp"
#include "scenario/run.hpp"
#include "lab/lab_loader.hpp"
#include "support/result_matchers.hpp"

namespace sockgrade::lab {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using sockgrade::testing::FailsWith;

// A server lab with one scenario check whose steps are `steps`.
json lab_with_steps(const json& steps, const std::string& role = "server") {
  json doc = json::parse(R"({
    "schema": "sockgrade.lab/3",
    "name": "tiny",
    "title": "Tiny",
    "transport": "tcp",
    "build": {"executable": "server", "c": ["cc", "-o", "{executable}", "{sources}"]},
    "run": {"argv": ["{port}"], "default_port": 54154, "requested_port": 40001}
  })");
  doc["role"] = role;
  doc["checks"] = json::array({{{"id", "basic.tiny"}, {"weight", 1}, {"title", "Tiny"}, {"hint", "Look."}, {"steps", steps}}});
  return doc;
}

TEST(ScenarioSchema, LoadsEveryKindOfServerStep) {
  auto steps = json::parse(R"([
    {"connect": "a"}, {"connect": "b", "faults": ["slice:bytes=1"], "rcvbuf": 4096},
    {"send": "a", "line": "hi"}, {"send": "a", "hex": "00ff"}, {"send": "a", "random": 10},
    {"send": "a", "random_line": 10, "piece_bytes": 1, "gap_ms": 1},
    {"receive": "b", "echo_of": "a"}, {"receive": "a", "echo": true}, {"receive": "a", "line": true},
    {"receive": "a", "matching": "^{year}-{i}$"}, {"receive": "a", "containing": "x", "within_ms": 10},
    {"receive": "a", "bytes": 3}, {"expect_quiet": "a"}, {"expect_eof": "a", "discarding": true},
    {"expect_reset": "b"}, {"half_close": "a"}, {"reset": "b"}, {"stop_reading": "a"}, {"resume_reading": "a"},
    {"wait_read": "a"}, {"wait_blocked_in_write": true}, {"observe": "idle-cpu", "window_ms": 200},
    {"repeat": 2, "steps": [{"connect": "c{i}"}, {"close": "c{i}"}]},
    {"together": 3, "steps": [{"connect": "d{i}"}]},
    {"restart": true}, {"stop": true}, {"start": true}, {"expect_program": "exited", "status": 0}
  ])");
  auto lab = parse_lab(lab_with_steps(steps), "tiny.json");
  ASSERT_TRUE(lab.ok()) << lab.error().message;
  ASSERT_TRUE(lab->checks[0].scenario);
  const auto& sc = *lab->checks[0].scenario;
  EXPECT_EQ(sc.title, "Tiny");
  ASSERT_EQ(sc.steps.size(), steps.size());
  EXPECT_EQ(sc.steps[2].data, "hi\n");
  EXPECT_EQ(sc.steps[3].data, std::string("\0\xff", 2));
  EXPECT_EQ(sc.steps[6].match, Match::echo_of);
  EXPECT_EQ(sc.steps[6].echo_of, "a");
  EXPECT_EQ(sc.steps[10].within_ms, 10);
  EXPECT_EQ(sc.steps[12].within_ms, 500);  // expect_quiet's own default window
  EXPECT_EQ(sc.steps[22].steps.size(), 2u);
  EXPECT_EQ(sc.steps[27].status, 0);
}

TEST(ScenarioSchema, UnknownStepNamesItsPathAndTheLikelyStep) {
  auto r = parse_lab(lab_with_steps(json::parse(R"([{"connect": "a"}, {"sned": "a", "line": "x"}])")), "tiny.json");
  EXPECT_THAT(r, FailsWith("tiny.json: /checks/0/steps/1: unknown step 'sned' (did you mean 'send'?)"));
}

TEST(ScenarioSchema, WrongTypeNamesTheKeysPath) {
  auto r = parse_lab(lab_with_steps(json::parse(R"([{"connect": "a"}, {"send": "a", "line": 5}])")), "tiny.json");
  EXPECT_THAT(r, FailsWith("tiny.json: /checks/0/steps/1/line: expected a string, got an integer"));
}

TEST(ScenarioSchema, UnknownOptionNamesItsPath) {
  auto r = parse_lab(lab_with_steps(json::parse(R"([{"connect": "a", "fault": ["x"]}])")), "tiny.json");
  EXPECT_THAT(r, FailsWith(HasSubstr("/checks/0/steps/0/fault: unknown key 'fault' (did you mean 'faults'?)")));
}

TEST(ScenarioSchema, APeerNoStepConnectedIsAnError) {
  auto r = parse_lab(lab_with_steps(json::parse(R"([{"connect": "alice"}, {"receive": "alcie", "line": true}])")), "t.json");
  EXPECT_THAT(r, FailsWith("t.json: /checks/0/steps/1/receive: unknown peer 'alcie' (did you mean 'alice'?)"));
  r = parse_lab(lab_with_steps(json::parse(R"([{"send": "bob", "line": "x"}])")), "t.json");
  EXPECT_THAT(r, FailsWith(HasSubstr("/checks/0/steps/0/send: unknown peer 'bob' (a \"connect\" step before this one")));
}

TEST(ScenarioSchema, AStepDoesOneThing) {
  auto r = parse_lab(lab_with_steps(json::parse(R"([{"connect": "a", "close": "a"}])")), "t.json");
  EXPECT_THAT(r, FailsWith(HasSubstr("/checks/0/steps/0: a step does one thing")));
}

TEST(ScenarioSchema, StepsOfTheOtherRoleAreRefused) {
  auto r = parse_lab(lab_with_steps(json::parse(R"([{"serve": "echo"}])")), "t.json");
  EXPECT_THAT(r, FailsWith(HasSubstr("/checks/0/steps/0/serve: 'serve' is a step of client labs")));
  r = parse_lab(lab_with_steps(json::parse(R"([{"connect": "a"}])"), "client"), "t.json");
  EXPECT_THAT(r, FailsWith(HasSubstr("'connect' is a step of server labs")));
  r = parse_lab(lab_with_steps(json::parse(R"([{"serve": "reply", "text": "x"}, {"start": true},
                                               {"receive": "stdout", "containing": "x"}])"), "client"), "t.json");
  EXPECT_TRUE(r.ok()) << r.error().message;
}

TEST(ScenarioSchema, ABadRegularExpressionIsCaughtWhenLoaded) {
  auto r = parse_lab(lab_with_steps(json::parse(R"([{"connect": "a"}, {"receive": "a", "matching": "(unclosed"}])")), "t.json");
  EXPECT_THAT(r, FailsWith(HasSubstr("/checks/0/steps/1/matching: not a regular expression")));
}

TEST(ScenarioSchema, UnknownObservationSuggestsOne) {
  auto r = parse_lab(lab_with_steps(json::parse(R"([{"observe": "children-reapd"}])")), "t.json");
  EXPECT_THAT(r, FailsWith(HasSubstr("/checks/0/steps/0/observe: unknown observation 'children-reapd' (did you mean 'children-reaped'?)")));
}

TEST(ScenarioSchema, ScenarioKeysNeedSchemaThree) {
  auto doc = lab_with_steps(json::parse(R"([{"connect": "a"}])"));
  doc["schema"] = "sockgrade.lab/2";
  EXPECT_THAT(parse_lab(doc, "t.json"), FailsWith(HasSubstr("/checks/0/title: 'title' (a scenario check) needs \"schema\": \"sockgrade.lab/3\"")));
}

TEST(ScenarioSchema, AScenarioTakesNoParamsAndNeedsAHint) {
  auto doc = lab_with_steps(json::parse(R"([{"connect": "a"}])"));
  doc["checks"][0]["params"] = json::object({{"rounds", 3}});
  EXPECT_THAT(parse_lab(doc, "t.json"), FailsWith(HasSubstr("/checks/0/params: a scenario check takes no params")));
  doc = lab_with_steps(json::parse(R"([{"connect": "a"}])"));
  doc["checks"][0].erase("hint");
  EXPECT_THAT(parse_lab(doc, "t.json"), FailsWith(HasSubstr("/checks/0: missing required key 'hint'")));
}

TEST(ScenarioSchema, TheCatalogueOfALabHasItsScenarios) {
  auto lab = parse_lab(lab_with_steps(json::parse(R"([{"connect": "a"}])")), "t.json");
  ASSERT_TRUE(lab.ok());
  auto catalogue = checks::catalogue_for(*lab);
  const auto* def = catalogue->find("basic.tiny");
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->info.title, "Tiny");
  EXPECT_EQ(def->info.hint, "Look.");
  EXPECT_EQ(def->info.category, "basic");
  EXPECT_EQ(def->run, &checks::run_scenario);
  EXPECT_TRUE(checks::validate_lab_checks(*lab).ok());
}

TEST(ScenarioSchema, AScenarioIdNeedsAKnownCategory) {
  auto doc = lab_with_steps(json::parse(R"([{"connect": "a"}])"));
  doc["checks"][0]["id"] = "speed.fast";
  auto lab = parse_lab(doc, "t.json");
  ASSERT_TRUE(lab.ok());
  EXPECT_THAT(checks::validate_lab_checks(*lab), FailsWith(HasSubstr("check id 'speed.fast' must be category.name")));
}

TEST(ScenarioSchema, ResolvedLabWritesTheScenarioBackAndLoadsAgain) {
  auto lab = parse_lab(lab_with_steps(json::parse(R"([{"connect": "a"}, {"send": "a", "line": "x"}])")), "t.json");
  ASSERT_TRUE(lab.ok());
  auto j = lab_to_json(*lab);
  EXPECT_EQ(j["schema"], "sockgrade.lab/3");
  EXPECT_EQ(j["checks"][0]["steps"].size(), 2u);
  auto again = parse_lab(json::parse(j.dump()), "again.json");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->checks[0].scenario->steps[1].data, "x\n");
}

}  // namespace
}  // namespace sockgrade::lab
