// Every format against its golden file under reports/golden/, rendered from the sample report
// (support/sample_report.hpp). A change to a view shows up as a diff of that file in review.
// To accept a change: SOCKGRADE_UPDATE_GOLDEN=1 ctest --test-dir build -R report_golden (or
// scripts/update-golden.sh), then read the diff before committing it.
#include "sockgrade_source_dir.hpp"
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "report/formats.hpp"
#include "support/sample_report.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::report {
namespace {

namespace fs = std::filesystem;

const fs::path kGoldenDir = fs::path(SOCKGRADE_TEST_SOURCE_DIR) / "reports" / "golden";

// The golden file of each format. A format added to the registry without one fails below.
const std::map<std::string, std::string>& golden_names() {
  static const std::map<std::string, std::string> kNames = {
      {"json", "sample.json"},           {"text", "sample.txt"},
      {"gradescope", "sample.gradescope.json"}, {"prairielearn", "sample.prairielearn.json"},
      {"autolab", "sample.autolab.txt"}, {"junit", "sample.junit.xml"},
      {"html", "sample.html"},           {"markdown", "sample.md"},
  };
  return kNames;
}

bool updating() {
  const char* v = std::getenv("SOCKGRADE_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

// The first line where `a` and `b` differ, for a readable failure instead of two whole pages.
std::string first_different_line(const std::string& a, const std::string& b) {
  std::size_t line = 1, i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) line += a[i++] == '\n';
  auto line_at = [](const std::string& s, std::size_t pos) {
    std::size_t start = s.rfind('\n', pos == 0 ? 0 : pos - 1);
    start = start == std::string::npos ? 0 : start + 1;
    return s.substr(start, s.find('\n', start) - start);
  };
  return "line " + std::to_string(line) + "\n  golden:   " + line_at(a, i) + "\n  rendered: " + line_at(b, i);
}

void expect_golden(const std::string& format) {
  const Format* f = find_format(format);
  ASSERT_NE(f, nullptr) << format;
  auto name = golden_names().find(format);
  ASSERT_NE(name, golden_names().end()) << "no golden file for format " << format;
  fs::path path = kGoldenDir / name->second;
  std::string rendered = f->render(testing::sample_report());
  if (updating()) {
    fs::create_directories(kGoldenDir);
    std::ofstream(path, std::ios::binary) << rendered;
    std::printf("updated %s\n", path.c_str());
    return;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " is missing: run with SOCKGRADE_UPDATE_GOLDEN=1 to create it";
  std::string golden = testing::read_file(path);
  EXPECT_TRUE(golden == rendered) << path << " differs from the rendered " << format << " view at "
                                  << first_different_line(golden, rendered)
                                  << "\n(if the change is intended: SOCKGRADE_UPDATE_GOLDEN=1, then review the diff)";
}

TEST(Golden, Json) { expect_golden("json"); }
TEST(Golden, Text) { expect_golden("text"); }
TEST(Golden, Gradescope) { expect_golden("gradescope"); }
TEST(Golden, PrairieLearn) { expect_golden("prairielearn"); }
TEST(Golden, Autolab) { expect_golden("autolab"); }
TEST(Golden, Junit) { expect_golden("junit"); }
TEST(Golden, Html) { expect_golden("html"); }
TEST(Golden, Markdown) { expect_golden("markdown"); }

TEST(Golden, EveryRegisteredFormatHasOne) {
  for (const auto& f : formats()) {
    EXPECT_TRUE(golden_names().count(f.name)) << "format " << f.name << " has no golden file (and no golden test)";
  }
  EXPECT_EQ(golden_names().size(), formats().size());
}

}  // namespace
}  // namespace sockgrade::report
