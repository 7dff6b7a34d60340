// The class dashboard as an instructor opens it: the sample class (support/sample_class.hpp)
// written by write_class_files, then loaded by headless Chromium. A probe script added to a
// copy of the page reads what is laid out (bars with their sizes, rows, links, the not-graded
// list), clicks the table's headers and reports through --dump-dom; the page itself, untouched,
// sorts by the URL's fragment on load. Without Chromium these fail, saying how to install it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "batch/class_files.hpp"
#include "support/chromium.hpp"
#include "support/sample_class.hpp"

namespace sockgrade::batch {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nlohmann::json;
using sockgrade::testing::kHostileId;
using sockgrade::testing::TempDir;

const std::string kProbe = std::string("<script>\n(function () {\n") + testing::kProbeHelpersJs + R"(
  function all(selector, f) { return Array.prototype.map.call(document.querySelectorAll(selector), f); }
  function order() { return all('#students tbody tr', function (tr) { return tr.getAttribute('data-id'); }); }
  function click(key) { document.querySelector('#students a[data-sort="' + key + '"]').click(); return order(); }
  function fraction(tr) {
    return tr.querySelector('.fill').getBoundingClientRect().width / tr.querySelector('.track').getBoundingClientRect().width;
  }
  var result = {
    text: document.body.innerText,
    pwned: typeof window.pwned !== 'undefined',
    images: document.images.length,
    shown: all('#distribution svg, #check-rates, #category-means, #students, #not-graded table', shown),
    bins: all('svg.histogram rect.bin', function (r) {
      return { count: +r.getAttribute('data-count'), height: r.getBoundingClientRect().height };
    }),
    rates: all('#check-rates tbody tr', function (tr) { return { id: tr.getAttribute('data-check'), fraction: fraction(tr) }; }),
    categories: all('#category-means tbody tr', function (tr) { return { id: tr.getAttribute('data-category'), fraction: fraction(tr) }; }),
    links: all('#students tbody tr td:first-child a:first-child', function (a) { return decodeURIComponent(a.pathname); }),
    notGraded: all('#not-graded tbody tr', function (tr) { return tr.innerText; }),
    onLoad: order(),
    byScore: click('score'),
    byScoreAgain: click('score'),
    byName: click('name'),
    byNameAgain: click('name'),
    hash: location.hash,
    ariaSort: document.querySelector('#students a[data-sort="name"]').parentNode.getAttribute('aria-sort')
  };
  answer(result);
})();
</script>
)";

class DashboardInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = testing::find_chromium();
    ASSERT_FALSE(chromium_.empty()) << testing::kNoChromium;
    testing::write_sample_class(out_);
    auto written = write_class_files(out_.path());
    ASSERT_TRUE(written) << written.error().message;
  }

  // The page's DOM after load, `page` in the output directory (so that its links resolve).
  std::string dom_of(const std::string& page, const std::string& fragment = "") {
    auto chrome = testing::dump_dom(chromium_, scratch_, out_ / page, fragment);
    EXPECT_EQ(chrome.exit_code, 0) << "chromium failed: " << testing::read_file(scratch_ / "chromium.log");
    return chrome.out;
  }

  std::string chromium_;
  TempDir out_, scratch_;
};

const std::vector<std::string> kByName = {kHostileId, "alice", "bob", "carol", "dave"};
const std::vector<std::string> kByScore = {"bob", "dave", kHostileId, "alice", "carol"};

TEST_F(DashboardInChromium, ChartsTablesAndLinksAreLaidOut) {
  out_.write("probe.html", testing::with_script(testing::read_file(out_ / "index.html"), kProbe));
  std::string probe = testing::probe_output(dom_of("probe.html"));
  ASSERT_FALSE(probe.empty()) << "the probe did not run";
  json r = json::parse(probe);

  EXPECT_FALSE(r["pwned"].get<bool>()) << "a hostile name ran as a script";
  EXPECT_EQ(r["images"], 0) << "a hostile name became an element";
  std::string text = r["text"];
  EXPECT_THAT(text, HasSubstr(std::string(kHostileId)));
  EXPECT_THAT(text, HasSubstr("7 submissions · 5 graded (1 did not build) · 2 not graded · mean 56.6% · median 46.9%"));
  for (const auto& shown : r["shown"]) EXPECT_TRUE(shown.get<bool>()) << "a chart or table is not visible";
  ASSERT_EQ(r["shown"].size(), 5u);

  // The histogram: a bar per bin, as tall as its count.
  std::vector<int> counts;
  for (const auto& b : r["bins"]) counts.push_back(b["count"]);
  EXPECT_THAT(counts, ElementsAre(1, 0, 0, 0, 2, 0, 0, 0, 0, 1, 1));
  double one = r["bins"][0]["height"];
  EXPECT_GT(one, 40);
  EXPECT_NEAR(r["bins"][4]["height"].get<double>(), 2 * one, 1.5);
  EXPECT_NEAR(r["bins"][10]["height"].get<double>(), one, 1.5);
  EXPECT_EQ(r["bins"][5]["height"].get<double>(), 0);

  // Failure rates, most failed first, each bar as long as its rate; category bars likewise.
  ASSERT_EQ(r["rates"].size(), 8u);
  EXPECT_EQ(r["rates"][0]["id"], "shutdown.half-close");
  EXPECT_NEAR(r["rates"][0]["fraction"].get<double>(), 0.6, 0.01);
  EXPECT_EQ(r["rates"][6]["id"], "resources.idle-cpu");
  EXPECT_NEAR(r["rates"][6]["fraction"].get<double>(), 0.25, 0.01);  // its harness error left out
  EXPECT_THAT(text, HasSubstr("1 of 4 (25%) + 1 harness error"));
  ASSERT_EQ(r["categories"].size(), 6u);
  EXPECT_EQ(r["categories"][0]["id"], "basic");  // (8 + 14 + 14 + 0 + 14) / 5 of 14
  EXPECT_NEAR(r["categories"][0]["fraction"].get<double>(), 50.0 / 70, 0.01);

  // Each row links to the student's report, and the file is there.
  ASSERT_EQ(r["links"].size(), 5u);
  for (std::size_t i = 0; i < kByName.size(); ++i) {
    fs::path target = r["links"][i].get<std::string>();
    EXPECT_EQ(target, out_ / "reports" / (kByName[i] + ".html"));
    EXPECT_THAT(testing::read_file(target), HasSubstr("<p class=\"score\" id=\"score\">")) << target;
  }
  ASSERT_EQ(r["notGraded"].size(), 2u);
  EXPECT_THAT(r["notGraded"][0].get<std::string>(), HasSubstr(testing::kHostileMessage));
  EXPECT_THAT(r["notGraded"][1].get<std::string>(), HasSubstr("harness-error"));

  // Sorting by clicks: score (best first), again (worst first), name, again (z to a).
  EXPECT_EQ(r["onLoad"].get<std::vector<std::string>>(), kByName);
  EXPECT_EQ(r["byScore"].get<std::vector<std::string>>(), kByScore);
  EXPECT_EQ(r["byScoreAgain"].get<std::vector<std::string>>(),
            (std::vector<std::string>{"carol", "alice", kHostileId, "dave", "bob"}));
  EXPECT_EQ(r["byName"].get<std::vector<std::string>>(), kByName);
  EXPECT_EQ(r["byNameAgain"].get<std::vector<std::string>>(),
            (std::vector<std::string>{"dave", "carol", "bob", "alice", kHostileId}));
  EXPECT_EQ(r["hash"], "#sort=name-desc");
  EXPECT_EQ(r["ariaSort"], "descending");
}

// The ids of the students' table's rows, in the order of a dumped DOM.
std::vector<std::string> table_order(const std::string& dom) {
  std::vector<std::string> ids;
  auto at = dom.find("<table id=\"students\"");
  auto end = dom.find("</table>", at);
  const std::string open = "<tr data-id=\"";
  for (at = dom.find(open, at); at < end; at = dom.find(open, at + 1)) {
    auto start = at + open.size();
    ids.push_back(testing::html_unescape(dom.substr(start, dom.find('"', start) - start)));
  }
  return ids;
}

TEST_F(DashboardInChromium, TheUrlFragmentSortsTheUntouchedPage) {
  EXPECT_EQ(table_order(dom_of("index.html")), kByName);
  EXPECT_EQ(table_order(dom_of("index.html", "#sort=score")), kByScore);
  EXPECT_EQ(table_order(dom_of("index.html", "#sort=score-asc")),
            (std::vector<std::string>{"carol", "alice", kHostileId, "dave", "bob"}));
  EXPECT_EQ(table_order(dom_of("index.html", "#sort=name-desc")),
            (std::vector<std::string>{"dave", "carol", "bob", "alice", kHostileId}));
}

}  // namespace
}  // namespace sockgrade::batch
