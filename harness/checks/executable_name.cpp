// basic.executable-name: the build's program has the name the lab asks for. A build that left
// one executable under another name is graded all the same (lab/build.cpp says so in the
// report's build section); whether the name costs points is the lab's decision: it lists this
// check, with a weight, or not (no bundled lab does).
#include <filesystem>

#include "grading/context.hpp"
#include "checks/catalogue.hpp"

namespace sockgrade::checks {
namespace {

Outcome executable_name(Context& ctx) {
  const std::string wanted = ctx.lab().build.executable;
  const std::string graded = std::filesystem::path(ctx.settings().executable).filename().string();
  ctx.evidence()["executable"] = graded;
  ctx.evidence()["expected_executable"] = wanted;
  if (graded == wanted) return Outcome::pass("the program is named '" + wanted + "', as the lab asks");
  return Outcome::fail("the program is named '" + graded + "', not '" + wanted + "' as the lab asks");
}

}  // namespace

std::vector<CheckDef> executable_name_checks() {
  CheckInfo info{"basic.executable-name", "basic", "The program has the name the lab asks for",
                 "The build produces an executable with the lab's name (e.g. 'server').",
                 "The lab's scripts run the program by name: make the Makefile's target (or the -o of the compile "
                 "command) produce exactly that name.",
                 "any", {}, 5000, 1};
  return {{info, executable_name}};
}

}  // namespace sockgrade::checks
