// Shared by every translation unit of the shim: the error contract and handle conventions.
//
// Conventions:
//  * A tensor crosses the ABI as `tk_tensor` (a heap-allocated at::Tensor, i.e. one reference to the
//    TensorImpl). The managed side owns it and releases it with tk_tensor_free.
//  * Functions that produce a tensor return it, or nullptr on failure.
//  * Functions that produce nothing (or several outputs) return an int status: 0 ok, 1 failure.
//  * On failure the message is kept per thread and read with tk_last_error().
//  * No C++ exception ever crosses the ABI.
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <cstdint>
#include <exception>

#define TK_EXPORT extern "C" __attribute__((visibility("default")))

typedef at::Tensor* tk_tensor;

namespace tk {
// Kinds of failure, read with tk_last_error_kind() so the managed side can raise a specific exception.
enum ErrorKind : int32_t { kErrorGeneral = 0, kErrorOutOfMemory = 1, kErrorDevice = 2 };

void set_error(const char* message);
void set_error_from_current_exception();

inline tk_tensor wrap(at::Tensor t) { return new at::Tensor(std::move(t)); }

// Scalars cross the ABI as (double, int64, kind) so integer scalars keep integer semantics.
enum ScalarKind : int32_t { kDouble = 0, kLong = 1, kBool = 2 };
inline at::Scalar scalar(double d, int64_t i, int32_t kind) {
  if (kind == kLong) return at::Scalar(i);
  if (kind == kBool) return at::Scalar(i != 0);
  return at::Scalar(d);
}

inline at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index) {
  return at::TensorOptions()
      .dtype(static_cast<at::ScalarType>(dtype))
      .device(at::Device(static_cast<c10::DeviceType>(device_type),
                         static_cast<c10::DeviceIndex>(device_index)));
}

// at:: factories ignore TensorOptions::requires_grad (only torch:: ones honour it): set it afterwards.
inline tk_tensor wrap_leaf(at::Tensor t, bool requires_grad) {
  if (requires_grad) t.set_requires_grad(true);
  return wrap(std::move(t));
}
}  // namespace tk

// Wrap a function body: any exception becomes an error status.
#define TK_TRY try {
#define TK_CATCH(fail_value)                  \
  }                                           \
  catch (...) {                               \
    tk::set_error_from_current_exception();   \
    return fail_value;                        \
  }
