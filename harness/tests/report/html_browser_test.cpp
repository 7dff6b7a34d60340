// The HTML report as a student sees it: rendered by headless Chromium (Debian's `chromium`,
// installed by scripts/setup.sh), the score and a failing check's evidence must be on the
// page as laid out — in the rendered text (innerText skips what CSS hides or a closed
// <details> folds away), with a non-empty box, no ancestor with display:none, visibility:hidden
// or opacity 0 — and the sequence diagrams drawn with a size. A probe script is added to a
// copy of the page (the report itself has none); its findings come back through --dump-dom.
// Without Chromium the test fails and says how to install it: it must never pass unseen.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "report/formats.hpp"
#include "support/chromium.hpp"
#include "support/sample_report.hpp"

namespace sockgrade::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

const std::string kProbe = std::string("<script>\n(function () {\n") + testing::kProbeHelpersJs + R"(
  var result = {
    text: document.body.innerText,
    score: shown(document.getElementById('score')),
    failure: shown(document.getElementById('check-shutdown.half-close')),
    evidence: Array.prototype.map.call(document.querySelectorAll('section.check table.evidence, section.check pre'), shown),
    diagrams: Array.prototype.map.call(document.querySelectorAll('svg.sequence'), function (s) {
      var r = s.getBoundingClientRect();
      return shown(s) && r.width > 100 && r.height > 50;
    })
  };
  answer(result);
})();
</script>
)";

TEST(HtmlInChromium, ScoreAndAFailuresEvidenceAreVisible) {
  std::string chromium = testing::find_chromium();
  ASSERT_FALSE(chromium.empty()) << testing::kNoChromium;
  auto page_html = testing::with_script(render_html(testing::sample_report()), kProbe);
  ASSERT_FALSE(page_html.empty());
  testing::TempDir dir;
  auto page = dir.write("report-probe.html", page_html);
  auto chrome = testing::dump_dom(chromium, dir, page);
  ASSERT_EQ(chrome.exit_code, 0) << "chromium failed (" << chrome.exit_code << "): "
                                 << testing::read_file(dir / "chromium.log");
  std::string probe = testing::probe_output(chrome.out);
  ASSERT_FALSE(probe.empty()) << "the probe did not run; the DOM was:\n" << chrome.out.substr(0, 2000);
  json result = json::parse(probe);
  std::string text = result["text"].get<std::string>();

  EXPECT_TRUE(result["score"].get<bool>()) << "the score is not visible";
  EXPECT_THAT(text, HasSubstr("Score 19/43 points"));
  EXPECT_TRUE(result["failure"].get<bool>()) << "the failed check's section is not visible";
  EXPECT_THAT(text, HasSubstr("after the client's half-close, the server closed without echoing 64.0 KiB"));
  EXPECT_THAT(text, HasSubstr("read() returning 0 means the client half-closed"));
  // The timed-out check's bytes: as escaped text (the student's "<b>" is text, not markup)
  // and as hex.
  EXPECT_THAT(text, HasSubstr("<b>&amp;\\\\\"\\x00"));
  EXPECT_THAT(text, HasSubstr("00000000  3c 62 3e 26 61 6d 70 3b 5c 22 00"));
  EXPECT_THAT(text, HasSubstr("warning: </pre><script>alert(1)</script>"));
  ASSERT_FALSE(result["evidence"].empty());
  for (const auto& shown : result["evidence"]) EXPECT_TRUE(shown.get<bool>()) << "a piece of evidence is hidden";
  ASSERT_EQ(result["diagrams"].size(), 2u);
  for (const auto& drawn : result["diagrams"]) EXPECT_TRUE(drawn.get<bool>()) << "a sequence diagram has no size";
  // Hidden checks: only their total.
  EXPECT_THAT(text, HasSubstr("2 hidden checks: 5/9 points"));
  EXPECT_THAT(text, Not(HasSubstr(testing::kHiddenMarker)));
}

}  // namespace
}  // namespace sockgrade::report
