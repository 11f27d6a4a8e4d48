// Services the training loop needs: gradient clipping over many tensors, RNG state for
// checkpoints, and autocast control (CPU bf16, CUDA fp16/bf16).
#include "tk_common.h"
#include "tk_compat.h"

#include <ATen/autocast_mode.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <mutex>
#include <vector>

// Scales the gradients of `params` in place so that their global `norm_type`-norm is at most
// max_norm (PyTorch's clip_grad_norm_). Parameters without a gradient are skipped. Writes the
// total norm before clipping to *total_norm.
TK_EXPORT int32_t tk_clip_grad_norm_(const tk_tensor* params, int32_t count, double max_norm, double norm_type,
                                     double* total_norm) {
  TK_TRY
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (int32_t k = 0; k < count; ++k) {
    const at::Tensor& g = params[k]->grad();
    if (g.defined()) grads.push_back(g);
  }
  if (grads.empty()) {
    *total_norm = 0;
    return 0;
  }
  at::Tensor total;
  if (std::isinf(norm_type)) {
    std::vector<at::Tensor> maxes;
    for (auto& g : grads) maxes.push_back(g.abs().max());
    total = at::stack(maxes).max();
  } else {
    std::vector<at::Tensor> norms;
    for (auto& g : grads) norms.push_back(at::norm(g, norm_type));
    total = at::norm(at::stack(norms), norm_type);
  }
  at::Tensor coef = at::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
  for (auto& g : grads) g.mul_(coef);
  *total_norm = total.item<double>();
  return 0;
  TK_CATCH(1)
}

// The default CPU generator's state (a uint8 tensor) and its restoration.
TK_EXPORT tk_tensor tk_get_rng_state() {
  TK_TRY
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return tk::wrap(gen.get_state());
  TK_CATCH(nullptr)
}

TK_EXPORT int32_t tk_set_rng_state(tk_tensor state) {
  TK_TRY
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(*state);
  return 0;
  TK_CATCH(1)
}

// Autocast on the calling thread for one device type (CPU: bf16; CUDA: fp16 or bf16). Writes the
// previous enabled flag and dtype, which tk_autocast_exit restores; scopes nest like torch.autocast.
TK_EXPORT int32_t tk_autocast_enter(int32_t device_type, int32_t dtype, int32_t* previous_enabled, int32_t* previous_dtype) {
  TK_TRY
  const auto device = static_cast<c10::DeviceType>(device_type);
  *previous_enabled = tk::compat::autocast_enabled(device) ? 1 : 0;
  *previous_dtype = static_cast<int32_t>(tk::compat::autocast_dtype(device));
  // libtorch caches weight casts by tensor alone, not by target type: a nested scope of another
  // precision must not reuse the enclosing scope's casts (PyTorch would hand it fp16 weights in a bf16 scope).
  if (*previous_enabled && *previous_dtype != dtype) at::autocast::clear_cache();
  tk::compat::set_autocast_enabled(device, true);
  tk::compat::set_autocast_dtype(device, static_cast<at::ScalarType>(dtype));
  at::autocast::increment_nesting();
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_autocast_exit(int32_t device_type, int32_t previous_enabled, int32_t previous_dtype) {
  TK_TRY
  const auto device = static_cast<c10::DeviceType>(device_type);
  // Weight casts are cached while any autocast scope is open (as in PyTorch); the outermost exit drops them.
  // Leaving a nested scope of another precision drops its casts too, for the same reason.
  const bool dtype_changes = previous_enabled != 0 && static_cast<int32_t>(tk::compat::autocast_dtype(device)) != previous_dtype;
  if (at::autocast::decrement_nesting() == 0 || dtype_changes) at::autocast::clear_cache();
  tk::compat::set_autocast_enabled(device, previous_enabled != 0);
  tk::compat::set_autocast_dtype(device, static_cast<at::ScalarType>(previous_dtype));
  return 0;
  TK_CATCH(1)
}
