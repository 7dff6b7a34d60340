// sockgrade doctor's sanitizer rows: for each sanitizer the memory checks use, a small probe with a
// known bug is compiled and run here, and the row says yes only when the report names the probe's
// own line (so a missing libasan, a kernel TSan cannot map, or a tracer ptrace refuses shows here,
// not as a student's failure).
#include "cli/doctor_sanitizers.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/strings.hpp"
#include "grading/sanitizer_report.hpp"
#include "lab/sanitized_build.hpp"

namespace sockgrade::cli {
namespace {
namespace fs = std::filesystem;

// Each bug sits on a line marked with its probe's name; the report must name that line.
constexpr const char* kProbe = R"(#include <pthread.h>
#include <stdlib.h>
int shared;
static void *bump(void *arg) { shared++; return arg; } /* thread */
static void lose(void) { char *p = malloc(24); p[0] = 1; } /* leak */
static void scrub(void) { volatile char junk[256]; for (int i = 0; i < 256; i++) junk[i] = 0; }
int main(int argc, char **argv) {
  char *buf = calloc(8, 1);
  int mode = argc > 1 ? atoi(argv[1]) : 0;
  volatile int big = 2147483647;
  if (mode == 1) buf[argc + 6] = 1; /* address */
  if (mode == 2) big += argc; /* undefined */
  if (mode == 3) { lose(); scrub(); }
  if (mode == 4) { pthread_t t; pthread_create(&t, NULL, bump, NULL); shared++; pthread_join(t, NULL); }
  int r = buf[0] + (big == 0);
  free(buf);
  return r;
}
)";

struct Probe {
  const char* name;     // the marker, and the row's name
  const char* sanitizer;
  int mode;
  const char* what;
};

int marked_line(const char* marker) {
  std::string text = kProbe;
  auto pos = text.find(std::string("/* ") + marker + " */");
  int line = 1;
  for (std::size_t i = 0; i < pos && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// "" when the probe's report names its line; else why not.
std::string run_probe(const fs::path& dir, const Probe& p) {
  fs::path exe = dir / (std::string("probe-") + p.sanitizer);
  if (!fs::exists(exe)) {
    std::string cmd = "cc " + join(lab::sanitizer_flags(p.sanitizer), " ") + " -pthread -o " + shell_quote(exe.string()) +
                      " " + shell_quote((dir / "probe.c").string()) + " > " + shell_quote((dir / "cc.log").string()) + " 2>&1";
    if (std::system(cmd.c_str()) != 0) return "the probe does not compile: " + read_all(dir / "cc.log").substr(0, 200);
  }
  fs::path logs = dir / p.name;
  fs::create_directories(logs);
  std::string opts = "log_path=" + (logs / "report").string() + ":halt_on_error=1";
  std::string env = "ASAN_OPTIONS=" + opts + ":detect_leaks=1 UBSAN_OPTIONS=" + opts + ":print_stacktrace=1 TSAN_OPTIONS=" + opts;
  // GCC's UBSan beside libasan ignores log_path: its reports are read from stderr.
  fs::path err = dir / (std::string(p.name) + ".stderr");
  std::string cmd = env + " " + shell_quote(exe.string()) + " " + std::to_string(p.mode) + " > /dev/null 2> " +
                    shell_quote(err.string());
  (void)std::system(cmd.c_str());
  std::string log = read_all(err);
  for (const auto& e : fs::directory_iterator(logs)) log += read_all(e.path());
  auto reports = grading::parse_sanitizer_log(log);
  if (reports.empty()) {
    auto first = log.substr(0, log.find('\n'));
    return log.empty() ? "no report" : "no report, only: " + first.substr(0, 200);
  }
  int want = marked_line(p.name);
  for (const auto& r : reports) {
    if (!r.location.empty() && r.location.find("probe.c:" + std::to_string(want) + ":") != std::string::npos) return "";
    for (const auto& s : r.sections) {
      for (const auto& f : s.frames) {
        if (f.line == want && f.file.find("probe.c") != std::string::npos) return "";
      }
    }
  }
  return "a report that does not name probe.c:" + std::to_string(want) + ": " + reports.front().headline.substr(0, 160);
}

}  // namespace

void print_sanitizer_rows() {
  std::printf("\nsanitizers (the memory checks: a probe with a known bug, its report must name its line)\n");
  char tmpl[] = "/tmp/sockgrade-doctor-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    std::printf("  ?    cannot create a directory for the probes in /tmp\n");
    return;
  }
  fs::path dir = tmpl;
  std::ofstream(dir / "probe.c") << kProbe;
  const Probe probes[] = {
      {"address", "address", 1, "AddressSanitizer: out-of-bounds access, use after free"},
      {"undefined", "address", 2, "UndefinedBehaviorSanitizer: signed overflow, bad index"},
      {"leak", "address", 3, "LeakSanitizer: memory per client never freed"},
      {"thread", "thread", 4, "ThreadSanitizer: data races (the thread lab)"},
  };
  for (const auto& p : probes) {
    std::string why = run_probe(dir, p);
    std::printf("  %-4s %-9s %s%s\n", why.empty() ? "yes" : "NO", p.name, p.what,
                why.empty() ? (" (probe.c:" + std::to_string(marked_line(p.name)) + ")").c_str() : "");
    if (!why.empty()) std::printf("                 why: %s\n", why.c_str());
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace sockgrade::cli
