#include "core/large_buffer.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace sockgrade {

void reserve_large(std::string& s, std::size_t n) {
  if (s.capacity() >= n) return;
  s.reserve(n);
  constexpr std::size_t kHuge = 2u << 20;
  if (n < kHuge) return;
  // Only whole pages inside the buffer: its first bytes share a page with malloc's header.
  auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  auto begin = (reinterpret_cast<uintptr_t>(s.data()) + page - 1) & ~(page - 1);
  auto end = (reinterpret_cast<uintptr_t>(s.data()) + s.capacity()) & ~(page - 1);
  // Advice only: without THP (or on an old kernel) this fails and the pages are small.
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace sockgrade
