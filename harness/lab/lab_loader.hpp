// Loading a lab file strictly: an unknown key, a wrong type or a value out of range is an
// error that names the file, the JSON path and, for typos, the likely intended key.
//
// A "sockgrade.lab/2" file may say "extends": it then starts from that lab and changes it
// (README, "Writing a lab"); the lab at the root of the chain starts from the build and limit
// defaults in labs/base/defaults.json. A "sockgrade.lab/1" file stands alone, as it always did.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "lab/lab_spec.hpp"

namespace sockgrade::lab {

// Where a check of a resolved lab came from: the file that added it and the last file that set
// each of its fields.
struct CheckOrigin {
  std::filesystem::path added_by;
  std::filesystem::path weight_from;
  std::filesystem::path hidden_from;  // empty: never set (not hidden)
  std::filesystem::path params_from;  // empty: no parameters set
  std::string last_entry;             // "labs/x.json: /checks/3": the entry that last named it
};

// Which file gave each value of a resolved lab (for errors and `sockgrade explain`).
struct LabOrigins {
  std::vector<std::filesystem::path> files;                // the lab, each lab it extends, the defaults
  std::map<std::string, std::filesystem::path> values;     // "/build/c" → the file that set it
  std::map<std::string, CheckOrigin> checks;               // by check id
  std::map<std::string, std::filesystem::path> removed;    // check id → the file that removed it
};

struct ResolvedLab {
  LabSpec spec;
  LabOrigins origins;
};

// One complete lab document, read as it is: no "extends", no defaults.
Result<LabSpec> parse_lab(const nlohmann::json& doc, const std::string& source);
// A lab file with every lab it extends (and the defaults), resolved into one lab.
Result<LabSpec> load_lab_file(const std::filesystem::path& file);
Result<ResolvedLab> load_lab_with_origins(const std::filesystem::path& file);

// The lab as a lab file that extends nothing: every value spelled out, so that loading it gives
// the same LabSpec (`sockgrade explain LAB --json`, and the snapshots of the bundled labs).
nlohmann::ordered_json lab_to_json(const LabSpec& lab);

// Where bundled labs live: $SOCKGRADE_LABS, <exe>/../labs, <exe>/../share/sockgrade/labs,
// then the source tree the binary was built from.
std::vector<std::filesystem::path> lab_directories();
// A bundled lab name ("echo-server") or a path to a lab JSON file.
Result<std::filesystem::path> resolve_lab(const std::string& name_or_path);
// Names of the bundled labs, sorted.
std::vector<std::string> bundled_lab_names();

}  // namespace sockgrade::lab
