// The evidence vocabulary: every key the checks and the engine write is a term of it, views
// order and label by it, and values of the wrong kind are named.
#include "report/evidence.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "sockgrade_source_dir.hpp"

namespace sockgrade::report {
namespace {

namespace fs = std::filesystem;

// Keys written as literals in the engine and the checks: evidence()["key"], ev["key"] and
// evidence_["key"]. The conformance runner checks the keys of every fixture's report too, which
// covers keys written any other way.
std::set<std::string> keys_written_in_sources() {
  std::set<std::string> keys;
  const std::regex written(R"re((?:evidence\(\)|evidence_|\bev|\.evidence)\["([a-z_]+)"\])re");
  for (const char* dir : {"harness/grading", "harness/checks"}) {
    for (const auto& entry : fs::directory_iterator(fs::path(SOCKGRADE_TEST_SOURCE_DIR) / dir)) {
      if (entry.path().extension() != ".cpp") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      const std::string s = text.str();
      for (std::sregex_iterator it(s.begin(), s.end(), written), end; it != end; ++it) keys.insert((*it)[1]);
    }
  }
  return keys;
}

TEST(EvidenceVocabulary, EveryKeyTheSourcesWriteIsATerm) {
  auto keys = keys_written_in_sources();
  ASSERT_GT(keys.size(), 50u) << "the scan found too few keys: has the code moved?";
  for (const auto& key : keys) EXPECT_NE(evidence_term(key), nullptr) << "evidence key \"" << key << "\"";
}

TEST(EvidenceVocabulary, TermsAreUniqueAndLeadingOnesComeFirst) {
  std::set<std::string_view> seen;
  bool leading = true;
  for (const auto& t : evidence_vocabulary()) {
    EXPECT_TRUE(seen.insert(t.key).second) << "twice: " << t.key;
    EXPECT_FALSE(t.leads && !leading) << t.key << " leads but comes after a term that does not";
    leading = leading && t.leads;
    EXPECT_FALSE(t.label.empty()) << t.key;
    EXPECT_FALSE(t.meaning.empty()) << t.key;
  }
}

TEST(EvidenceItems, LeadingTermsInTableOrderThenTheRestByKeyThenUnknown) {
  nlohmann::json ev = {{"zzz_from_another_version", 1},
                       {"wall_ms", 3},
                       {"received", {{"bytes", 2}, {"preview", "ab"}}},
                       {"accept_queue", 0},
                       {"sent", {{"bytes", 2}, {"preview", "ab"}}},
                       {"received_hex", "61 62"}};
  std::vector<std::string> order;
  for (const auto& i : evidence_items(ev)) order.push_back(i.key);
  EXPECT_EQ(order, (std::vector<std::string>{"sent", "received", "received_hex", "accept_queue", "wall_ms",
                                             "zzz_from_another_version"}));
  auto items = evidence_items(ev);
  EXPECT_EQ(items[2].label, "received (hex)");
  EXPECT_EQ(items[2].kind, EvidenceKind::hex);
  EXPECT_EQ(items[3].label, "accept queue");
  EXPECT_EQ(items[5].label, "zzz_from_another_version");
}

TEST(EvidenceProblems, NamesUnknownKeysAndValuesOfTheWrongKind) {
  EXPECT_TRUE(evidence_problems({{"sent", {{"bytes", 1}, {"preview", "a"}}}, {"seed", 7}}).empty());
  auto p = evidence_problems({{"sent", "abc"}, {"printed_hex", "61"}, {"first_difference", "x"}});
  ASSERT_EQ(p.size(), 3u);
  EXPECT_NE(p[0].find("first_difference"), std::string::npos);
  EXPECT_NE(p[1].find("\"printed_hex\" is not in the vocabulary"), std::string::npos);
  EXPECT_NE(p[2].find("\"sent\" is not {\"bytes\""), std::string::npos);
}

}  // namespace
}  // namespace sockgrade::report
