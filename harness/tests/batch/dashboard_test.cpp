// The dashboard's bytes: made from the reports alone (again and again the same), each graded
// submission linked to its HTML report written beside its JSON one, and every string from a
// file escaped, a hostile name included. How it looks in a browser: dashboard_browser_test.
#include "batch/dashboard.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "batch/class_files.hpp"
#include "support/sample_class.hpp"

namespace sockgrade::batch {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using sockgrade::testing::read_file;
using sockgrade::testing::TempDir;

TEST(Dashboard, ClassFilesAreTheSameBytesEveryTime) {
  TempDir out;
  testing::write_sample_class(out);
  auto summary = write_class_files(out.path());
  ASSERT_TRUE(summary) << summary.error().message;
  std::string index = read_file(out / "index.html");
  std::string alice = read_file(out / "reports/alice.html");
  ASSERT_THAT(index, HasSubstr("<!DOCTYPE html>"));
  ASSERT_THAT(alice, HasSubstr("Score <strong>19/43</strong>"));
  fs::remove(out / "index.html");
  fs::remove(out / "reports/alice.html");
  ASSERT_TRUE(write_class_files(out.path()));
  EXPECT_EQ(read_file(out / "index.html"), index);
  EXPECT_EQ(read_file(out / "reports/alice.html"), alice);
}

TEST(Dashboard, EveryGradedSubmissionLinksToItsHtmlReport) {
  TempDir out;
  testing::write_sample_class(out);
  ASSERT_TRUE(write_class_files(out.path()));
  std::string index = read_file(out / "index.html");
  for (const char* id : {"alice", "bob", "carol", "dave"}) {
    EXPECT_THAT(index, HasSubstr("<a href=\"reports/" + std::string(id) + ".html\">" + id + "</a>"));
    EXPECT_TRUE(fs::exists(out / "reports" / (std::string(id) + ".html"))) << id;
  }
  // The hostile name's page exists under its own name; the link percent-encodes it.
  EXPECT_TRUE(fs::exists(out / "reports" / (std::string(testing::kHostileId) + ".html")));
  EXPECT_THAT(index, HasSubstr("href=\"reports/%22%3E%3Cimg%20src%3Dx%20onerror%3Dwindow.pwned%3D1%3E.html\""));
  // Not graded: no link, the reason shown.
  EXPECT_THAT(index, Not(HasSubstr("reports/mallory")));
  EXPECT_THAT(index, HasSubstr("<td class=\"kind\">harness-error</td><td class=\"reason\">sockgrade test exited with 3"));
}

// The sample class's dashboard, rendered from its files.
std::string sample_dashboard() {
  TempDir out;
  testing::write_sample_class(out);
  auto rows = load_rows(out.path());
  EXPECT_TRUE(rows) << rows.error().message;
  return rows ? render_dashboard(*rows) : "";
}

TEST(Dashboard, EachRowNamesTheChecksNotPassedOrSaysAll) {
  std::string html = sample_dashboard();
  EXPECT_THAT(html, HasSubstr("<td class=\"not-passed\">all 8 checks</td>"));  // carol
  EXPECT_THAT(html, HasSubstr("<td class=\"not-passed\">sigpipe.peer-vanishes</td>"));  // dave
  EXPECT_THAT(html, HasSubstr("<tr data-id=\"carol\" data-percent=\"0\" class=\"build-failed\">"));
  EXPECT_THAT(html, HasSubstr("<tr data-id=\"alice\" data-percent=\"44.19\" class=\"incomplete\">"));
}

TEST(Dashboard, StringsFromFilesAreText) {
  std::string html = sample_dashboard();
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<script>window")));
  EXPECT_THAT(html, HasSubstr("&quot;&gt;&lt;img src=x onerror=window.pwned=1&gt;</a>"));
  EXPECT_THAT(html, HasSubstr("entry &#39;&lt;script&gt;window.pwned=1&lt;/script&gt;&#39; climbs out"));
  // One script: the page's own.
  std::size_t scripts = 0;
  for (auto at = html.find("<script"); at != std::string::npos; at = html.find("<script", at + 1)) ++scripts;
  EXPECT_EQ(scripts, 1u);
}

TEST(Dashboard, NoSubmissionsIsAPageToo) {
  std::string html = render_dashboard({});
  EXPECT_THAT(html, HasSubstr("0 submissions · 0 graded (0 did not build) · 0 not graded"));
  EXPECT_THAT(html, HasSubstr("Every submission was graded."));
  EXPECT_THAT(html, HasSubstr("data-count=\"0\""));
}

TEST(Dashboard, ABatchOutputNeedsReportsOrErrors) {
  TempDir out;
  EXPECT_FALSE(check_batch_output(out.path()));
  fs::create_directories(out / "errors");
  EXPECT_TRUE(check_batch_output(out.path()));
}

}  // namespace
}  // namespace sockgrade::batch
