// The submissions of a batch: one per subdirectory or per archive of SUBMISSIONS_DIR, each with
// an id safe to use as a file name and a CSV cell; and the share of them one shard grades.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace sockgrade::batch {

struct Entry {
  std::string id;              // "alice", from "alice/" or "alice.tar.gz"
  std::filesystem::path path;  // the directory or the archive
  bool archive = false;
};

struct Collected {
  std::vector<Entry> entries;        // sorted by id
  std::vector<std::string> ignored;  // names that are neither a directory nor an archive
};

// Fails when the directory is missing or two entries map to the same id.
Result<Collected> collect_submissions(const std::filesystem::path& dir);

// Letters, digits, '.', '_' and '-' are kept, anything else becomes '_'; never starts with '.'
// or '-' (hidden files, options, spreadsheet formulas).
std::string safe_id(const std::string& name);

struct Shard {
  int index = 0;  // 0-based
  int count = 1;
};

// "I/N" with 0 <= I < N.
Result<Shard> parse_shard(const std::string& text);

// Every count-th entry from the index-th on: a shard's share is fixed by the sorted ids alone,
// so N machines given the same directory split it without talking to each other.
std::vector<Entry> shard_of(const std::vector<Entry>& entries, const Shard& shard);

}  // namespace sockgrade::batch
