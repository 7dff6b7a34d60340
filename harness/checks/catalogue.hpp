// Every built-in check, in one explicit list (self-registering statics vanish when a static
// library is linked). Each category's file defines its list; a check is a CheckDef (grading/
// check.hpp): its description and the function that runs it.
#pragma once

#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "grading/catalogue.hpp"
#include "lab/lab_spec.hpp"

namespace sockgrade::checks {

// Checks are written in the engine's vocabulary (Context, Outcome, Step, the programs under test).
using namespace grading;

const Catalogue& builtin_checks();
const CheckDef* find_check(std::string_view id);
Result<void> validate_lab_checks(const lab::LabSpec& lab);

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
