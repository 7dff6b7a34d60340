// How a lab file changes the lab it extends (README, "Writing a lab"): objects merge key by key
// and the file's value wins; "checks" keeps the inherited checks in order, changes the ones it
// names, appends (or places) new ones and drops the ones marked "remove". Each file's "schema",
// "name" and "extends" are its own and never inherited.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/lab_loader.hpp"

namespace sockgrade::lab {

inline constexpr const char* kSchemaV1 = "sockgrade.lab/1";
inline constexpr const char* kSchemaV2 = "sockgrade.lab/2";  // adds "extends" and remove/before/after
inline constexpr const char* kSchemaV3 = "sockgrade.lab/3";  // adds scenario checks (lab/scenario_spec.hpp)
// The keys of a complete lab document, at its top and in each entry of "checks".
inline const std::vector<std::string> kLabKeys = {"schema", "name",  "title",  "role",   "transport", "contract",
                                                  "build",  "run",   "limits", "points", "checks"};
inline const std::vector<std::string> kCheckKeys = {"id", "weight", "hidden", "params"};

// One lab file as read.
struct LabLayer {
  std::filesystem::path file;
  nlohmann::json doc;
  int version = 1;  // of its "schema"
};

// A lab document built from layers, the root first, and the file each value came from.
struct MergedLab {
  nlohmann::json doc = nlohmann::json::object();
  LabOrigins origins;
};

// The version of a document's "schema": 1 or 2 (throws LabError otherwise).
int schema_version(const nlohmann::json& doc);
// Applies one file on top of what the layers before it built; throws LabError (a path in that file).
void apply_layer(MergedLab& lab, const LabLayer& layer);
// After the last layer, the lab's own file: its schema and name; an inherited contract is found
// beside the file that named it.
void finish_merge(MergedLab& lab, const LabLayer& own_file);

}  // namespace sockgrade::lab
