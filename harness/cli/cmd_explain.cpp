// sockgrade explain LAB [CHECK]: what a lab asks for and what each check proves.
#include <cstdio>

#include "checks/registry.hpp"
#include "checks/runner.hpp"
#include "cli/commands.hpp"
#include "core/bytes.hpp"
#include "core/strings.hpp"
#include "lab/lab_loader.hpp"

namespace sockgrade::cli {
namespace {

void explain_check(const checks::CheckDef& def, const lab::CheckSpec& spec) {
  const auto& i = def.info;
  std::printf("%s  (%s, weight %g%s)\n  %s\n\n", i.id.c_str(), i.category.c_str(), spec.weight,
              spec.hidden ? ", hidden" : "", i.title.c_str());
  std::printf("  requirement  %s\n", i.requirement.c_str());
  std::printf("  hint         %s\n", i.hint.c_str());
  for (const auto& p : i.params) {
    auto value = checks::param_value(i, spec, p.name);
    std::printf("  parameter    %s = %lld  (%s; default %lld)\n", p.name.c_str(), static_cast<long long>(value),
                p.description.c_str(), static_cast<long long>(p.default_value));
  }
}

}  // namespace

void add_explain_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("explain", "Explain a lab's contract and checks, or one check");
  static std::string lab_arg, check_arg;
  static bool as_json = false;
  cmd->add_option("LAB", lab_arg, "a bundled lab name or a path to a lab JSON file")->required();
  cmd->add_option("CHECK", check_arg, "a check id (or a glob) of that lab");
  cmd->add_flag("--json", as_json, "print the resolved lab as JSON: a lab file that extends nothing");
  cmd->callback([&exit_code] {
    auto spec = load_lab(lab_arg);
    if (!spec) {
      print_error(spec.error().message);
      exit_code = kBadInput;
      return;
    }
    if (as_json) {
      std::printf("%s\n", lab::lab_to_json(*spec).dump(2).c_str());
      exit_code = kAllPassed;
      return;
    }
    if (check_arg.empty()) {
      std::printf("%s: %s\n", spec->name.c_str(), spec->title.c_str());
      if (!spec->contract.empty()) {
        std::printf("contract: %s\n", (spec->file.parent_path() / spec->contract).c_str());
      }
      std::string argv = "./" + spec->build.executable;
      for (const auto& a : spec->run.argv) argv += " " + a;
      std::printf("run as:   %s   (default port %u)\n", argv.c_str(), spec->run.default_port);
      const auto& l = spec->limits;
      std::printf("limits:   CPU %d s, memory %s, address space %s, %d processes, %d open files, %s per file, "
                  "%d s wall per check\n\n",
                  l.cpu_seconds, format_size(l.memory_bytes).c_str(), format_size(l.address_space_bytes).c_str(),
                  l.processes, l.open_files, format_size(l.file_size_bytes).c_str(), l.wall_seconds);
      double total = 0;
      for (const auto& c : spec->checks) total += c.weight;
      for (const auto& c : spec->checks) {
        const auto* def = checks::find_check(c.id);
        std::printf("  %-42s %5g  %s%s\n", c.id.c_str(), c.weight, def->info.title.c_str(), c.hidden ? " (hidden)" : "");
      }
      std::printf("\n  %-42s %5g\n\nsockgrade explain %s CHECK tells more about one check.\n", "total", total,
                  lab_arg.c_str());
      exit_code = kAllPassed;
      return;
    }
    bool any = false;
    for (const auto& c : spec->checks) {
      if (!checks::check_matches(check_arg, c.id)) continue;
      if (any) std::printf("\n");
      explain_check(*checks::find_check(c.id), c);
      any = true;
    }
    if (!any) {
      std::vector<std::string> ids;
      for (const auto& c : spec->checks) ids.push_back(c.id);
      std::string msg = "lab " + spec->name + " has no check '" + check_arg + "'";
      auto guess = closest_match(check_arg, ids);
      if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
      print_error(msg);
      exit_code = kBadInput;
      return;
    }
    exit_code = kAllPassed;
  });
}

}  // namespace sockgrade::cli
