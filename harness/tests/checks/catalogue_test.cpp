// The built-in catalogue: each check's description (labs/checks/<category>.json, embedded in the
// binary) joined to its function (checks/<category>.cpp), one to one; and the strict reading of
// the description files, whose every error is one line naming the file and the JSON path.
#include "sockgrade_source_dir.hpp"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "checks/catalogue.hpp"
#include "support/result_matchers.hpp"

namespace sockgrade::checks {
namespace {

using ::testing::HasSubstr;
using sockgrade::testing::FailsWith;

const std::string kSourceDir = SOCKGRADE_TEST_SOURCE_DIR;

Outcome does_nothing(Context&) { return Outcome::error("never run"); }

// A description file of the basic category with these entries of "checks".
std::string file_with(const std::string& checks) {
  return R"({"schema": "sockgrade.checks/1", "description": "test", "checks": [)" + checks + "]}";
}

std::string check_entry(const std::string& id, const std::string& extra = "") {
  return R"({"id": ")" + id + R"(", "title": "T", "requirement": "R", "hint": "H", "role": "server",
             "budget_ms": 1000, "typical_ms": 10)" + extra + "}";
}

// `entry` with its first `from` replaced by `to`: one field made wrong.
std::string with(std::string entry, const std::string& from, const std::string& to) {
  return entry.replace(entry.find(from), from.size(), to);
}

std::vector<CheckFunction> all_functions() {
  std::vector<CheckFunction> out;
  for (auto list : {basic_checks, connect_accept_checks, partial_io_checks, sigpipe_checks, shutdown_checks,
                    concurrency_checks, resources_checks, robustness_checks, memory_checks}) {
    for (const auto& f : list()) out.push_back(f);
  }
  return out;
}

TEST(Catalogue, EveryFunctionHasOneDescriptionAndEveryDescriptionOneFunction) {
  auto joined = join_checks(all_functions(), embedded_description_files());
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  std::size_t described = 0;
  for (const auto& file : embedded_description_files()) {
    auto infos = parse_descriptions(file);
    ASSERT_TRUE(infos.ok()) << infos.error().message;
    described += infos->size();
  }
  EXPECT_EQ(joined->size(), all_functions().size());
  EXPECT_EQ(joined->size(), described);
  EXPECT_EQ(builtin_checks().all().size(), joined->size());
}

TEST(Catalogue, IdsAreUniqueAndCategorised) {
  std::set<std::string> ids;
  for (const auto& c : builtin_checks()) {
    EXPECT_TRUE(ids.insert(c.info.id).second) << "duplicate " << c.info.id;
    // The catalogue fills the category in from the id's prefix, which must be one of BRIEF §3's.
    EXPECT_EQ(c.info.id.substr(0, c.info.id.find('.')), c.info.category) << c.info.id;
    EXPECT_THAT(categories(), ::testing::Contains(c.info.category)) << c.info.id;
    EXPECT_FALSE(c.info.title.empty()) << c.info.id;
    EXPECT_NE(c.run, nullptr) << c.info.id;
    for (const auto& p : c.info.params) {
      EXPECT_LE(p.min, p.default_value) << c.info.id << " " << p.name;
      EXPECT_LE(p.default_value, p.max) << c.info.id << " " << p.name;
    }
  }
  EXPECT_EQ(find_check("no.such-check"), nullptr);
}

TEST(Catalogue, CategoryIsTheIdsKnownPrefix) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"partial-io.eintr", "partial-io"}, {"robustness.udp-client-gives-up", "robustness"},
      {"robustnes.typo", ""},             {"basic", ""},
      {".basic", ""}};
  for (const auto& [id, category] : cases) EXPECT_EQ(category_of(id), category) << id;
}

// The binary holds the files of the source tree as they are: all of them, none stale.
TEST(Catalogue, EmbedsEveryDescriptionFileOfTheSourceTree) {
  std::set<std::string> on_disk, embedded;
  for (const auto& e : std::filesystem::directory_iterator(kSourceDir + "/labs/checks")) {
    if (e.path().extension() == ".json") on_disk.insert("labs/checks/" + e.path().filename().string());
  }
  for (const auto& file : embedded_description_files()) {
    embedded.insert(std::string(file.name));
    std::ifstream in(kSourceDir + "/" + std::string(file.name));
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), file.text) << file.name << " changed since the build embedded it";
  }
  EXPECT_EQ(embedded, on_disk);
}

TEST(Catalogue, ReadsEveryFieldOfADescription) {
  const std::string text = file_with(R"({"id": "concurrency.x", "title": "T", "requirement": "R", "hint": "H",
      "role": "client", "note": "why", "budget_ms": 1000, "typical_ms": 10,
      "params": [{"name": "model", "default": 2, "min": 1, "max": 3, "description": "D", "note": "n",
                  "choices": [{"word": "fork", "value": 1}, {"word": "thread", "value": 2}]}]})");
  const DescriptionFile file{"labs/checks/concurrency.json", text};
  auto infos = parse_descriptions(file);
  ASSERT_TRUE(infos.ok()) << infos.error().message;
  ASSERT_EQ(infos->size(), 1u);
  const auto& i = infos->front();
  EXPECT_EQ(i.id, "concurrency.x");
  EXPECT_EQ(i.title, "T");
  EXPECT_EQ(i.requirement, "R");
  EXPECT_EQ(i.hint, "H");
  EXPECT_EQ(i.role, "client");
  EXPECT_EQ(i.budget_ms, 1000);
  EXPECT_EQ(i.typical_ms, 10);
  ASSERT_EQ(i.params.size(), 1u);
  const auto& p = i.params[0];
  EXPECT_EQ(p.name, "model");
  EXPECT_EQ(p.default_value, 2);
  EXPECT_EQ(p.min, 1);
  EXPECT_EQ(p.max, 3);
  EXPECT_EQ(p.description, "D");
  using Choices = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(p.choices, (Choices{{"fork", 1}, {"thread", 2}}));  // in the file's order
}

TEST(Catalogue, ReadsAListOfChecksParameter) {
  const std::string text = file_with(R"({"id": "memory.x", "title": "T", "requirement": "R", "hint": "H",
      "role": "any", "budget_ms": 1000, "typical_ms": 10,
      "params": [{"name": "replay", "kind": "checks", "description": "D", "note": "n"}]})");
  auto infos = parse_descriptions({"labs/checks/memory.json", text});
  ASSERT_TRUE(infos.ok()) << infos.error().message;
  ASSERT_EQ(infos->front().params.size(), 1u);
  EXPECT_EQ(infos->front().params[0].kind, "checks");
  EXPECT_EQ(infos->front().params[0].description, "D");
}

struct BadFile {
  std::string name;  // of the file, for its category
  std::string text;
  std::string says;  // the path and the complaint
};

TEST(Catalogue, ABadDescriptionIsOneLineNamingTheFileAndThePath) {
  const std::string a = check_entry("basic.a");
  const std::string param = R"(, "params": [{"name": "n", "min": 0, "max": 9, )";
  const std::vector<BadFile> bad = {
      {"basic", file_with(check_entry("basic.a", R"(, "hnit": "x")")),
       "/checks/0/hnit: unknown key 'hnit' (did you mean 'hint'?)"},
      {"basic", file_with(check_entry("basic.a", param + R"("default": 1}])")),
       "/checks/0/params/0: missing required key 'description'"},
      {"basic", file_with(with(a, "1000", "\"1000\"")), "/checks/0/budget_ms: expected an integer, got a string"},
      {"basic", file_with(with(a, "\"T\"", "\"\"")), "/checks/0/title: must not be empty"},
      {"basic", file_with(with(a, "server", "serve")), "/checks/0/role: \"serve\" is not one of"},
      {"basic", file_with(check_entry("sigpipe.a")),
       "/checks/0/id: 'sigpipe.a' is not an id of this file's category: basic.name"},
      {"basic", file_with(a + "," + a), "/checks/1/id: check 'basic.a' is described twice"},
      {"basic", file_with(check_entry("basic.a", param + R"("default": 10, "description": "d"}])")),
       "/checks/0/params/0/default: 10 is out of range [0, 9]"},
      {"basic",
       file_with(check_entry("basic.a", param + R"("default": 1, "description": "d",
                                                     "choices": [{"word": "w", "value": 12}]}])")),
       "/checks/0/params/0/choices/0/value: 12 is out of range [0, 9]"},
      {"basic", file_with(check_entry("basic.a", R"(, "params": [{"name": "n", "kind": "words", "description": "d"}])")),
       "/checks/0/params/0/kind: \"words\" is not one of \"integer\", \"checks\""},
      {"basic",
       file_with(check_entry("basic.a", R"(, "params": [{"name": "n", "kind": "checks", "default": 1, "description": "d"}])")),
       "/checks/0/params/0/default: a \"checks\" parameter has no default"},
      {"basic", R"({"schema": "sockgrade.checks/2", "checks": []})", "/schema: expected \"sockgrade.checks/1\""},
      {"basic", R"({"schema": "sockgrade.checks/1", "checks": {}})", "/checks: expected an array, got an object"},
      {"basic", "{\"schema\": \n", "not valid JSON"},
      {"basics", file_with(""), "'basics' is not a category of checks"},
  };
  for (const auto& b : bad) {
    const std::string name = "labs/checks/" + b.name + ".json";
    auto r = parse_descriptions({name, b.text});
    EXPECT_THAT(r, FailsWith(::testing::AllOf(::testing::StartsWith(name + ": "), HasSubstr(b.says),
                                              ::testing::Not(HasSubstr("\n")))))
        << b.text;
  }
}

TEST(Catalogue, JoiningFindsAFunctionOrADescriptionWithoutItsPair) {
  const std::string a_and_b = file_with(check_entry("basic.a") + "," + check_entry("basic.b"));
  const std::string a = file_with(check_entry("basic.a"));
  const DescriptionFile two{"labs/checks/basic.json", a_and_b};
  auto ok = join_checks({{"basic.b", does_nothing}, {"basic.a", does_nothing}}, {two});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].info.id, "basic.b");  // in the order of the functions
  EXPECT_EQ((*ok)[0].info.category, "basic");
  EXPECT_EQ((*ok)[0].run, does_nothing);

  EXPECT_THAT(join_checks({{"basic.a", does_nothing}}, {two}),
              FailsWith("labs/checks/basic.json: check 'basic.b' is described but has no function"));
  EXPECT_THAT(join_checks({{"basic.a", does_nothing}, {"basic.b", does_nothing}, {"basic.c", does_nothing}}, {two}),
              FailsWith("check 'basic.c' has a function but no description (labs/checks/basic.json)"));
  EXPECT_THAT(join_checks({{"basic.a", does_nothing}, {"basic.a", does_nothing}, {"basic.b", does_nothing}}, {two}),
              FailsWith("check 'basic.a' has two functions"));
  const DescriptionFile again{"labs/checks/basic.json", a};
  EXPECT_THAT(join_checks({{"basic.a", does_nothing}, {"basic.b", does_nothing}}, {two, again}),
              FailsWith(HasSubstr("check 'basic.a' is also described in labs/checks/basic.json")));
}

}  // namespace
}  // namespace sockgrade::checks
