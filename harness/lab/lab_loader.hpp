// Loading a lab file strictly: an unknown key, a wrong type or a value out of range is an
// error that names the file, the JSON path and, for typos, the likely intended key.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "lab/lab_spec.hpp"

namespace sockgrade::lab {

Result<LabSpec> parse_lab(const nlohmann::json& doc, const std::string& source);
Result<LabSpec> load_lab_file(const std::filesystem::path& file);

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
