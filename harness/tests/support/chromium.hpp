// Headless Chromium for the tests of pages (the HTML report, the class dashboard): find it,
// load a page and take its DOM after the page's scripts ran (--dump-dom), and read back what a
// probe script wrote into it. A test that needs Chromium fails, saying how to install it,
// when there is none: it must never pass unseen.
#pragma once

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::testing {

inline constexpr const char* kNoChromium =
    "Chromium is needed to check the page as rendered, and none was found: install Debian's `chromium` package "
    "(scripts/setup.sh installs it), or set SOCKGRADE_CHROMIUM to a Chromium binary";

// For a probe script: shown(el) is true when `el` is laid out visibly (a non-empty box, no
// ancestor with display:none, visibility:hidden or opacity 0); answer(x) puts x, as JSON, where
// probe_output finds it.
inline constexpr const char* kProbeHelpersJs = R"(
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
  function answer(result) {
    var out = document.createElement('pre');
    out.id = 'sockgrade-probe';
    out.textContent = JSON.stringify(result);
    document.body.appendChild(out);
  }
)";

// $SOCKGRADE_CHROMIUM, else the first Chromium on PATH; "" when there is none.
inline std::string find_chromium() {
  if (const char* env = std::getenv("SOCKGRADE_CHROMIUM"); env && *env) return env;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    auto found = run_shell(std::string("command -v ") + name + " 2>/dev/null");
    std::string path = found.out;
    while (!path.empty() && path.back() == '\n') path.pop_back();
    if (found.exit_code == 0 && !path.empty()) return path;
  }
  return "";
}

// The command line of a headless Chromium with a profile of its own under `scratch`, up to the
// action (--dump-dom, --screenshot=...); its stderr goes to scratch/chromium.log.
inline std::string headless_chromium(const std::string& chromium, const TempDir& scratch, const std::string& size = "1200,900") {
  return "HOME=" + scratch.path().string() + " timeout 120 " + chromium +
         " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --user-data-dir=" +
         (scratch / "profile").string() + " --window-size=" + size;
}

// The DOM of `page` (a file; `fragment` such as "#sort=score" appended to its URL) after load.
inline ShellRun dump_dom(const std::string& chromium, const TempDir& scratch, const std::filesystem::path& page,
                         const std::string& fragment = "") {
  return run_shell(headless_chromium(chromium, scratch) + " --dump-dom 'file://" + page.string() + fragment + "' 2>" +
                   (scratch / "chromium.log").string());
}

inline std::string html_unescape(const std::string& s) {
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

// A probe script's finding: the text of <pre id="sockgrade-probe"> in a dumped DOM, unescaped
// ("" when the probe did not run).
inline std::string probe_output(const std::string& dom) {
  const std::string open = "<pre id=\"sockgrade-probe\">";
  auto start = dom.find(open);
  if (start == std::string::npos) return "";
  auto end = dom.find("</pre>", start);
  return html_unescape(dom.substr(start + open.size(), end - start - open.size()));
}

// `html` with `script` inserted just before </body> ("" when the page has no </body>).
inline std::string with_script(const std::string& html, const std::string& script) {
  auto body_end = html.rfind("</body>");
  if (body_end == std::string::npos) return "";
  return html.substr(0, body_end) + script + html.substr(body_end);
}

}  // namespace sockgrade::testing
