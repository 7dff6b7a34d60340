// Every built-in fault in one explicit list, and the textual form users and repro lines use:
// "slice:bytes=1,gap_ms=2" or "latency:ms=50,jitter_ms=5,direction=from-program".
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"
#include "faults/fault.hpp"

namespace sockgrade::faults {

struct FaultParam {
  std::string name;
  int64_t default_value;
  int64_t min;
  int64_t max;
  std::string description;
};

struct FaultInfo {
  std::string name;
  std::string description;
  Direction default_direction;
  std::vector<FaultParam> params;
  FaultFactory make;
};

// The registry, built once from the explicit list in registry.cpp.
const std::vector<FaultInfo>& builtin_faults();
const FaultInfo* find_fault(const std::string& name);

// A parsed and validated fault: every parameter present (defaults filled in).
struct FaultSpec {
  std::string name;
  Direction direction = Direction::to_program;
  Params params;
};

// "name:key=value,..." → FaultSpec; a one-line error for an unknown fault or parameter, a
// value that is not an integer or out of range, or a bad direction.
Result<FaultSpec> parse_fault(const std::string& text);
// The canonical text of a spec (every parameter, sorted), parseable by parse_fault.
std::string fault_text(const FaultSpec& spec);
std::unique_ptr<Fault> make_fault(const FaultSpec& spec, uint64_t seed, std::size_t index);

// One line per fault with its parameters, for --help and errors.
std::string describe_faults();

// Per-category lists, one file each (faults/<name>.cpp).
FaultInfo latency_fault();
FaultInfo slice_fault();
FaultInfo coalesce_fault();
FaultInfo bandwidth_fault();
FaultInfo stall_fault();
FaultInfo reset_fault();
FaultInfo half_close_fault();
FaultInfo limit_fault();
FaultInfo slow_reader_fault();

}  // namespace sockgrade::faults
