// Services that are not tensor operations: errors, version, threads, seeds, modes, CUDA queries.
#include "tk_common.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <string>

namespace {
thread_local std::string last_error;
}

void tk::set_error(const char* message) { last_error = message ? message : "unknown native error"; }

void tk::set_error_from_current_exception() {
  try {
    throw;
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

// The libtorch version the shim was compiled against, e.g. "1.13.0".
TK_EXPORT const char* tk_torch_version() { return TORCH_VERSION; }

// Bumped whenever the exported ABI changes; the managed side refuses a mismatched shim.
TK_EXPORT int32_t tk_abi_version() { return 12; }

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
    return at::hasCUDA() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

TK_EXPORT int32_t tk_cuda_device_count() {
  try {
    return at::hasCUDA() ? static_cast<int32_t>(at::detail::getCUDAHooks().getNumGPUs()) : 0;
  } catch (...) {
    return 0;
  }
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
