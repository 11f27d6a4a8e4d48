// Memory for tensor data about to be filled from a file in one go (src/TransferKit/Serialization).
//
// Filling fresh memory is dominated by page faults, which cost microseconds each on virtual
// machines: 45 MB (a ResNet-18) took ~20 ms in faults alone on 4 KiB pages, ~3 ms on huge pages,
// ~2 ms when already mapped. So each buffer is its own anonymous mapping, aligned to 2 MiB and
// advised for transparent huge pages (MADV_HUGEPAGE; a no-op where THP is off), and a freed
// buffer is kept for the next request of the same size (loading the same model again: a
// checkpoint reloaded, an evaluation over epochs), up to kPoolCap bytes in all. Kept buffers are
// marked MADV_FREE, so the kernel may take their pages back under memory pressure (a reused
// buffer then faults in zeroed pages again, which is fine: it is overwritten anyway). The content
// of a new buffer is unspecified.
#include "tk_common.h"

#include <algorithm>
#include <map>
#include <mutex>

#include <sys/mman.h>
#include <unistd.h>

namespace {

constexpr size_t kHuge = size_t{2} << 20;
constexpr size_t kPoolCap = size_t{256} << 20;

// Never destroyed: storages may be freed by other threads while the process exits.
struct Pool {
  std::mutex mutex;
  std::multimap<size_t, void*> buffers;  // mapped size -> buffer
  size_t bytes = 0;
};
Pool& pool() {
  static Pool* instance = new Pool();
  return *instance;
}

void* take_pooled(size_t mapped) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  auto it = p.buffers.find(mapped);
  if (it == p.buffers.end()) return nullptr;
  void* data = it->second;
  p.buffers.erase(it);
  p.bytes -= mapped;
  return data;
}

void release(void* data, size_t mapped) {
  {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    if (p.bytes + mapped <= kPoolCap) {
      madvise(data, mapped, MADV_FREE);
      p.buffers.emplace(mapped, data);
      p.bytes += mapped;
      return;
    }
  }
  munmap(data, mapped);
}

void* map_aligned(size_t mapped) {
  const size_t span = mapped + kHuge;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = (begin + kHuge - 1) & ~(kHuge - 1);
  if (start > begin) munmap(raw, start - begin);
  const size_t tail = span - (start - begin) - mapped;
  if (tail > 0) munmap(reinterpret_cast<void*>(start + mapped), tail);
  void* data = reinterpret_cast<void*>(start);
  madvise(data, mapped, MADV_HUGEPAGE);  // advice only: failure (THP unavailable) is fine
  return data;
}

}  // namespace

// A new 1-D CPU tensor of `numel` elements on a buffer described above (unspecified content, not
// resizable; the buffer goes back to the pool or the system with the storage). Null on failure.
TK_EXPORT tk_tensor tk_empty_huge(int64_t numel, int32_t dtype) {
  TK_TRY
  TORCH_CHECK(numel >= 0, "negative element count ", numel);
  const auto type = static_cast<at::ScalarType>(dtype);
  const size_t element = c10::elementSize(type);
  TORCH_CHECK(numel <= static_cast<int64_t>((SIZE_MAX >> 2) / element), "cannot allocate ", numel, " elements");
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t nbytes = static_cast<size_t>(numel) * element;
  const size_t mapped = std::max(page, (nbytes + page - 1) / page * page);
  void* data = take_pooled(mapped);
  if (data == nullptr) data = map_aligned(mapped);
  TORCH_CHECK(data != nullptr, "out of memory: cannot map ", nbytes, " bytes");
  try {
    return tk::wrap(at::from_blob(data, {numel}, [mapped](void* p) { release(p, mapped); }, at::TensorOptions().dtype(type)));
  } catch (...) {
    release(data, mapped);
    throw;
  }
  TK_CATCH(nullptr)
}

// Returns every kept buffer to the system (tests and memory-conscious callers); returns the bytes released.
TK_EXPORT int64_t tk_release_file_buffers() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  int64_t released = static_cast<int64_t>(p.bytes);
  for (auto& [size, data] : p.buffers) munmap(data, size);
  p.buffers.clear();
  p.bytes = 0;
  return released;
}
