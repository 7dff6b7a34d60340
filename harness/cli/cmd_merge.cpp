// sockgrade merge DIR... --out DIR: joins the outputs of `sockgrade grade --shard` runs into one
// (reports, errors, then the gradebook, summary, HTML reports and dashboard made from them,
// exactly as one run makes them). The same submission graded in two inputs with different results is an error.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <system_error>

#include "batch/class_files.hpp"
#include "cli/commands.hpp"
#include "report/json_writer.hpp"

namespace sockgrade::cli {
namespace {
namespace fs = std::filesystem;

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string out;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int run_merge(const MergeArgs& args) {
  std::error_code ec;
  std::map<std::string, fs::path> taken;  // "reports/alice.json" → the input it came from
  for (const auto& input : args.inputs) {
    if (printed_error(batch::check_batch_output(input))) return kBadInput;
  }
  for (const char* sub : {"reports", "errors"}) {
    fs::create_directories(fs::path(args.out) / sub, ec);
    if (ec) {
      print_error("cannot create " + (fs::path(args.out) / sub).string() + ": " + ec.message());
      return kBadInput;
    }
  }
  for (const auto& input : args.inputs) {
    for (const char* sub : {"reports", "errors"}) {
      fs::path dir = fs::path(input) / sub;
      if (!fs::is_directory(dir, ec)) continue;
      for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.path().extension() != ".json" || e.path().filename().string().front() == '.') continue;
        std::string key = std::string(sub) + "/" + e.path().filename().string();
        std::string content = slurp(e.path());
        auto [it, fresh] = taken.emplace(key, e.path());
        if (!fresh && slurp(it->second) != content) {
          print_error(key + " differs between " + it->second.string() + " and " + e.path().string() +
                      " (the same submission in two shards?)");
          return kBadInput;
        }
        fs::path target = fs::path(args.out) / key;
        if (fs::equivalent(e.path(), target, ec)) continue;  // merging into one of the inputs
        auto w = report::write_file_atomically(target.string(), content);
        if (printed_error(w)) return kBadInput;
      }
    }
  }
  auto summary = batch::write_class_files(args.out);
  if (printed_error(summary)) return kBadInput;
  std::fputs(summary->c_str(), stdout);
  return kAllPassed;
}

}  // namespace

void add_merge_command(CLI::App& app, int& exit_code) {
  static MergeArgs args;
  auto* cmd = app.add_subcommand("merge", "Join the outputs of sharded `sockgrade grade` runs");
  cmd->add_option("DIR", args.inputs, "output directories of `sockgrade grade --shard`")->required();
  cmd->add_option("--out", args.out, "the merged output directory")->required();
  cmd->callback([&exit_code] { exit_code = run_merge(args); });
}

}  // namespace sockgrade::cli
