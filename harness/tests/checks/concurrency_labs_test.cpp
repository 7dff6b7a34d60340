// The concurrent labs as data: they load, their checks validate, they share the echo-server
// checks (by id, not copies) except the one that assumes an iterative server, and each asks
// concurrency.model for its own model.
#include "scenario/lab_catalogue.hpp"
#include "sockgrade_source_dir.hpp"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "checks/catalogue.hpp"
#include "lab/lab_loader.hpp"

namespace sockgrade::checks {
namespace {

const std::string kSource = SOCKGRADE_TEST_SOURCE_DIR;

lab::LabSpec load(const std::string& name) {
  auto lab = lab::load_lab_file(kSource + "/labs/" + name + ".json");
  EXPECT_TRUE(lab.ok()) << name << ": " << (lab.ok() ? "" : lab.error().message);
  return lab.ok() ? *lab : lab::LabSpec{};
}

std::set<std::string> ids(const lab::LabSpec& lab) {
  std::set<std::string> out;
  for (const auto& c : lab.checks) out.insert(c.id);
  return out;
}

TEST(ConcurrentLabs, EveryBundledLabLoadsAndValidates) {
  for (const auto& e : std::filesystem::directory_iterator(kSource + "/labs")) {
    if (e.path().extension() != ".json") continue;
    auto lab = lab::load_lab_file(e.path());
    ASSERT_TRUE(lab.ok()) << e.path() << ": " << lab.error().message;
    auto v = validate_lab_checks(*lab);
    EXPECT_TRUE(v.ok()) << e.path() << ": " << (v.ok() ? "" : v.error().message);
    EXPECT_TRUE(std::filesystem::exists(e.path().parent_path() / lab->contract)) << lab->contract;
  }
}

TEST(ConcurrentLabs, ShareTheEchoServerChecksExceptQueuedWhileBusy) {
  auto iterative = ids(load("echo-server"));
  for (const char* name : {"echo-server-fork", "echo-server-thread", "echo-server-select"}) {
    auto lab = load(name);
    auto mine = ids(lab);
    for (const auto& id : iterative) {
      if (id == "connect-accept.queued-while-busy") {
        EXPECT_FALSE(mine.count(id)) << name << " lists " << id << ", which assumes an iterative server";
      } else {
        EXPECT_TRUE(mine.count(id)) << name << " lacks " << id;
      }
    }
    double total = 0;
    for (const auto& c : lab.checks) total += c.weight;
    EXPECT_NEAR(total, 100, 1e-9) << name;  // shares of 100 points, in hundredths
  }
}

TEST(ConcurrentLabs, EachAsksForItsOwnModel) {
  const std::pair<const char*, int64_t> labs[] = {
      {"echo-server-fork", 1}, {"echo-server-thread", 2}, {"echo-server-select", 3}};
  const auto* model = find_check("concurrency.model");
  ASSERT_NE(model, nullptr);
  for (const auto& [name, want] : labs) {
    auto lab = load(name);
    bool found = false;
    for (const auto& c : lab.checks) {
      if (c.id != "concurrency.model") continue;
      found = true;
      EXPECT_EQ(param_value(model->info, c, "model"), want) << name;
    }
    EXPECT_TRUE(found) << name;
    auto mine = ids(lab);
    // Zombies and the parent's copies exist only where there is a fork.
    bool fork = want == 1;
    EXPECT_EQ(mine.count("concurrency.children-reaped") == 1, fork) << name;
    EXPECT_EQ(mine.count("concurrency.parent-closes") == 1, fork) << name;
  }
}

}  // namespace
}  // namespace sockgrade::checks
