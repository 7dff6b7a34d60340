// Every built-in check, in one explicit list (self-registering statics vanish when a static library
// is linked). A check is a CheckDef (grading/check.hpp): its description and the function that runs
// it, kept apart. The description (title, requirement, hint, role, parameters, budget) is data, in
// labs/checks/<category>.json, compiled into the binary (checks/descriptions.hpp); the behaviour is
// C++, a function named after the id: `partial-io.eintr` runs eintr() of checks/partial_io.cpp. The
// build writes each category's list of functions from its file (checks/list_functions.cmake), so a
// described check without its function does not compile and a function left without a description
// is unused (an error with -Werror); builtin_checks() joins descriptions and functions, one to one.
//
// Where a check goes: its description in labs/checks/<category>.json, its function in the file of
// its id's prefix, the category (BRIEF §3), with '-' as '_': `partial-io.eintr` in
// checks/partial_io.cpp, whatever lab or role it is for (servers' checks first, then the clients',
// in both files). The catalogue fills `category` in from the id, so a check does not repeat it. A
// file that outgrows ~600 lines of checks splits by the program under test (<category>_client.cpp
// for the checks of client labs), or gives its largest check a file of its own
// (<category>_<check>.cpp: concurrency_burst.cpp); the category's file then includes the header
// that declares those functions (concurrency_burst.hpp), as its list names them. Scenario code that
// checks of several files play goes in a small shared file here (client_scenarios, udp_scenarios,
// server_tree), or in grading/ when it is engine (not one scenario); never copied.
#pragma once

#include <string_view>
#include <vector>

#include "checks/descriptions.hpp"
#include "core/result.hpp"
#include "grading/catalogue.hpp"
#include "lab/lab_spec.hpp"

namespace sockgrade::checks {

// Checks are written in the engine's vocabulary (Context, Outcome, Step, the programs under test).
using namespace grading;

const Catalogue& builtin_checks();
const CheckDef* find_check(std::string_view id);

// BRIEF §3's categories, in its order: the prefixes a check id may have.
const std::vector<std::string_view>& categories();
// The category of a check id (its prefix up to the first '.'), or "" when it is none of them.
std::string_view category_of(std::string_view id);

// A check's code: the function that runs the check of this id.
struct CheckFunction {
  std::string_view id;
  CheckFn run;
};

// Per-category lists of functions, in the order of labs/checks/<category>.json: each written by
// the build and included at the end of checks/<category>.cpp, where the functions are.
std::vector<CheckFunction> basic_checks();
std::vector<CheckFunction> connect_accept_checks();
std::vector<CheckFunction> partial_io_checks();
std::vector<CheckFunction> sigpipe_checks();
std::vector<CheckFunction> shutdown_checks();
std::vector<CheckFunction> concurrency_checks();
std::vector<CheckFunction> resources_checks();
std::vector<CheckFunction> robustness_checks();
std::vector<CheckFunction> memory_checks();

// The checks, in the order of `functions`, each with its description from `files`: an error
// (naming the file) for a function without a description, a description without a function, or
// either twice. builtin_checks() is join_checks(every list above, embedded_description_files()).
Result<std::vector<CheckDef>> join_checks(const std::vector<CheckFunction>& functions,
                                          const std::vector<DescriptionFile>& files);

}  // namespace sockgrade::checks
