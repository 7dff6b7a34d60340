// The HTML report as a student sees it: rendered by headless Chromium (Debian's `chromium`,
// installed by scripts/setup.sh), the score and a failing check's evidence must be on the
// page as laid out — in the rendered text (innerText skips what CSS hides or a closed
// <details> folds away), with a non-empty box, no ancestor with display:none, visibility:hidden
// or opacity 0 — and the sequence diagrams drawn with a size. A probe script is added to a
// copy of the page (the report itself has none); its findings come back through --dump-dom.
// Without Chromium the test fails and says how to install it: it must never pass unseen.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "report/formats.hpp"
#include "support/sample_report.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

const char* kProbe = R"(<script>
(function () {
  function shown(el) {
    if (!el) return false;
    for (var e = el; e && e.nodeType === 1; e = e.parentElement) {
      var cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || cs.visibility === 'collapse' ||
          parseFloat(cs.opacity) === 0) return false;
    }
    var r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  }
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
  var out = document.createElement('pre');
  out.id = 'sockgrade-probe';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
})();
</script>
)";

// $SOCKGRADE_CHROMIUM, else the first Chromium on PATH; "" when there is none.
std::string find_chromium() {
  if (const char* env = std::getenv("SOCKGRADE_CHROMIUM"); env && *env) return env;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    auto found = testing::run_shell(std::string("command -v ") + name + " 2>/dev/null");
    std::string path = found.out;
    while (!path.empty() && path.back() == '\n') path.pop_back();
    if (found.exit_code == 0 && !path.empty()) return path;
  }
  return "";
}

std::string html_unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    static const std::pair<const char*, char> kEntities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
                                                             {"&quot;", '"'}, {"&#39;", '\''}, {"&nbsp;", ' '}};
    bool done = false;
    for (const auto& [entity, c] : kEntities) {
      if (s.compare(i, std::strlen(entity), entity) == 0) {
        out += c;
        i += std::strlen(entity) - 1;
        done = true;
        break;
      }
    }
    if (!done) out += '&';
  }
  return out;
}

TEST(HtmlInChromium, ScoreAndAFailuresEvidenceAreVisible) {
  std::string chromium = find_chromium();
  ASSERT_FALSE(chromium.empty()) << "Chromium is needed to check the HTML report as rendered, and none was found: "
                                    "install Debian's `chromium` package (scripts/setup.sh installs it), or set "
                                    "SOCKGRADE_CHROMIUM to a Chromium binary";
  auto html = render_html(testing::sample_report());
  auto body_end = html.rfind("</body>");
  ASSERT_NE(body_end, std::string::npos);
  testing::TempDir dir;
  auto page = dir.write("report-probe.html", html.substr(0, body_end) + kProbe + html.substr(body_end));
  std::string profile = (dir / "profile").string();
  std::string cmd = "HOME=" + dir.path().string() + " timeout 120 " + chromium +
                    " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
                    " --user-data-dir=" + profile + " --window-size=1200,900 --dump-dom file://" + page.string() +
                    " 2>" + (dir / "chromium.log").string();
  auto chrome = testing::run_shell(cmd);
  ASSERT_EQ(chrome.exit_code, 0) << "chromium failed (" << chrome.exit_code << "): "
                                 << testing::read_file(dir / "chromium.log");
  const std::string& dom = chrome.out;

  const std::string open = "<pre id=\"sockgrade-probe\">";
  auto start = dom.find(open);
  ASSERT_NE(start, std::string::npos) << "the probe did not run; the DOM was:\n" << dom.substr(0, 2000);
  auto end = dom.find("</pre>", start);
  json result = json::parse(html_unescape(dom.substr(start + open.size(), end - start - open.size())));
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
