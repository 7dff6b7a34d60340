// sockgrade labs: the bundled labs with their titles.
#include <cstdio>

#include "cli/commands.hpp"
#include "lab/lab_loader.hpp"

namespace sockgrade::cli {

void add_labs_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("labs", "List the bundled labs");
  cmd->callback([&exit_code] {
    auto names = lab::bundled_lab_names();
    if (names.empty()) {
      print_error("no bundled labs found (looked in $SOCKGRADE_LABS and next to the executable)");
      exit_code = kBadInput;
      return;
    }
    for (const auto& name : names) {
      auto spec = load_lab(name);
      if (spec) {
        std::printf("%-22s %s (%zu checks)\n", name.c_str(), spec->title.c_str(), spec->checks.size());
      } else {
        std::printf("%-22s (broken: %s)\n", name.c_str(), spec.error().message.c_str());
      }
    }
    exit_code = kAllPassed;
  });
}

}  // namespace sockgrade::cli
