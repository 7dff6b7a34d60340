#include "checks/catalogue.hpp"
#include "core/strings.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

namespace sockgrade::checks {

const std::vector<std::string_view>& categories() {
  static const std::vector<std::string_view> all = {"basic",       "connect-accept", "partial-io",
                                                    "sigpipe",     "shutdown",       "concurrency",
                                                    "resources",   "robustness",     "memory"};
  return all;
}

std::string_view category_of(std::string_view id) {
  auto dot = id.find('.');
  if (dot == std::string_view::npos) return {};
  std::string_view prefix = id.substr(0, dot);
  const auto& known = categories();
  return std::find(known.begin(), known.end(), prefix) != known.end() ? prefix : std::string_view{};
}

namespace {

// Every description, by id, with the file it is in (for errors).
struct Described {
  CheckInfo info;
  std::string_view file;
  bool joined = false;
};

Result<std::map<std::string, Described, std::less<>>> read_descriptions(const std::vector<DescriptionFile>& files) {
  std::map<std::string, Described, std::less<>> by_id;
  for (const auto& file : files) {
    SG_TRY(auto infos, parse_descriptions(file));
    for (auto& info : infos) {
      auto [it, fresh] = by_id.try_emplace(info.id, Described{info, file.name});
      if (!fresh) {
        return error_result(std::string(file.name) + ": check '" + info.id + "' is also described in " +
                            std::string(it->second.file));
      }
    }
  }
  return by_id;
}

}  // namespace

Result<std::vector<CheckDef>> join_checks(const std::vector<CheckFunction>& functions,
                                          const std::vector<DescriptionFile>& files) {
  SG_TRY(auto by_id, read_descriptions(files));
  std::vector<CheckDef> joined;
  for (const auto& f : functions) {
    auto it = by_id.find(f.id);
    if (it == by_id.end()) {
      return error_result("check '" + std::string(f.id) + "' has a function but no description (labs/checks/" +
                          std::string(category_of(f.id)) + ".json)");
    }
    if (it->second.joined) return error_result("check '" + std::string(f.id) + "' has two functions");
    it->second.joined = true;
    CheckDef def{it->second.info, f.run};
    def.info.category = std::string(category_of(def.info.id));
    joined.push_back(std::move(def));
  }
  for (const auto& [id, d] : by_id) {
    if (!d.joined) {
      return error_result(std::string(d.file) + ": check '" + id + "' is described but has no function");
    }
  }
  return joined;
}

const Catalogue& builtin_checks() {
  static const Catalogue all([] {
    std::vector<CheckFunction> functions;
    for (auto list : {basic_checks, connect_accept_checks, partial_io_checks, sigpipe_checks, shutdown_checks,
                      concurrency_checks, resources_checks, robustness_checks, memory_checks}) {
      for (const auto& f : list()) functions.push_back(f);
    }
    auto joined = join_checks(functions, embedded_description_files());
    // A slip in a checks file or in labs/checks/, caught by the first run of any test (tests/checks: Catalogue).
    if (!joined) throw std::logic_error(joined.error().message);
    return std::move(joined).value();
  }());
  return all;
}

const CheckDef* find_check(std::string_view id) { return builtin_checks().find(id); }

}  // namespace sockgrade::checks
