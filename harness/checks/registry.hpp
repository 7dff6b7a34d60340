// Every built-in check, in one explicit list (self-registering statics vanish when a static
// library is linked).
#pragma once

#include <string_view>
#include <vector>

#include "checks/check.hpp"
#include "core/result.hpp"
#include "lab/lab_spec.hpp"

namespace sockgrade::checks {

const std::vector<CheckDef>& builtin_checks();
const CheckDef* find_check(std::string_view id);

// The checks a lab lists must exist, suit the lab's role, and get only declared parameters
// of the right type and range.
Result<void> validate_lab_checks(const lab::LabSpec& lab);

// One check's parameter: the lab's value, or the declared default.
int64_t param_value(const CheckInfo& info, const lab::CheckSpec& spec, std::string_view name);

// Per-category lists, each defined in its category's file.
std::vector<CheckDef> basic_checks();
std::vector<CheckDef> connect_accept_checks();
std::vector<CheckDef> partial_io_checks();
std::vector<CheckDef> sigpipe_checks();
std::vector<CheckDef> shutdown_checks();
std::vector<CheckDef> resources_checks();
std::vector<CheckDef> concurrency_checks();
// Client labs (echo-client, daytime-client).
std::vector<CheckDef> client_checks();
std::vector<CheckDef> daytime_client_checks();
// UNIX-domain labs.
std::vector<CheckDef> unix_checks();
// UDP labs.
std::vector<CheckDef> udp_checks();
std::vector<CheckDef> udp_client_checks();
// Any lab: the build's program name (a lab lists it to make the name cost points).
std::vector<CheckDef> executable_name_checks();

}  // namespace sockgrade::checks
