// Reading lab JSON strictly (inside harness/lab only): an unknown key, a wrong type or a value
// out of range is a LabError that names the JSON path and, for typos, the likely intended key.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/strings.hpp"

namespace sockgrade::lab {

// Thrown inside harness/lab only, turned into a one-line Result error that names the file.
struct LabError {
  std::string path;  // JSON pointer: "/build/c/1"; "/" for the document
  std::string text;  // "expected a string, got an integer"
  bool missing_key = false;  // a required key is absent: a lab it extends may be expected to set it

  std::string message() const { return path + ": " + text; }
};

inline std::string type_name(const nlohmann::json& j) {
  if (j.is_number_integer() || j.is_number_unsigned()) return "an integer";
  if (j.is_number_float()) return "a number";
  return std::string("a") + (j.is_object() || j.is_array() ? "n " : " ") + j.type_name();
}

// An object with a fixed set of keys: an unknown key is rejected first (with the allowed key
// it most likely misspells), then the getters read and type-check the known ones.
class StrictObject {
 public:
  StrictObject(const nlohmann::json& j, std::string path, const std::vector<std::string>& allowed)
      : j_(j), path_(std::move(path)) {
    if (!j.is_object()) throw LabError{where(), "expected an object, got " + type_name(j)};
    for (const auto& [key, _] : j_.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string msg = "unknown key '" + key + "'";
      auto guess = closest_match(key, allowed);
      if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
      else msg += " (allowed: " + join(allowed, ", ") + ")";
      throw LabError{path_of(key), msg};
    }
  }

  bool has(const std::string& key) const { return j_.contains(key); }
  const nlohmann::json& raw(const std::string& key) const {
    if (!j_.contains(key)) throw LabError{where(), "missing required key '" + key + "'", true};
    return j_.at(key);
  }
  std::string path_of(const std::string& key) const { return path_ + "/" + key; }
  std::string path() const { return where(); }

  std::string string(const std::string& key) const {
    const auto& v = raw(key);
    if (!v.is_string()) throw LabError{path_of(key), "expected a string, got " + type_name(v)};
    return v.get<std::string>();
  }
  std::string string_or(const std::string& key, std::string fallback) const {
    return has(key) ? string(key) : fallback;
  }
  int64_t integer(const std::string& key, int64_t min, int64_t max) const {
    const auto& v = raw(key);
    if (!v.is_number_integer()) throw LabError{path_of(key), "expected an integer, got " + type_name(v)};
    std::string range = " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(max)) {
      throw LabError{path_of(key), v.dump() + range};
    }
    auto x = v.get<int64_t>();
    if (x < min || x > max) throw LabError{path_of(key), std::to_string(x) + range};
    return x;
  }
  int64_t integer_or(const std::string& key, int64_t min, int64_t max, int64_t fallback) const {
    return has(key) ? integer(key, min, max) : fallback;
  }
  double number(const std::string& key, double min, double max) const {
    const auto& v = raw(key);
    if (!v.is_number()) throw LabError{path_of(key), "expected a number, got " + type_name(v)};
    double x = v.get<double>();
    if (x < min || x > max) throw LabError{path_of(key), v.dump() + " is out of range"};
    return x;
  }
  bool boolean_or(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    const auto& v = raw(key);
    if (!v.is_boolean()) throw LabError{path_of(key), "expected true or false, got " + type_name(v)};
    return v.get<bool>();
  }
  std::vector<std::string> strings(const std::string& key) const {
    const auto& v = raw(key);
    if (!v.is_array()) throw LabError{path_of(key), "expected an array of strings, got " + type_name(v)};
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) throw LabError{path_of(key) + "/" + std::to_string(i), "expected a string, got " + type_name(v[i])};
      out.push_back(v[i].get<std::string>());
    }
    return out;
  }

 private:
  std::string where() const { return path_.empty() ? "/" : path_; }
  const nlohmann::json& j_;
  std::string path_;
};

}  // namespace sockgrade::lab
