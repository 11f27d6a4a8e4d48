// Services that are not tensor operations: errors, version, threads, seeds, modes, CUDA queries.
#include "tk_common.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <string>

namespace {
thread_local std::string last_error;
thread_local int32_t last_error_kind = tk::kErrorGeneral;

// CUDA reports device-side failures (illegal access, device-side assert, launch failures) as a
// c10::Error (1.13) or c10::AcceleratorError (2.x) whose message starts "CUDA error".
int32_t classify(const char* message) {
  std::string m = message ? message : "";
  if (m.find("CUDA error") != std::string::npos || m.find("CUDA driver error") != std::string::npos ||
      m.find("CUDNN_STATUS") != std::string::npos || m.find("CUBLAS_STATUS") != std::string::npos)
    return tk::kErrorDevice;
  return tk::kErrorGeneral;
}
}  // namespace

void tk::set_error(const char* message) {
  last_error = message ? message : "unknown native error";
  last_error_kind = classify(message);
}

void tk::set_error_from_current_exception() {
  try {
    throw;
  } catch (const c10::OutOfMemoryError& e) {
    set_error(e.what_without_backtrace());
    last_error_kind = kErrorOutOfMemory;
  } catch (const c10::Error& e) {
    // The message without the C++ backtrace that c10 appends to what().
    set_error(e.what_without_backtrace());
  } catch (const std::exception& e) {
    set_error(e.what());
  } catch (...) {
    set_error("unknown native error (non-standard C++ exception)");
  }
}

TK_EXPORT const char* tk_last_error() { return last_error.c_str(); }

// What kind of failure the last error on this thread was (tk::ErrorKind).
TK_EXPORT int32_t tk_last_error_kind() { return last_error_kind; }

// The libtorch version the shim was compiled against, e.g. "1.13.0".
TK_EXPORT const char* tk_torch_version() { return TORCH_VERSION; }

// Bumped whenever the exported ABI changes; the managed side refuses a mismatched shim.
TK_EXPORT int32_t tk_abi_version() { return 15; }

TK_EXPORT int32_t tk_set_num_threads(int32_t n) {
  TK_TRY
  at::set_num_threads(n);
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_get_num_threads() { return at::get_num_threads(); }

TK_EXPORT int32_t tk_manual_seed(uint64_t seed) {
  TK_TRY
  at::manual_seed(seed);
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_set_deterministic(int32_t enabled, int32_t warn_only) {
  TK_TRY
  at::globalContext().setDeterministicAlgorithms(enabled != 0, warn_only != 0);
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_get_deterministic() { return at::globalContext().deterministicAlgorithms() ? 1 : 0; }

TK_EXPORT int32_t tk_cuda_is_available() {
  try {
    return torch::cuda::is_available() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

TK_EXPORT int32_t tk_cuda_device_count() {
  try {
    return static_cast<int32_t>(torch::cuda::device_count());
  } catch (...) {
    return 0;
  }
}

// Waits for every kernel queued on the device (index -1: the current one).
TK_EXPORT int32_t tk_cuda_synchronize(int32_t device_index) {
  TK_TRY
  torch::cuda::synchronize(device_index);
  return 0;
  TK_CATCH(1)
}

// cudnn.benchmark: pick the fastest convolution algorithm per input shape (PyTorch's default: off).
TK_EXPORT int32_t tk_set_cudnn_benchmark(int32_t enabled) {
  TK_TRY
  at::globalContext().setBenchmarkCuDNN(enabled != 0);
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_get_cudnn_benchmark() { return at::globalContext().benchmarkCuDNN() ? 1 : 0; }

// Seeds the generators of every CUDA device (at::manual_seed already does when CUDA is present).
TK_EXPORT int32_t tk_cuda_manual_seed_all(uint64_t seed) {
  TK_TRY
  torch::cuda::manual_seed_all(seed);
  return 0;
  TK_CATCH(1)
}

// Autograd recording is a per-thread flag in libtorch; returns the previous value.
TK_EXPORT int32_t tk_set_grad_enabled(int32_t enabled) {
  bool previous = at::GradMode::is_enabled();
  at::GradMode::set_enabled(enabled != 0);
  return previous ? 1 : 0;
}

TK_EXPORT int32_t tk_is_grad_enabled() { return at::GradMode::is_enabled() ? 1 : 0; }

// Gives the calling thread its own intra-op thread count without changing the process-wide
// setting, as PyTorch does in DataLoader workers (several workers each running multi-threaded
// kernels would oversubscribe the cores). libtorch initialises a thread's OpenMP thread count
// lazily on its first parallel kernel, so run one first, then override it for this thread only.
TK_EXPORT int32_t tk_set_thread_local_num_threads(int32_t n) {
  TK_TRY
  TORCH_CHECK(n > 0, "thread count must be positive, got ", n);
  at::ones({1 << 16}).add_(1);
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
  return 0;
  TK_CATCH(1)
}
