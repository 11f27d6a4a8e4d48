// Raw storage access for serialization (src/TransferKit/Serialization): moving bytes in and out of a
// tensor's storage, describing its layout, and building tensors that share one storage with any
// sizes, strides and offset, as PyTorch's _rebuild_tensor_v2 does with Tensor.set_.
//
// Everything here validates its arguments against the storage's real size before touching memory:
// the values come from files that may be corrupt or hostile.
#include "tk_common.h"
#include "tk_compat.h"

#include <cstring>

namespace {

constexpr int32_t kMaxDims = 64;

const c10::Storage& checked_cpu_storage(tk_tensor t) {
  TORCH_CHECK(t != nullptr, "null tensor handle");
  TORCH_CHECK(t->layout() == at::kStrided, "expected a strided (dense) tensor, got layout ", t->layout());
  TORCH_CHECK(t->device().is_cpu(), "expected a CPU tensor, got one on ", t->device());
  TORCH_CHECK(t->has_storage(), "the tensor has no storage");
  return t->storage();
}

// True when [offset, offset + count) lies inside [0, limit), without overflow.
bool range_inside(int64_t offset, int64_t count, int64_t limit) {
  if (offset < 0 || count < 0 || limit < 0) return false;
  int64_t end = 0;
  if (__builtin_add_overflow(offset, count, &end)) return false;
  return end <= limit;
}

}  // namespace

// Copies `nbytes` from `src` into the storage of `t` (a CPU tensor), starting `byte_offset` bytes
// into the storage (not into the tensor's view of it).
TK_EXPORT int32_t tk_storage_write(tk_tensor t, int64_t byte_offset, const void* src, int64_t nbytes) {
  TK_TRY
  const c10::Storage& storage = checked_cpu_storage(t);
  int64_t size = static_cast<int64_t>(storage.nbytes());
  TORCH_CHECK(range_inside(byte_offset, nbytes, size), "cannot write ", nbytes, " bytes at offset ", byte_offset,
              " into a storage of ", size, " bytes");
  if (nbytes > 0) std::memcpy(static_cast<char*>(tk::compat::storage_mutable_data(storage)) + byte_offset, src, static_cast<size_t>(nbytes));
  return 0;
  TK_CATCH(1)
}

// The address and size in bytes of the storage of `t` (a CPU tensor), so the caller can read file
// data straight into it. Valid while a tensor sharing the storage is alive and the storage is not
// resized; the caller must stay inside [data, data + nbytes).
TK_EXPORT int32_t tk_storage_data(tk_tensor t, void** data, int64_t* nbytes) {
  TK_TRY
  const c10::Storage& storage = checked_cpu_storage(t);
  *data = storage.nbytes() > 0 ? tk::compat::storage_mutable_data(storage) : nullptr;
  *nbytes = static_cast<int64_t>(storage.nbytes());
  return 0;
  TK_CATCH(1)
}

// Copies `nbytes` of the storage of `t`, starting `byte_offset` bytes into the storage, into `dst`.
TK_EXPORT int32_t tk_storage_read(tk_tensor t, int64_t byte_offset, void* dst, int64_t nbytes) {
  TK_TRY
  const c10::Storage& storage = checked_cpu_storage(t);
  int64_t size = static_cast<int64_t>(storage.nbytes());
  TORCH_CHECK(range_inside(byte_offset, nbytes, size), "cannot read ", nbytes, " bytes at offset ", byte_offset,
              " from a storage of ", size, " bytes");
  if (nbytes > 0) std::memcpy(dst, static_cast<const char*>(storage.data()) + byte_offset, static_cast<size_t>(nbytes));
  return 0;
  TK_CATCH(1)
}

// Describes how `t` lies in its storage: offset (in elements), the storage's size in bytes, and an
// identity that is equal for tensors sharing one storage (valid while one of them is alive).
TK_EXPORT int32_t tk_storage_info(tk_tensor t, int64_t* storage_offset, int64_t* storage_nbytes, uint64_t* storage_id) {
  TK_TRY
  const c10::Storage& storage = checked_cpu_storage(t);
  *storage_offset = t->storage_offset();
  *storage_nbytes = static_cast<int64_t>(storage.nbytes());
  *storage_id = reinterpret_cast<uint64_t>(storage.unsafeGetStorageImpl());
  return 0;
  TK_CATCH(1)
}

// Writes min(capacity, dim) strides (in elements) into `out`; returns dim, or -1 on failure.
TK_EXPORT int64_t tk_strides(tk_tensor t, int64_t* out, int64_t capacity) {
  TK_TRY
  TORCH_CHECK(t->layout() == at::kStrided, "strides of a non-strided tensor (layout ", t->layout(), ")");
  auto s = t->strides();
  int64_t n = static_cast<int64_t>(s.size());
  for (int64_t k = 0; k < n && k < capacity; ++k) out[k] = s[k];
  return n;
  TK_CATCH(-1)
}

// A new tensor over the storage of `source` (shared, not copied) with the given sizes, strides and
// storage offset (in elements), like Tensor.set_(storage, offset, sizes, strides). The tensor must
// fit inside the storage as it is: the storage is never grown.
TK_EXPORT tk_tensor tk_from_storage(tk_tensor source, int64_t storage_offset, const int64_t* sizes,
                                    const int64_t* strides, int32_t ndim) {
  TK_TRY
  const c10::Storage& storage = checked_cpu_storage(source);
  TORCH_CHECK(ndim >= 0 && ndim <= kMaxDims, "a tensor of ", ndim, " dimensions (at most ", kMaxDims, " supported)");
  TORCH_CHECK(storage_offset >= 0, "negative storage offset ", storage_offset);
  const int64_t itemsize = static_cast<int64_t>(source->element_size());
  const int64_t capacity = static_cast<int64_t>(storage.nbytes()) / itemsize;  // whole elements in the storage

  bool empty = false;
  int64_t numel = 1;
  for (int32_t d = 0; d < ndim; ++d) {
    TORCH_CHECK(sizes[d] >= 0, "negative size ", sizes[d], " in dimension ", d);
    TORCH_CHECK(strides[d] >= 0, "negative stride ", strides[d], " in dimension ", d);
    if (sizes[d] == 0) empty = true;
    TORCH_CHECK(!__builtin_mul_overflow(numel, sizes[d], &numel), "the sizes overflow 64 bits");
  }
  // Highest element index touched: offset + sum((size - 1) * stride).
  int64_t last = storage_offset;
  if (!empty) {
    for (int32_t d = 0; d < ndim; ++d) {
      int64_t span = 0;
      TORCH_CHECK(!__builtin_mul_overflow(sizes[d] - 1, strides[d], &span) && !__builtin_add_overflow(last, span, &last),
                  "the sizes and strides overflow 64 bits");
    }
    TORCH_CHECK(last < capacity, "a tensor reaching element ", last, " does not fit in a storage of ", capacity,
                " elements");
  } else {
    TORCH_CHECK(storage_offset <= capacity, "storage offset ", storage_offset, " is past the end of a storage of ",
                capacity, " elements");
  }

  at::NoGradGuard no_grad;
  at::Tensor t = at::empty({0}, source->options());
  t.set_(storage, storage_offset, at::IntArrayRef(sizes, ndim), at::IntArrayRef(strides, ndim));
  return tk::wrap(std::move(t));
  TK_CATCH(nullptr)
}
