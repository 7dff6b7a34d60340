// sockgrade explain LAB [CHECK]: what a lab asks for, resolved ("extends" and the defaults
// applied) with the file each value came from, and what each check proves.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "lab/scenario_schema.hpp"
#include "scenario/lab_catalogue.hpp"
#include "checks/catalogue.hpp"
#include "scenario/run.hpp"
#include "grading/runner.hpp"
#include "cli/commands.hpp"
#include "core/bytes.hpp"
#include "core/strings.hpp"
#include "lab/lab_loader.hpp"

namespace sockgrade::cli {
namespace {

namespace fs = std::filesystem;

void explain_check(const checks::CheckDef& def, const lab::CheckSpec& spec) {
  const auto& i = def.info;
  std::printf("%s  (%s, weight %g%s)\n  %s\n\n", i.id.c_str(), i.category.c_str(), spec.weight,
              spec.hidden ? ", hidden" : "", i.title.c_str());
  std::printf("  requirement  %s\n", i.requirement.c_str());
  std::printf("  hint         %s\n", i.hint.c_str());
  for (const auto& p : i.params) {
    if (p.kind == "checks") {
      auto named = checks::param_checks(i, spec, p.name);
      std::printf("  parameter    %s = %s  (%s)\n", p.name.c_str(),
                  named ? join(*named, ", ").c_str() : "not given: the check's own list", p.description.c_str());
      continue;
    }
    // A parameter with named values shows the name ("model = fork").
    auto as_text = [&](int64_t v) {
      for (const auto& [word, value] : p.choices) {
        if (value == v) return word;
      }
      return std::to_string(v);
    };
    auto value = checks::param_value(i, spec, p.name);
    std::printf("  parameter    %s = %s  (%s; default %s)\n", p.name.c_str(), as_text(value).c_str(),
                p.description.c_str(), as_text(p.default_value).c_str());
  }
  // A check written as data in the lab: its steps, as the lab file has them, are what it proves.
  if (spec.scenario && spec.scenario->source.contains("steps")) {
    std::printf("  steps        (a scenario in the lab file)\n");
    for (const auto& step : spec.scenario->source["steps"]) {
      std::printf("               %s\n", lab::step_text(step).c_str());
    }
  }
}

// A file of the chain as the reader finds it: relative to the lab's directory when inside it.
std::string shown(const fs::path& file, const fs::path& lab_dir) {
  auto rel = fs::absolute(file).lexically_normal().lexically_relative(lab_dir);
  if (rel.empty() || *rel.begin() == "..") return fs::absolute(file).lexically_normal().string();
  return rel.string();
}

void print_header(const lab::ResolvedLab& r, const fs::path& lab_dir) {
  const auto& spec = r.spec;
  std::printf("%s: %s\n", spec.name.c_str(), spec.title.c_str());
  std::printf("file:     %s\n", spec.file.lexically_normal().c_str());
  if (r.origins.files.size() > 1) {
    std::vector<std::string> parents;
    for (std::size_t i = 1; i < r.origins.files.size(); ++i) parents.push_back(shown(r.origins.files[i], lab_dir));
    std::printf("extends:  %s\n", join(parents, " → ").c_str());
  }
  if (!spec.contract.empty()) std::printf("contract: %s\n", (spec.file.parent_path() / spec.contract).c_str());
  std::string argv = "./" + spec.build.executable;
  for (const auto& a : spec.run.argv) argv += " " + a;
  std::printf("run as:   %s   (default port %u)\n", argv.c_str(), spec.run.default_port);
}

void print_build_and_limits(const lab::LabSpec& spec) {
  const auto& b = spec.build;
  std::printf("build:    with a Makefile   %s\n", join(b.make, " ").c_str());
  std::printf("          else, over *.c    %s\n", join(b.c, " ").c_str());
  if (!b.cpp.empty()) std::printf("          over *.cpp, *.cc  %s\n", join(b.cpp, " ").c_str());
  std::printf("          time limit        %d s\n", b.timeout_seconds);
  const auto& l = spec.limits;
  std::printf("limits:   CPU %d s, memory %s, address space %s, %d processes, %d open files, %s per file, "
              "%d s wall per check\n\n",
              l.cpu_seconds, format_size(l.memory_bytes).c_str(), format_size(l.address_space_bytes).c_str(),
              l.processes, l.open_files, format_size(l.file_size_bytes).c_str(), l.wall_seconds);
}

void print_checks(const lab::LabSpec& spec) {
  double total = 0;
  const auto catalogue = checks::catalogue_for(spec);
  for (const auto& c : spec.checks) {
    total += c.weight;
    const auto* def = catalogue->find(c.id);
    std::printf("  %-42s %5g  %s%s\n", c.id.c_str(), c.weight, def->info.title.c_str(), c.hidden ? " (hidden)" : "");
  }
  std::printf("\n  %-42s %5g\n", "total", total);
  if (spec.points > 0) {
    std::printf("  (the lab is out of %g points: each weight written in a lab file is a share of them)\n", spec.points);
  }
}

// "label: a, b, c" under a file, wrapped so that a long list of checks stays readable.
void print_list(const char* label, const std::vector<std::string>& items) {
  if (items.empty()) return;
  std::string line = std::string("      ") + label + ":";
  const std::string indent(line.size(), ' ');
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string item = items[i] + (i + 1 < items.size() ? "," : "");
    if (line.size() + 1 + item.size() > 110 && line.size() > indent.size()) {
      std::printf("%s\n", line.c_str());
      line = indent;
    }
    line += " " + item;
  }
  std::printf("%s\n", line.c_str());
}

// What one file of the chain gives the resolved lab: values, and checks it added, changed or removed.
void print_contribution(const lab::ResolvedLab& r, const fs::path& file) {
  std::vector<std::string> values, added, weights, params, hidden, removed;
  for (const auto& [pointer, from] : r.origins.values) {
    std::string name = pointer.substr(1);
    std::replace(name.begin(), name.end(), '/', '.');
    if (from == file) values.push_back(name);
  }
  for (const auto& c : r.spec.checks) {
    const auto& o = r.origins.checks.at(c.id);
    if (o.added_by == file) added.push_back(c.id);
    if (o.added_by == file) continue;
    if (o.weight_from == file) weights.push_back(c.id);
    if (o.params_from == file) params.push_back(c.id);
    if (o.hidden_from == file) hidden.push_back(c.id);
  }
  for (const auto& [id, from] : r.origins.removed) {
    if (from == file) removed.push_back(id);
  }
  print_list("sets", values);
  print_list("adds checks", added);
  print_list("sets the weight of", weights);
  print_list("sets the params of", params);
  print_list("hides or shows", hidden);
  print_list("removes checks", removed);
}

void print_origins(const lab::ResolvedLab& r, const fs::path& lab_dir) {
  std::printf("\nWhere each value comes from (files relative to %s):\n", lab_dir.c_str());
  for (const auto& file : r.origins.files) {
    std::printf("  %s\n", shown(file, lab_dir).c_str());
    print_contribution(r, file);
  }
}

void explain_lab(const lab::ResolvedLab& r, const std::string& lab_arg) {
  fs::path lab_dir = r.spec.file.parent_path().lexically_normal();
  print_header(r, lab_dir);
  print_build_and_limits(r.spec);
  print_checks(r.spec);
  print_origins(r, lab_dir);
  std::printf("\nsockgrade explain %s CHECK tells more about one check; --json prints the resolved lab.\n",
              lab_arg.c_str());
}

// Every check of the lab matching `pattern`; false when none does (the message is printed).
bool explain_matching_checks(const lab::LabSpec& spec, const std::string& pattern) {
  bool any = false;
  const auto catalogue = checks::catalogue_for(spec);
  for (const auto& c : spec.checks) {
    if (!checks::check_matches(pattern, c.id)) continue;
    if (any) std::printf("\n");
    explain_check(*catalogue->find(c.id), c);
    any = true;
  }
  if (any) return true;
  std::vector<std::string> ids;
  for (const auto& c : spec.checks) ids.push_back(c.id);
  std::string msg = "lab " + spec.name + " has no check '" + pattern + "'";
  auto guess = closest_match(pattern, ids);
  if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
  print_error(msg);
  return false;
}

}  // namespace

void add_explain_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("explain",
                                 "Explain a lab as resolved (extends and defaults applied, with the file each value "
                                 "comes from), or one of its checks");
  static std::string lab_arg, check_arg;
  static bool as_json = false;
  cmd->add_option("LAB", lab_arg, "a bundled lab name or a path to a lab JSON file")->required();
  cmd->add_option("CHECK", check_arg, "a check id (or a glob) of that lab");
  cmd->add_flag("--json", as_json, "print the resolved lab as JSON: a lab file that extends nothing");
  cmd->callback([&exit_code] {
    exit_code = kBadInput;
    if (as_json && !check_arg.empty()) return print_error("--json prints the whole lab: leave out CHECK");
    auto resolved = load_resolved_lab(lab_arg);
    if (!resolved) return print_error(resolved.error().message);
    if (as_json) {
      std::printf("%s\n", lab::lab_to_json(resolved->spec).dump(2).c_str());
    } else if (check_arg.empty()) {
      explain_lab(*resolved, lab_arg);
    } else if (!explain_matching_checks(resolved->spec, check_arg)) {
      return;
    }
    exit_code = kAllPassed;
  });
}

}  // namespace sockgrade::cli
