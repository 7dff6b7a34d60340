#pragma once

namespace sockgrade {
inline constexpr const char* kToolName = "sockgrade";
inline constexpr const char* kVersion = "0.1.0";
}  // namespace sockgrade
