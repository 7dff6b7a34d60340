// The cell (BRIEF §4): one check runs in its own forked harness process that owns the
// student's processes, the scripted peers and any proxy, and leaves nothing behind. This
// file runs a batch of cells, several at once, each with a budget.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cell/fs_view.hpp"
#include "core/clock.hpp"

namespace sockgrade::cell {

// What a cell's body learns about the place it runs in.
struct CellEnv {
  std::optional<View> view;  // the filesystem view, when one was built
  bool private_pids = false;
};

struct CellJob {
  std::string name;
  bool user_namespace = false;   // first a user namespace (a harness without root)
  bool private_network = false;
  bool private_pids = false;     // a PID and mount namespace whose init the cell is
  std::optional<ViewSpec> view;  // the student's filesystem view (needs private_pids)
  std::optional<uid_t> tmp_owner;  // without a view: this uid's entries in /tmp go at the end
  Millis budget{30000};
  // Runs inside the cell; its JSON is the cell's result. Exceptions become cell errors.
  std::function<nlohmann::json(const CellEnv&)> body;
};

struct CellOutcome {
  bool ok = false;          // the body ran to completion and returned a result
  nlohmann::json result;    // the body's JSON when ok
  std::string error;        // why the cell failed otherwise (a harness problem)
  double duration_ms = 0;
};

// Runs every job in its own forked process, at most `parallel` at a time, starting them in the
// order of `start_order` (indices into jobs; empty: job order); outcomes come back in job order. `on_done` is called as each job finishes (for progress output). Must be called
// from a single-threaded process (cells are forked).
std::vector<CellOutcome> run_cells(const std::vector<CellJob>& jobs, int parallel,
                                   const std::function<void(std::size_t, const CellOutcome&)>& on_done = {},
                                   std::vector<std::size_t> start_order = {});

}  // namespace sockgrade::cell
