#include "batch/class_files.hpp"

#include <fstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "batch/dashboard.hpp"
#include "batch/gradebook.hpp"
#include "report/formats.hpp"
#include "report/json_writer.hpp"
#include "report/model.hpp"

namespace sockgrade::batch {
namespace fs = std::filesystem;
namespace {

// reports/<id>.html from reports/<id>.json, by the same writer as `sockgrade test --report html=`.
Result<void> write_student_page(const fs::path& reports, const std::string& id) {
  fs::path json_path = reports / (id + ".json");
  std::ifstream in(json_path);
  if (!in) return error_result("cannot read " + json_path.string());
  try {
    auto rep = report::report_from_json(nlohmann::json::parse(in));
    return report::write_file_atomically((reports / (id + ".html")).string(), report::render_html(rep));
  } catch (const nlohmann::json::exception& e) {
    return error_result(json_path.string() + ": not a sockgrade report (" + e.what() + ")");
  }
}

}  // namespace

Result<void> check_batch_output(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir / "reports", ec) || fs::is_directory(dir / "errors", ec)) return {};
  return error_result(dir.string() + ": not an output directory of `sockgrade grade` (no reports/ or errors/)");
}

Result<std::string> write_class_files(const fs::path& out) {
  SG_TRY(auto rows, load_rows(out));
  for (const auto& row : rows) {
    if (row.graded) SG_CHECK(write_student_page(out / "reports", row.id));
  }
  auto summary = summary_text(rows);
  SG_CHECK(report::write_file_atomically((out / "gradebook.csv").string(), gradebook_csv(rows)));
  SG_CHECK(report::write_file_atomically((out / "summary.txt").string(), summary));
  SG_CHECK(report::write_file_atomically((out / "index.html").string(), render_dashboard(rows)));
  return summary;
}

}  // namespace sockgrade::batch
