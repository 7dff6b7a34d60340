// Safe extraction of a submission archive (.tar, .tar.gz, .tgz, .zip) into a fresh directory:
// regular files and directories only (no links, devices or fifos), no absolute paths and no
// "..", bounded total size and entry count. A hostile archive is refused with the reason; it
// can never write outside the destination.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace sockgrade::batch {

struct ArchiveLimits {
  uint64_t max_total_bytes = 64ull << 20;
  uint64_t max_entries = 4096;
};

// Whether the name looks like an archive this module extracts.
bool is_archive(const std::filesystem::path& p);

// The name without its archive suffix: "alice.tar.gz" → "alice".
std::string archive_stem(const std::filesystem::path& p);

// Extracts `archive` into `dest`, which must not exist yet (it is created 0700). On failure
// `dest` is removed again and the error names the offending entry.
Result<void> extract_archive(const std::filesystem::path& archive, const std::filesystem::path& dest,
                             const ArchiveLimits& limits = {});

}  // namespace sockgrade::batch
