// Labs that inherit ("extends", sockgrade.lab/2): what a child takes, overrides, adds and removes,
// chains, and the one-line errors (file and JSON path) for cycles, unknown parents and typos.
#include "scenario/lab_catalogue.hpp"
#include "sockgrade_source_dir.hpp"
#include "lab/lab_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checks/catalogue.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::lab {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nlohmann::json;

const fs::path kLabs = fs::path(SOCKGRADE_TEST_SOURCE_DIR) / "labs";

// "points": 0 keeps the weights as written (not shares of the defaults' 100): these tests are about
// what a child takes and changes.
json parent_lab() {
  return json::parse(R"({
    "schema": "sockgrade.lab/2",
    "name": "parent",
    "title": "The parent",
    "role": "server",
    "transport": "tcp",
    "contract": "parent.md",
    "build": {"executable": "server", "c": ["cc", "-o", "{executable}", "{sources}"], "timeout_seconds": 30},
    "run": {"argv": ["{port}"], "default_port": 54154, "requested_port": 40001},
    "limits": {"processes": 32, "open_files": 100},
    "points": 0,
    "checks": [
      {"id": "a.one", "weight": 10},
      {"id": "a.two", "weight": 20, "params": {"x": 1, "y": 2}},
      {"id": "a.three", "weight": 30, "hidden": true}
    ]
  })");
}

// A child of parent.json with the given keys besides schema, name and extends.
json child_of(const std::string& parent, json keys = json::object()) {
  json child = {{"schema", "sockgrade.lab/2"}, {"name", "child"}, {"extends", parent}};
  child.update(keys);
  return child;
}

class Extends : public ::testing::Test {
 protected:
  fs::path write(const std::string& rel, const json& doc) { return dir_.write(rel, doc.dump(2)); }
  ResolvedLab load(const fs::path& file) {
    auto r = load_lab_with_origins(file);
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(r).value();
  }
  std::string error_loading(const fs::path& file) {
    auto r = load_lab_file(file);
    return r ? "<loaded without error>" : r.error().message;
  }
  std::string error_of_child(json keys) {
    write("parent.json", parent_lab());
    return error_loading(write("child.json", child_of("parent.json", std::move(keys))));
  }
  std::vector<std::string> ids(const LabSpec& lab) {
    std::vector<std::string> out;
    for (const auto& c : lab.checks) out.push_back(c.id);
    return out;
  }
  testing::TempDir dir_;
};

TEST_F(Extends, AChildTakesEverythingFromItsParent) {
  auto parent = load(write("parent.json", parent_lab()));
  auto child = load(write("child.json", child_of("parent.json")));
  EXPECT_EQ(child.spec.name, "child");
  auto as_parent = lab_to_json(child.spec);
  as_parent["name"] = "parent";
  EXPECT_EQ(as_parent, lab_to_json(parent.spec));
  EXPECT_EQ(child.origins.values.at("/run/argv"), dir_ / "parent.json");
  EXPECT_EQ(child.origins.checks.at("a.two").added_by, dir_ / "parent.json");
}

TEST_F(Extends, ObjectsMergeKeyByKeyAndTheChildWins) {
  write("parent.json", parent_lab());
  auto child = load(write("child.json", child_of("parent.json", {{"title", "The child"},
                                                                 {"build", {{"executable", "client"}}},
                                                                 {"limits", {{"processes", 256}}}})));
  EXPECT_EQ(child.spec.title, "The child");
  EXPECT_EQ(child.spec.build.executable, "client");
  EXPECT_EQ(child.spec.build.c, (std::vector<std::string>{"cc", "-o", "{executable}", "{sources}"}));
  EXPECT_EQ(child.spec.build.timeout_seconds, 30);
  EXPECT_EQ(child.spec.limits.processes, 256);
  EXPECT_EQ(child.spec.limits.open_files, 100);
  EXPECT_EQ(child.origins.values.at("/limits/processes"), dir_ / "child.json");
  EXPECT_EQ(child.origins.values.at("/limits/open_files"), dir_ / "parent.json");
}

TEST_F(Extends, ArraysAreReplacedWhole) {
  write("parent.json", parent_lab());
  auto child = load(write("child.json", child_of("parent.json", {{"run", {{"argv", {"-p", "{port}"}}}}})));
  EXPECT_EQ(child.spec.run.argv, (std::vector<std::string>{"-p", "{port}"}));
  EXPECT_EQ(child.spec.run.default_port, 54154);
}

TEST_F(Extends, ACheckNamedAgainKeepsItsPlaceAndTakesTheNewFields) {
  write("parent.json", parent_lab());
  auto child = load(write("child.json", child_of("parent.json", {{"checks", json::parse(R"([
    {"id": "a.two", "weight": 5, "params": {"y": 7}},
    {"id": "a.three", "hidden": false}
  ])")}})));
  EXPECT_THAT(ids(child.spec), ElementsAre("a.one", "a.two", "a.three"));
  EXPECT_EQ(child.spec.checks[1].weight, 5);
  EXPECT_EQ(child.spec.checks[1].params, json::parse(R"({"x": 1, "y": 7})"));  // key by key
  EXPECT_EQ(child.spec.checks[2].weight, 30);
  EXPECT_FALSE(child.spec.checks[2].hidden);
  const auto& origin = child.origins.checks.at("a.two");
  EXPECT_EQ(origin.added_by, dir_ / "parent.json");
  EXPECT_EQ(origin.weight_from, dir_ / "child.json");
  EXPECT_EQ(origin.params_from, dir_ / "child.json");
}

TEST_F(Extends, NewChecksAreAppendedOrPlacedBeforeOrAfterAnother) {
  write("parent.json", parent_lab());
  auto child = load(write("child.json", child_of("parent.json", {{"checks", json::parse(R"([
    {"id": "b.last", "weight": 1},
    {"id": "b.after-one", "weight": 2, "after": "a.one"},
    {"id": "b.first", "weight": 3, "before": "a.one"},
    {"id": "a.three", "before": "a.two"}
  ])")}})));
  EXPECT_THAT(ids(child.spec), ElementsAre("b.first", "a.one", "b.after-one", "a.three", "a.two", "b.last"));
  EXPECT_EQ(child.spec.checks[3].weight, 30);  // moved, not changed
  EXPECT_EQ(child.origins.checks.at("b.first").added_by, dir_ / "child.json");
}

TEST_F(Extends, RemoveDropsAnInheritedCheck) {
  write("parent.json", parent_lab());
  auto child = load(
      write("child.json", child_of("parent.json", {{"checks", {{{"id", "a.two"}, {"remove", true}}}}})));
  EXPECT_THAT(ids(child.spec), ElementsAre("a.one", "a.three"));
  EXPECT_EQ(child.origins.removed.at("a.two"), dir_ / "child.json");
  EXPECT_EQ(child.origins.checks.count("a.two"), 0u);
}

TEST_F(Extends, AChainTakesFromEveryLab) {
  write("labs/c.json", parent_lab());
  write("labs/more/b.json", child_of("../c.json", {{"limits", {{"processes", 64}}},
                                                   {"checks", {{{"id", "b.new"}, {"weight", 4}}}}}));
  auto a = load(write("a.json", child_of("labs/more/b.json", {{"checks", {{{"id", "a.one"}, {"weight", 1}}}}})));
  EXPECT_EQ(a.spec.name, "child");
  EXPECT_EQ(a.spec.limits.processes, 64);
  EXPECT_EQ(a.spec.limits.open_files, 100);
  EXPECT_THAT(ids(a.spec), ElementsAre("a.one", "a.two", "a.three", "b.new"));
  EXPECT_EQ(a.spec.checks[0].weight, 1);
  ASSERT_EQ(a.origins.files.size(), 4u);  // a, b, c and the defaults
  EXPECT_EQ(a.origins.files[1], dir_ / "labs/more/b.json");
  EXPECT_EQ(a.origins.files[2], dir_ / "labs/c.json");
  EXPECT_EQ(fs::weakly_canonical(a.origins.files[3]), fs::weakly_canonical(kLabs / "base/defaults.json"));
  // The contract named by c.json is found beside c.json.
  EXPECT_EQ(fs::path(a.spec.contract), dir_ / "labs/parent.md");
}

TEST_F(Extends, ABundledLabByName) {
  auto child = load(write("mine.json", child_of("echo-server", {{"checks", json::parse(R"([
    {"id": "sigpipe.peer-vanishes", "remove": true}
  ])")}})));
  EXPECT_EQ(child.spec.run.default_port, 54154);
  EXPECT_EQ(child.spec.checks.size(), load(kLabs / "echo-server.json").spec.checks.size() - 1);
  EXPECT_EQ(child.spec.contract, (kLabs / "echo-server.md").lexically_normal().string());
}

TEST_F(Extends, ACycleIsOneLineNamingTheFiles) {
  write("a.json", child_of("b.json"));
  write("b.json", child_of("a.json"));
  auto msg = error_loading(dir_ / "a.json");
  EXPECT_THAT(msg, AllOf(HasSubstr((dir_ / "b.json").string() + ": /extends: a cycle: "),
                         HasSubstr("a.json → " + (dir_ / "b.json").string() + " → " + (dir_ / "a.json").string())));
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  EXPECT_THAT(error_loading(write("self.json", child_of("self.json"))), HasSubstr("/extends: a cycle"));
}

TEST_F(Extends, AnUnknownParentNamesTheFileAndSuggests) {
  auto file = write("child.json", child_of("echo-srever"));
  EXPECT_THAT(error_loading(file), AllOf(HasSubstr(file.string() + ": /extends: unknown lab 'echo-srever'"),
                                         HasSubstr("did you mean 'echo-server'?")));
  file = write("child.json", child_of("missing/parent.json"));
  EXPECT_THAT(error_loading(file), HasSubstr(file.string() + ": /extends: no lab file " +
                                             (dir_ / "missing/parent.json").string()));
  file = write("child.json", child_of("parent.json", {{"extends", 3}}));
  EXPECT_THAT(error_loading(file), HasSubstr("/extends: expected a lab name or a path, got an integer"));
}

TEST_F(Extends, ATypoInAParentNamesTheParentAndThePath) {
  auto parent = parent_lab();
  parent["limits"]["procesess"] = 3;
  auto parent_file = write("parent.json", parent);
  auto msg = error_loading(write("child.json", child_of("parent.json")));
  EXPECT_EQ(msg, parent_file.string() + ": /limits/procesess: unknown key 'procesess' (did you mean 'processes'?)");
}

TEST_F(Extends, BadFieldsInTheChildNameTheChildAndThePath) {
  auto child = (dir_ / "child.json").string();
  EXPECT_EQ(error_of_child({{"checks", {{{"id", "a.one"}, {"wieght", 3}}}}}),
            child + ": /checks/0/wieght: unknown key 'wieght' (did you mean 'weight'?)");
  EXPECT_EQ(error_of_child({{"limits", {{"processes", "many"}}}}),
            child + ": /limits/processes: expected an integer, got a string");
  EXPECT_EQ(error_of_child({{"extnds", "x"}}), child + ": /extnds: unknown key 'extnds' (did you mean 'extends'?)");
  EXPECT_EQ(error_of_child({{"checks", {{{"id", "b.new"}}}}}),
            child + ": /checks/0: missing required key 'weight' (no lab it extends has check 'b.new')");
}

TEST_F(Extends, CheckEntriesThatCannotApply) {
  auto child = (dir_ / "child.json").string();
  EXPECT_EQ(error_of_child({{"checks", {{{"id", "a.nine"}, {"remove", true}}}}}),
            child + ": /checks/0: cannot remove check 'a.nine': no lab it extends has it");
  EXPECT_EQ(error_of_child({{"checks", {{{"id", "a.one"}, {"remove", true}, {"weight", 2}}}}}),
            child + ": /checks/0: a check marked \"remove\" takes no other key than \"id\"");
  EXPECT_EQ(error_of_child({{"checks", {{{"id", "b.x"}, {"weight", 1}, {"after", "a.twoo"}}}}}),
            child + ": /checks/0/after: no check 'a.twoo' to place it after (did you mean 'a.two'?)");
  EXPECT_EQ(error_of_child({{"checks", {{{"id", "b.x"}, {"weight", 1}, {"after", "a.one"}, {"before", "a.two"}}}}}),
            child + ": /checks/0: give \"before\" or \"after\", not both");
  EXPECT_EQ(error_of_child({{"checks", {{{"id", "a.one"}, {"weight", 1}}, {{"id", "a.one"}, {"weight", 2}}}}}),
            child + ": /checks/1: check 'a.one' is listed twice");
}

TEST_F(Extends, TheNameIsNeverInherited) {
  write("parent.json", parent_lab());
  auto child = child_of("parent.json");
  child.erase("name");
  EXPECT_THAT(error_loading(write("child.json", child)),
              HasSubstr("child.json: /: missing required key 'name' (a lab's name is its own"));
}

TEST_F(Extends, AKeyNoFileSetsIsBlamedOnTheLab) {
  auto parent = parent_lab();
  parent.erase("role");
  write("parent.json", parent);
  auto file = write("child.json", child_of("parent.json"));
  EXPECT_EQ(error_loading(file), file.string() +
                                     ": /: missing required key 'role' (neither this file nor a lab it extends sets it)");
}

TEST_F(Extends, SchemaOneStandsAloneAsItAlwaysDid) {
  auto v1 = parent_lab();
  v1["schema"] = "sockgrade.lab/1";
  auto old = load(write("old.json", v1));
  EXPECT_TRUE(old.spec.build.cpp.empty());  // the loader's own defaults, not labs/base/defaults.json
  EXPECT_EQ(old.spec.build.make, (std::vector<std::string>{"make"}));
  EXPECT_EQ(old.origins.files.size(), 1u);
  auto v2 = load(write("new.json", parent_lab()));
  EXPECT_FALSE(v2.spec.build.cpp.empty());  // from the defaults
  EXPECT_EQ(v2.spec.build.timeout_seconds, 30);  // its own
  EXPECT_EQ(fs::weakly_canonical(v2.origins.values.at("/build/cpp")), fs::weakly_canonical(kLabs / "base/defaults.json"));

  v1["extends"] = "new.json";
  EXPECT_THAT(error_loading(write("old.json", v1)),
              HasSubstr("old.json: /extends: 'extends' needs \"schema\": \"sockgrade.lab/2\""));
  v1.erase("extends");
  v1["checks"][0]["remove"] = true;
  EXPECT_THAT(error_loading(write("old.json", v1)), HasSubstr("/checks/0/remove: 'remove' needs"));
}

TEST_F(Extends, AChildOfASchemaOneLabGetsNoDefaults) {
  auto v1 = parent_lab();
  v1["schema"] = "sockgrade.lab/1";
  write("old.json", v1);
  auto child = load(write("child.json", child_of("old.json")));
  EXPECT_TRUE(child.spec.build.cpp.empty());
  EXPECT_EQ(child.origins.files.size(), 2u);
}

TEST_F(Extends, TheResolvedLabAsJsonLoadsBackTheSame) {
  for (const char* name : {"echo-server-fork", "unix-echo-server", "echo-client"}) {
    auto resolved = load(kLabs / (std::string(name) + ".json"));
    auto flat = load(write(std::string(name) + ".json", json::parse(lab_to_json(resolved.spec).dump())));
    EXPECT_EQ(lab_to_json(flat.spec), lab_to_json(resolved.spec)) << name;
  }
}

TEST_F(Extends, TheConcurrentLabsTakeTheEchoServerChecksFromIt) {
  auto fork = load(kLabs / "echo-server-fork.json");
  auto base = (kLabs / "base/echo-server-concurrent.json").lexically_normal();
  const auto& origin = fork.origins.checks.at("basic.small-echo");
  EXPECT_EQ(fs::weakly_canonical(origin.added_by), fs::weakly_canonical(kLabs / "echo-server.json"));
  EXPECT_EQ(fs::weakly_canonical(origin.weight_from), fs::weakly_canonical(base));
  EXPECT_EQ(fs::weakly_canonical(fork.origins.removed.at("connect-accept.queued-while-busy")),
            fs::weakly_canonical(base));
}

// The checks' own validation (ids, parameters) names the entry of the file that lists the check,
// not its place in the resolved lab.
TEST_F(Extends, AnUnknownCheckOrParameterIsReportedWhereTheFileListsIt) {
  auto file = write("mine.json", child_of("echo-server-fork", {{"checks", json::parse(R"([
    {"id": "concurrency.burst", "weight": 1},
    {"id": "concurrency.brust", "weight": 1}
  ])")}}));
  auto v = checks::validate_lab_checks(load(file).spec);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message,
            file.string() + ": /checks/1/id: unknown check 'concurrency.brust' (did you mean 'concurrency.burst'?)");
  file = write("mine.json", child_of("echo-server-thread", {{"checks", json::parse(R"([
    {"id": "concurrency.model", "params": {"modle": 1}}
  ])")}}));
  v = checks::validate_lab_checks(load(file).spec);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message, HasSubstr(file.string() + ": /checks/0/params/modle: check 'concurrency.model' has no "
                                           "parameter 'modle' (did you mean 'model'?)"));
}

}  // namespace
}  // namespace sockgrade::lab
