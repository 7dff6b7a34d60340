// A batch's output directory built by hand: five graded submissions (copies of the sample
// report with other verdicts) and two that could not be graded, one of them, and one graded
// name, hostile (markup that must stay text). The dashboard's tests read what follows from it:
//
//   id            verdicts   score   %      bin     the checks' weights: 8 10 6 5 5 6 4 5 (49)
//   kHostileId    PFPFPFPF   23/49   46.9   4
//   alice         PFETSPFP   19/43   44.2   4       (the sample itself: a harness error)
//   bob           PPPPPPPP   49/49   100    10
//   carol         FFFFFFFF    0/49   0      0       (build failed)
//   dave          PPPPPPFP   45/49   91.8   9
//   errors/mallory.json  rejected, with markup in its message; errors/zed.json  harness-error
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "batch/gradebook.hpp"
#include "support/sample_report.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::testing {

inline constexpr const char* kHostileId = "\"><img src=x onerror=window.pwned=1>";
inline constexpr const char* kHostileMessage = "archive refused: entry '<script>window.pwned=1</script>' climbs out";

// The sample report as submission `id`, its checks' verdicts given by letters (Passed, Failed,
// Error, Timeout, Skipped), scored as the runner scores.
inline report::Report sample_with(const std::string& id, const std::string& verdicts) {
  static const std::pair<char, const char*> kStatus[] = {
      {'P', "passed"}, {'F', "failed"}, {'E', "error"}, {'T', "timeout"}, {'S', "skipped"}};
  report::Report r = sample_report();
  r.submission_id = id;
  for (std::size_t i = 0; i < r.tests.size() && i < verdicts.size(); ++i) {
    for (const auto& [letter, status] : kStatus) {
      if (verdicts[i] == letter) r.tests[i].status = status;
    }
    report::settle(r.tests[i]);
  }
  report::total(r);
  return r;
}

inline void write_sample_class(const TempDir& out) {
  auto report = [&](const report::Report& r) { out.write("reports/" + r.submission_id + ".json", report::to_json(r).dump(2)); };
  report(sample_with(kHostileId, "PFPFPFPF"));
  report(sample_report());
  report(sample_with("bob", "PPPPPPPP"));
  auto carol = sample_with("carol", "FFFFFFFF");
  carol.build.status = "failed";
  report(carol);
  report(sample_with("dave", "PPPPPPFP"));
  out.write("errors/mallory.json", batch::error_record("mallory", "rejected", kHostileMessage).dump(2));
  out.write("errors/zed.json", batch::error_record("zed", "harness-error", "sockgrade test exited with 3: out of memory").dump(2));
}

}  // namespace sockgrade::testing
