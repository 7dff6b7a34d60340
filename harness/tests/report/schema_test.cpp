// The JSON view against the shipped JSON Schema (reports/schema/report.schema.json, draft 7),
// with valijson. Negative cases prove the validator is not vacuous.
#include "sockgrade_source_dir.hpp"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/utils/nlohmann_json_utils.hpp>
#include <valijson/validator.hpp>

#include <memory>
#include <string>

#include "report/json_writer.hpp"
#include "report/model.hpp"
#include "support/sample_report.hpp"

namespace sockgrade::report {
namespace {

using nlohmann::json;

const std::string kSchemaPath = std::string(SOCKGRADE_TEST_SOURCE_DIR) + "/reports/schema/report.schema.json";

class ReportSchema : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    json doc;
    ASSERT_TRUE(valijson::utils::loadDocument(kSchemaPath, doc)) << "cannot load " << kSchemaPath;
    ASSERT_EQ(doc.value("$schema", ""), "http://json-schema.org/draft-07/schema#");
    schema_ = std::make_unique<valijson::Schema>();
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(doc);
    parser.populateSchema(adapter, *schema_);
  }
  static void TearDownTestSuite() { schema_.reset(); }

  // "" when `doc` is valid, else every error with its JSON path, one a line.
  static std::string errors(const json& doc) {
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(doc);
    if (validator.validate(*schema_, target, &results)) return "";
    std::string out;
    valijson::ValidationResults::Error e;
    while (results.popError(e)) {
      std::string ctx;
      for (const auto& c : e.context) ctx += c;
      out += ctx + ": " + e.description + "\n";
    }
    return out.empty() ? "invalid (no detail)" : out;
  }
  static bool valid(const json& doc) { return errors(doc).empty(); }

  static std::unique_ptr<valijson::Schema> schema_;
};
std::unique_ptr<valijson::Schema> ReportSchema::schema_;

TEST_F(ReportSchema, SampleReportIsValid) {
  auto j = to_json(testing::sample_report());
  EXPECT_EQ(errors(j), "");
  // The text written to disk too.
  EXPECT_EQ(errors(json::parse(render_json(testing::sample_report()))), "");
}

TEST_F(ReportSchema, EveryStatusIsValid) {
  for (const char* status : {"passed", "failed", "error", "timeout", "skipped"}) {
    auto r = testing::sample_report();
    r.tests[1].status = status;
    EXPECT_EQ(errors(to_json(r)), "") << status;
  }
}

TEST_F(ReportSchema, RejectsAnEmptyDocument) { EXPECT_FALSE(valid(json::object())); }

TEST_F(ReportSchema, RejectsABadStatus) {
  auto r = testing::sample_report();
  r.tests[0].status = "passed-ish";
  EXPECT_FALSE(valid(to_json(r)));
  r = testing::sample_report();
  r.build.status = "maybe";
  EXPECT_FALSE(valid(to_json(r)));
}

TEST_F(ReportSchema, RejectsAFailureWithoutRepro) {
  auto r = testing::sample_report();
  r.tests[1].repro.clear();
  auto j = to_json(r);
  ASSERT_FALSE(j["tests"][1].contains("repro"));
  EXPECT_FALSE(valid(j));
  r.tests[1].status = "timeout";
  EXPECT_FALSE(valid(to_json(r)));
}

TEST_F(ReportSchema, BuildFailureNeedsNoRepro) {
  auto r = testing::sample_report();
  r.build.status = "failed";
  r.tests[1].repro.clear();
  r.tests[1].message = "not run: the build failed";
  EXPECT_EQ(errors(to_json(r)), "");
}

TEST_F(ReportSchema, RejectsAReproThatIsNotACommand) {
  auto r = testing::sample_report();
  r.tests[1].repro = "run it again";
  EXPECT_FALSE(valid(to_json(r)));
}

TEST_F(ReportSchema, RejectsAFailureWithoutTrace) {
  auto j = to_json(testing::sample_report());
  j["tests"][1].erase("trace");
  EXPECT_FALSE(valid(j));
}

TEST_F(ReportSchema, RejectsBadFields) {
  auto base = to_json(testing::sample_report());
  auto j = base;
  j["submission"]["sha256"] = "ABC";
  EXPECT_FALSE(valid(j));
  j = base;
  j["started_at"] = "yesterday";
  EXPECT_FALSE(valid(j));
  j = base;
  j["schema"] = "sockgrade.report/2";
  EXPECT_FALSE(valid(j));
  j = base;
  j["tests"][0]["category"] = "misc";
  EXPECT_FALSE(valid(j));
  j = base;
  j["tests"][0]["id"] = "NoCategory";
  EXPECT_FALSE(valid(j));
  j = base;
  j["environment"]["isolation"].erase("netns");
  EXPECT_FALSE(valid(j));
  j = base;
  j["tests"][1]["trace"][0].erase("actor");
  EXPECT_FALSE(valid(j));
  j = base;
  j["tests"][0]["message"] = "";
  EXPECT_FALSE(valid(j));
  j = base;
  j["seed"] = -1;
  EXPECT_FALSE(valid(j));
}

}  // namespace
}  // namespace sockgrade::report
