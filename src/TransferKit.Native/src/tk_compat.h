// The one place where the shim bridges libtorch versions: Debian's libtorch 1.13 (the default build)
// and libtorch 2.x (e.g. the libtorch inside a PyTorch wheel, with CUDA). Every other file calls
// these wrappers instead of an API whose name or signature changed between the two.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#define TK_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace tk::compat {

// Autocast state per device type. 2.4 replaced the per-device functions (set_cpu_enabled,
// set_enabled for CUDA, set_autocast_gpu_dtype, ...) with ones that take the device type.
inline bool autocast_enabled(c10::DeviceType device) {
#if TK_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(device);
#else
  return device == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
#endif
}

inline void set_autocast_enabled(c10::DeviceType device, bool enabled) {
#if TK_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(device, enabled);
#else
  if (device == c10::DeviceType::CPU) at::autocast::set_cpu_enabled(enabled);
  else at::autocast::set_enabled(enabled);
#endif
}

inline at::ScalarType autocast_dtype(c10::DeviceType device) {
#if TK_TORCH_AT_LEAST(2, 4)
  return at::autocast::get_autocast_dtype(device);
#else
  return device == c10::DeviceType::CPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
#endif
}

inline void set_autocast_dtype(c10::DeviceType device, at::ScalarType dtype) {
#if TK_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_dtype(device, dtype);
#else
  if (device == c10::DeviceType::CPU) at::autocast::set_autocast_cpu_dtype(dtype);
  else at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}

// Writable storage memory: 2.1 made Storage::data() const and added mutable_data().
inline void* storage_mutable_data(const c10::Storage& storage) {
#if TK_TORCH_AT_LEAST(2, 1)
  return storage.mutable_data();
#else
  return storage.data();
#endif
}

}  // namespace tk::compat
