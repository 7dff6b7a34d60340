// The views' structure, beyond their golden files: each platform's documented keys and
// nothing else, the two kinds of failure kept apart in JUnit (checked well-formed by xmllint),
// student bytes made harmless in XML/HTML/Markdown, and hidden checks hidden from students in
// every student-facing view while the instructors' JSON keeps them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/bytes.hpp"
#include "report/formats.hpp"
#include "report/json_writer.hpp"
#include "report/view.hpp"
#include "support/sample_report.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

std::set<std::string> keys_of(const json& j) {
  std::set<std::string> out;
  for (const auto& [k, v] : j.items()) out.insert(k);
  return out;
}

testing::ShellRun run(const std::string& cmd) { return testing::run_shell(cmd + " 2>&1"); }

// xmllint's verdict on `xml` ("" when well-formed). CI installs libxml2-utils (setup.sh).
std::string xml_problems(const std::string& xml) {
  if (run("command -v xmllint").exit_code != 0) return "xmllint not found: install libxml2-utils (scripts/setup.sh)";
  testing::TempDir dir;
  auto path = dir.write("report.xml", xml);
  auto c = run("xmllint --noout " + path.string());
  return c.exit_code == 0 ? "" : c.out;
}

std::string xpath(const std::string& xml, const std::string& expr) {
  testing::TempDir dir;
  auto path = dir.write("report.xml", xml);
  auto c = run("xmllint --xpath '" + expr + "' " + path.string());
  while (!c.out.empty() && c.out.back() == '\n') c.out.pop_back();
  return c.out;
}

const std::vector<std::string> kStudentFormats = {"text", "gradescope", "prairielearn", "autolab",
                                                  "junit", "html", "markdown"};

// ---- hidden checks -----------------------------------------------------------------------

TEST(HiddenChecks, NoStudentViewShowsThem) {
  auto r = testing::sample_report();
  for (const auto& name : kStudentFormats) {
    std::string out = find_format(name)->render(r);
    if (name == "gradescope") {
      // Gradescope keeps them for the instructor, with visibility "hidden" (never shown to
      // students); its student-facing summary has only the total.
      auto doc = json::parse(out);
      EXPECT_THAT(doc["output"].get<std::string>(), Not(HasSubstr(testing::kHiddenMarker)));
      for (const auto& t : doc["tests"]) {
        bool hidden = t.dump().find(testing::kHiddenMarker) != std::string::npos;
        EXPECT_EQ(t["visibility"], hidden ? "hidden" : "visible") << t.dump();
      }
      continue;
    }
    EXPECT_THAT(out, Not(HasSubstr(testing::kHiddenMarker))) << name;
    EXPECT_THAT(out, Not(HasSubstr("sigpipe.peer-vanishes"))) << name;
    EXPECT_THAT(out, Not(HasSubstr("connect-accept.queued-while-busy"))) << name;
    EXPECT_THAT(out, Not(HasSubstr("Ignore SIGPIPE"))) << name;
  }
}

TEST(HiddenChecks, StudentViewsStateTheirTotal) {
  auto r = testing::sample_report();
  for (const auto& name : kStudentFormats) {
    if (name == "autolab") continue;  // one line of scores: the hidden points are in their category
    EXPECT_THAT(find_format(name)->render(r), HasSubstr("2 hidden checks: 5/9 points")) << name;
  }
  EXPECT_EQ(hidden_line(r), "2 hidden checks: 5/9 points");
  r.tests.pop_back();
  EXPECT_EQ(hidden_line(r), "1 hidden check: 0/4 points");
  for (auto& t : r.tests) t.hidden = false;
  EXPECT_EQ(hidden_line(r), "");
  EXPECT_THAT(render_html(r), Not(HasSubstr("hidden check")));
}

TEST(HiddenChecks, TheInstructorsJsonKeepsThemMarked) {
  auto doc = json::parse(render_json(testing::sample_report()));
  int hidden = 0;
  for (const auto& t : doc["tests"]) {
    if (t["hidden"] == true) {
      ++hidden;
      EXPECT_THAT(t["title"].get<std::string>(), HasSubstr(testing::kHiddenMarker));
    }
  }
  EXPECT_EQ(hidden, 2);
  EXPECT_EQ(doc["tests"][6]["evidence"]["sent"]["preview"], testing::kHiddenMarker);
}

TEST(HiddenChecks, CountInEveryScore) {
  auto r = testing::sample_report();
  EXPECT_EQ(json::parse(render_gradescope(r))["score"], 19.0);
  EXPECT_NEAR(json::parse(render_prairielearn(r))["score"].get<double>(), 19.0 / 43.0, 1e-4);
  auto scores = json::parse(render_autolab(r))["scores"];
  EXPECT_EQ(scores["connect-accept"], 5.0);  // the hidden pass
}

// ---- Gradescope --------------------------------------------------------------------------

TEST(Gradescope, HasExactlyTheDocumentedKeys) {
  auto doc = json::parse(render_gradescope(testing::sample_report()));
  EXPECT_EQ(keys_of(doc), (std::set<std::string>{"score", "execution_time", "output", "output_format", "visibility",
                                                 "stdout_visibility", "tests"}));
  EXPECT_EQ(doc["output_format"], "text");
  EXPECT_EQ(doc["visibility"], "visible");
  EXPECT_EQ(doc["execution_time"], 1);  // seconds
  ASSERT_EQ(doc["tests"].size(), 8u);
  double sum = 0;
  std::set<std::string> numbers;
  for (const auto& t : doc["tests"]) {
    numbers.insert(t["number"].get<std::string>());
    // A harness error carries no points and no status: Gradescope then counts it for nothing.
    if (t["tags"][1] == "error") {
      EXPECT_EQ(keys_of(t), (std::set<std::string>{"name", "number", "output", "tags", "visibility"}));
      continue;
    }
    EXPECT_EQ(keys_of(t), (std::set<std::string>{"name", "number", "score", "max_score", "status", "output", "tags",
                                                 "visibility"}));
    EXPECT_THAT((std::set<std::string>{"passed", "failed"}), ::testing::Contains(t["status"].get<std::string>()));
    EXPECT_THAT((std::set<std::string>{"visible", "hidden", "after_due_date", "after_published"}),
                ::testing::Contains(t["visibility"].get<std::string>()));
    EXPECT_TRUE(t["number"].is_string());
    sum += t["score"].get<double>();
  }
  EXPECT_EQ(numbers.size(), 8u);
  EXPECT_EQ(sum, doc["score"].get<double>());
}

TEST(Gradescope, KeepsTheRealStatusInTagsAndOutput) {
  auto doc = json::parse(render_gradescope(testing::sample_report()));
  const auto& timeout = doc["tests"][3];
  EXPECT_EQ(timeout["status"], "failed");
  EXPECT_EQ(timeout["tags"], (json{"partial-io", "timeout"}));
  EXPECT_THAT(timeout["output"].get<std::string>(), HasSubstr("timed out"));
  EXPECT_THAT(doc["tests"][2]["output"].get<std::string>(), HasSubstr("says nothing about your program"));
  EXPECT_THAT(doc["tests"][2]["name"].get<std::string>(), HasSubstr("(harness error: not counted)"));
  EXPECT_FALSE(doc["tests"][2].contains("max_score"));
  EXPECT_THAT(doc["tests"][1]["output"].get<std::string>(), HasSubstr("sockgrade test echo-server /subs/alice --only"));
  EXPECT_THAT(doc["output"].get<std::string>(), HasSubstr("score incomplete"));
}

// ---- PrairieLearn ------------------------------------------------------------------------

TEST(PrairieLearn, HasTheDocumentedKeysAndAFractionalScore) {
  auto r = testing::sample_report();
  r.tests.erase(r.tests.begin() + 2);  // no harness error: gradable
  auto doc = json::parse(render_prairielearn(r));
  EXPECT_EQ(keys_of(doc), (std::set<std::string>{"gradable", "score", "message", "output", "tests"}));
  EXPECT_EQ(doc["gradable"], true);
  EXPECT_GE(doc["score"].get<double>(), 0.0);
  EXPECT_LE(doc["score"].get<double>(), 1.0);
  EXPECT_NEAR(doc["score"].get<double>(), 19.0 / 43.0, 1e-4);
  ASSERT_EQ(doc["tests"].size(), 5u);  // the visible ones
  for (const auto& t : doc["tests"]) {
    EXPECT_EQ(keys_of(t), (std::set<std::string>{"name", "description", "points", "max_points", "message", "output"}));
  }
  EXPECT_THAT(doc["message"].get<std::string>(), HasSubstr("2 hidden checks: 5/9 points"));
}

TEST(PrairieLearn, NotGradableWhenTheBuildFailedOrTheHarnessErred) {
  auto r = testing::sample_report();
  auto doc = json::parse(render_prairielearn(r));  // has a harness error
  EXPECT_EQ(doc["gradable"], false);
  EXPECT_THAT(doc["message"].get<std::string>(), HasSubstr("harness error"));
  r.tests.erase(r.tests.begin() + 2);
  r.build.status = "failed";
  r.build.message = "the build failed (exit status 1)";
  doc = json::parse(render_prairielearn(r));
  EXPECT_EQ(doc["gradable"], false);
  EXPECT_THAT(doc["message"].get<std::string>(), HasSubstr("The build failed"));
}

// ---- Autolab -----------------------------------------------------------------------------

TEST(Autolab, OneLineOfScoresPerCategory) {
  auto r = testing::sample_report();
  auto out = render_autolab(r);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "exactly one line: " << out;
  auto doc = json::parse(out);
  EXPECT_EQ(keys_of(doc), std::set<std::string>{"scores"});
  EXPECT_EQ(keys_of(doc["scores"]), (std::set<std::string>{"basic", "shutdown", "resources", "partial-io", "sigpipe",
                                                           "connect-accept"}));
  double sum = 0;
  for (const auto& [k, v] : doc["scores"].items()) sum += v.get<double>();
  EXPECT_EQ(sum, r.score);
  EXPECT_EQ(doc["scores"]["basic"], 14.0);
}

// ---- JUnit -------------------------------------------------------------------------------

TEST(Junit, IsWellFormedAndKeepsFailureAndErrorApart) {
  auto xml = render_junit(testing::sample_report());
  ASSERT_EQ(xml_problems(xml), "");
  EXPECT_EQ(xpath(xml, "count(//testcase)"), "6");  // the visible checks
  EXPECT_EQ(xpath(xml, "count(//testcase/failure)"), "2");  // the failure and the timeout
  EXPECT_EQ(xpath(xml, "count(//testcase/error)"), "1");    // the harness error
  EXPECT_EQ(xpath(xml, "count(//testcase/skipped)"), "1");
  EXPECT_EQ(xpath(xml, "string(//testcase[@name=\"partial-io.short-writes\"]/failure/@type)"), "timeout");
  EXPECT_EQ(xpath(xml, "string(//testcase[@name=\"resources.idle-cpu\"]/error/@type)"), "harness-error");
  EXPECT_EQ(xpath(xml, "string(//testsuite/@failures)"), "2");
  EXPECT_EQ(xpath(xml, "string(//testsuite/@errors)"), "1");
  EXPECT_EQ(xpath(xml, "string(//testsuite/@skipped)"), "1");
  EXPECT_EQ(xpath(xml, "string(//testsuite/@tests)"), "6");
  EXPECT_EQ(xpath(xml, "string(//property[@name=\"hidden_checks\"]/@value)"), "2 hidden checks: 5/9 points");
  // Student bytes are text, not markup; the terminal escape is gone.
  EXPECT_THAT(xml, HasSubstr("&lt;/pre&gt;&lt;script&gt;"));
  EXPECT_THAT(xml, Not(HasSubstr("\x1b")));
}

TEST(Junit, StripsBytesInvalidInXml) {
  auto r = testing::sample_report();
  static const char kBytes[] = "got \xff\xfe and \x01\x02 and a NUL \0 here";
  r.tests[1].message = std::string(kBytes, sizeof kBytes - 1) + " \xed\xa0\x80 \xef\xbf\xbf end";
  r.tests[1].evidence["stderr_tail"] = std::string("\x00\x1b[0m\x7f\xc3\x28", 7);
  auto xml = render_junit(r);
  EXPECT_EQ(xml_problems(xml), "");
  EXPECT_THAT(xml, HasSubstr("got \xef\xbf\xbd\xef\xbf\xbd and  and a NUL  here"));
  EXPECT_THAT(xml, HasSubstr(" end"));
}

TEST(Junit, AFailedBuildIsATestcase) {
  auto r =
      testing::sample_report_with_failed_build("server.c:3:1: error: expected ';' before '}' token & <more>\n");
  auto xml = render_junit(r);
  ASSERT_EQ(xml_problems(xml), "");
  EXPECT_EQ(xpath(xml, "string(//testcase[@name=\"build\"]/failure/@type)"), "build");
  EXPECT_THAT(xpath(xml, "string(//testcase[@name=\"build\"]/failure)"), HasSubstr("expected ';' before '}' token & <more>"));
}

// ---- HTML --------------------------------------------------------------------------------

TEST(Html, IsSelfContained) {
  auto html = render_html(testing::sample_report());
  for (const char* external : {"http://", "https://", "src=", "<link", "url(", "@import", "<script", "<iframe"}) {
    EXPECT_THAT(html, Not(HasSubstr(external))) << "an external resource or script: " << external;
  }
  EXPECT_THAT(html, HasSubstr("<style>"));
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
}

TEST(Html, ShowsEvidenceEscapedAndAsHex) {
  auto html = render_html(testing::sample_report());
  EXPECT_THAT(html, HasSubstr("id=\"score\""));
  EXPECT_THAT(html, HasSubstr("19/43"));
  // The student's stderr is text on the page, never markup.
  EXPECT_THAT(html, HasSubstr("warning: &lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("\x1b")));
  // The preview "<b>&amp;\\\"\x00" as escaped text, and its bytes in hex.
  EXPECT_THAT(html, HasSubstr("&lt;b&gt;&amp;amp;\\\\&quot;\\x00"));
  EXPECT_THAT(html, HasSubstr(xml_escape(hex_dump(std::string("<b>&amp;\\\"\0", 11), 0, 64))));
  // A failure's own texts.
  auto r = testing::sample_report();
  EXPECT_THAT(html, HasSubstr(xml_escape(r.tests[1].message)));
  EXPECT_THAT(html, HasSubstr(xml_escape(r.tests[1].hint)));
  EXPECT_THAT(html, HasSubstr(xml_escape(r.tests[1].repro)));
}

TEST(Html, DrawsTheTraceAsASequenceDiagram) {
  auto html = render_html(testing::sample_report());
  // Two traces drawn (the failure and the timeout), none for the hidden failure.
  std::size_t svgs = 0;
  for (auto p = html.find("<svg class=\"sequence\""); p != std::string::npos; p = html.find("<svg class=\"sequence\"", p + 1)) ++svgs;
  EXPECT_EQ(svgs, 2u);
  // The failure's trace: connect, send and half-close go to the program, eof comes back from it.
  auto start = html.find("id=\"check-shutdown.half-close\"");
  ASSERT_NE(start, std::string::npos);
  auto svg = html.substr(html.find("<svg", start), html.find("</svg>", start) - html.find("<svg", start));
  std::size_t arrows = 0;
  for (auto p = svg.find("<polygon"); p != std::string::npos; p = svg.find("<polygon", p + 1)) ++arrows;
  EXPECT_EQ(arrows, 4u);
  EXPECT_THAT(svg, HasSubstr(">client#1</text>"));
  EXPECT_THAT(svg, HasSubstr(">program</text>"));  // no program event in this trace: the lifeline is named for it
  EXPECT_THAT(svg, HasSubstr("send 64.0 KiB in 2 calls"));
}

// ---- Markdown ----------------------------------------------------------------------------

TEST(Markdown, IsASummaryWithATableAndInertStudentText) {
  auto r = testing::sample_report();
  r.submission_path = "/subs/<img src=x onerror=alert(1)>|*bold*_`code`_[link](x)";
  auto md = render_markdown(r);
  EXPECT_THAT(md, HasSubstr("## ❌ sockgrade · echo-server: 19/43 points"));
  EXPECT_THAT(md, HasSubstr("| status | check | title | points |"));
  EXPECT_THAT(md, HasSubstr("| ✅ passed | `basic.small-echo` | A short line is echoed back | 8/8 |"));
  EXPECT_THAT(md, HasSubstr("### ❌ shutdown.half-close: Half-close is honoured"));
  // Inline student text (a directory name) is neither HTML nor Markdown.
  EXPECT_THAT(md, Not(HasSubstr("<img")));
  EXPECT_THAT(md, HasSubstr("/subs/&lt;img src=x onerror=alert(1)&gt;\\|\\*bold\\*\\_\\`code\\`\\_\\[link\\](x)"));
  // The message sits in a fenced block, which no backtick run inside can close.
  r.tests[1].message = "````` five backticks";
  md = render_markdown(r);
  EXPECT_THAT(md, HasSubstr("``````text\n"));
}

TEST(Html, AFailedBuildIsExplainedOnceNotOnceACheck) {
  auto r = testing::sample_report_with_failed_build("server.c:3:1: error: expected ';' <here>\n");
  auto html = render_html(r);
  EXPECT_THAT(html, HasSubstr("The build failed"));
  EXPECT_THAT(html, HasSubstr("expected &#39;;&#39; &lt;here&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<section class=\"check failed\" id=\"check-")));
  EXPECT_THAT(html, HasSubstr("<td><code>shutdown.half-close</code></td>"));  // in the table, linking nowhere
  auto md = render_markdown(r);
  EXPECT_THAT(md, HasSubstr("### ❌ The build failed"));
  EXPECT_THAT(md, Not(HasSubstr("### ❌ shutdown.half-close")));
}

// ---- shared helpers ----------------------------------------------------------------------

TEST(ViewHelpers, UnescapePreviewInvertsEscapePreview) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  bool truncated = true;
  EXPECT_EQ(unescape_preview(escape_preview(all, 256), &truncated), all);
  EXPECT_FALSE(truncated);
  EXPECT_EQ(unescape_preview(escape_preview(all, 10), &truncated), all.substr(0, 10));
  EXPECT_TRUE(truncated);
  EXPECT_EQ(unescape_preview("a\\q\\x4"), "a\\q\\x4");  // malformed escapes stay as written
}

TEST(ViewHelpers, XmlSafeTextKeepsValidUtf8Only) {
  EXPECT_EQ(xml_safe_text("héllo … 😀\t\n\r"), "héllo … 😀\t\n\r");
  EXPECT_EQ(xml_safe_text(std::string("a\0b\x01\x1f\x7f", 6)), "ab\x7f");
  EXPECT_EQ(xml_safe_text("\xff"), "\xef\xbf\xbd");
  EXPECT_EQ(xml_safe_text("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");      // overlong
  EXPECT_EQ(xml_safe_text("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  EXPECT_EQ(xml_safe_text("\xef\xbf\xbe|\xef\xbf\xbf"), "|");             // U+FFFE, U+FFFF
  EXPECT_EQ(xml_safe_text("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");       // cut short
  EXPECT_EQ(xml_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(ViewHelpers, PointsWithoutTrailingZeros) {
  EXPECT_EQ(format_points(8), "8");
  EXPECT_EQ(format_points(12.5), "12.5");
  EXPECT_EQ(format_points(8.0 / 3.0), "2.67");
  EXPECT_EQ(format_points(0.004), "0");
}

TEST(Formats, OneExplicitListWithEveryFormat) {
  EXPECT_EQ(format_names(), "json, text, gradescope, prairielearn, autolab, junit, html, markdown");
  EXPECT_EQ(find_format("xml"), nullptr);
  ASSERT_NE(find_format("junit"), nullptr);
  EXPECT_EQ(find_format("junit")->render, &render_junit);
}

}  // namespace
}  // namespace sockgrade::report
