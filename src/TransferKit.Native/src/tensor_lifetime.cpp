// Creating, inspecting, converting and freeing tensors.
#include "tk_common.h"

#include <cstring>

TK_EXPORT void tk_tensor_free(tk_tensor t) { delete t; }

TK_EXPORT tk_tensor tk_empty(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t dev_type,
                             int32_t dev_index, int32_t requires_grad) {
  TK_TRY
  return tk::wrap_leaf(at::empty(at::IntArrayRef(shape, ndim), tk::options(dtype, dev_type, dev_index)), requires_grad);
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_zeros(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t dev_type,
                             int32_t dev_index, int32_t requires_grad) {
  TK_TRY
  return tk::wrap_leaf(at::zeros(at::IntArrayRef(shape, ndim), tk::options(dtype, dev_type, dev_index)), requires_grad);
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_ones(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t dev_type,
                            int32_t dev_index, int32_t requires_grad) {
  TK_TRY
  return tk::wrap_leaf(at::ones(at::IntArrayRef(shape, ndim), tk::options(dtype, dev_type, dev_index)), requires_grad);
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_full(const int64_t* shape, int32_t ndim, double d, int64_t i, int32_t kind,
                            int32_t dtype, int32_t dev_type, int32_t dev_index, int32_t requires_grad) {
  TK_TRY
  return tk::wrap_leaf(at::full(at::IntArrayRef(shape, ndim), tk::scalar(d, i, kind),
                                tk::options(dtype, dev_type, dev_index)),
                       requires_grad);
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_arange(double start, double end, double step, int32_t dtype, int32_t dev_type,
                              int32_t dev_index, int32_t requires_grad) {
  TK_TRY
  auto opts = tk::options(dtype, dev_type, dev_index);
  at::Tensor t = at::isIntegralType(static_cast<at::ScalarType>(dtype), true)
                     ? at::arange(static_cast<int64_t>(start), static_cast<int64_t>(end),
                                  static_cast<int64_t>(step), opts)
                     : at::arange(start, end, step, opts);
  return tk::wrap_leaf(std::move(t), requires_grad);
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_rand(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t dev_type,
                            int32_t dev_index, int32_t requires_grad) {
  TK_TRY
  return tk::wrap_leaf(at::rand(at::IntArrayRef(shape, ndim), tk::options(dtype, dev_type, dev_index)), requires_grad);
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_randn(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t dev_type,
                             int32_t dev_index, int32_t requires_grad) {
  TK_TRY
  return tk::wrap_leaf(at::randn(at::IntArrayRef(shape, ndim), tk::options(dtype, dev_type, dev_index)), requires_grad);
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_randint(int64_t low, int64_t high, const int64_t* shape, int32_t ndim, int32_t dtype,
                               int32_t dev_type, int32_t dev_index) {
  TK_TRY
  return tk::wrap(at::randint(low, high, at::IntArrayRef(shape, ndim), tk::options(dtype, dev_type, dev_index)));
  TK_CATCH(nullptr)
}

// Copies `nbytes` of host memory into a new CPU tensor of the given dtype and shape.
TK_EXPORT tk_tensor tk_from_data(const void* data, int64_t nbytes, const int64_t* shape, int32_t ndim,
                                 int32_t dtype) {
  TK_TRY
  at::Tensor t = at::empty(at::IntArrayRef(shape, ndim), at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)));
  int64_t expected = t.numel() * static_cast<int64_t>(t.element_size());
  TORCH_CHECK(expected == nbytes, "data holds ", nbytes, " bytes but shape ", t.sizes(), " of ", t.scalar_type(),
              " needs ", expected);
  if (nbytes > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(nbytes));
  return tk::wrap(std::move(t));
  TK_CATCH(nullptr)
}

// Copies the tensor's elements (row-major, on the CPU) into `dst`, which holds `nbytes`.
TK_EXPORT int32_t tk_copy_to_buffer(tk_tensor t, void* dst, int64_t nbytes) {
  TK_TRY
  at::Tensor c = t->detach().to(at::kCPU).contiguous();
  int64_t have = c.numel() * static_cast<int64_t>(c.element_size());
  TORCH_CHECK(have == nbytes, "destination holds ", nbytes, " bytes but the tensor has ", have);
  if (nbytes > 0) std::memcpy(dst, c.data_ptr(), static_cast<size_t>(nbytes));
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_item_double(tk_tensor t, double* out) {
  TK_TRY
  *out = t->item<double>();
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_item_long(tk_tensor t, int64_t* out) {
  TK_TRY
  *out = t->item<int64_t>();
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_dtype(tk_tensor t) { return static_cast<int32_t>(t->scalar_type()); }
TK_EXPORT int64_t tk_dim(tk_tensor t) { return t->dim(); }
TK_EXPORT int64_t tk_numel(tk_tensor t) { return t->numel(); }
TK_EXPORT int32_t tk_device_type(tk_tensor t) { return static_cast<int32_t>(t->device().type()); }
TK_EXPORT int32_t tk_device_index(tk_tensor t) { return t->device().index(); }
TK_EXPORT int32_t tk_is_contiguous(tk_tensor t) { return t->is_contiguous() ? 1 : 0; }

// Writes min(capacity, dim) sizes into `out`; returns dim.
TK_EXPORT int64_t tk_sizes(tk_tensor t, int64_t* out, int64_t capacity) {
  auto s = t->sizes();
  int64_t n = static_cast<int64_t>(s.size());
  for (int64_t k = 0; k < n && k < capacity; ++k) out[k] = s[k];
  return n;
}

TK_EXPORT tk_tensor tk_to_dtype(tk_tensor t, int32_t dtype) {
  TK_TRY
  return tk::wrap(t->to(static_cast<at::ScalarType>(dtype)));
  TK_CATCH(nullptr)
}

// non_blocking: an asynchronous copy when the source is pinned host memory (or a GPU tensor going to
// the host into pinned memory); otherwise the same as a blocking copy, as in PyTorch.
TK_EXPORT tk_tensor tk_to_device(tk_tensor t, int32_t dev_type, int32_t dev_index, int32_t non_blocking) {
  TK_TRY
  return tk::wrap(t->to(at::Device(static_cast<c10::DeviceType>(dev_type), static_cast<c10::DeviceIndex>(dev_index)),
                        /*non_blocking=*/non_blocking != 0));
  TK_CATCH(nullptr)
}

// A copy in page-locked host memory (needs a CUDA build and device), from which copies to the GPU
// can run asynchronously.
TK_EXPORT tk_tensor tk_pin_memory(tk_tensor t) {
  TK_TRY
  return tk::wrap(t->pin_memory());
  TK_CATCH(nullptr)
}

TK_EXPORT int32_t tk_is_pinned(tk_tensor t) {
  try {
    return t->is_pinned() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

TK_EXPORT tk_tensor tk_clone(tk_tensor t) {
  TK_TRY
  return tk::wrap(t->clone());
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_contiguous(tk_tensor t) {
  TK_TRY
  return tk::wrap(t->contiguous());
  TK_CATCH(nullptr)
}

// A new handle to the same tensor (shares storage and autograd identity), for aliasing.
TK_EXPORT tk_tensor tk_alias(tk_tensor t) {
  TK_TRY
  return tk::wrap(*t);
  TK_CATCH(nullptr)
}
