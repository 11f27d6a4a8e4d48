// Mixed-precision gradient scaling (the kernels behind PyTorch's GradScaler, which libtorch has but
// wraps in no C++ class) and a multi-tensor SGD step (PyTorch's foreach implementation: a few
// kernel launches for all parameters instead of several per parameter, which matters on GPUs).
#include "tk_common.h"

#include <cmath>
#include <vector>

namespace {
std::vector<at::Tensor> gather(const tk_tensor* tensors, int32_t count) {
  std::vector<at::Tensor> out;
  out.reserve(count);
  for (int32_t k = 0; k < count; ++k) out.push_back(*tensors[k]);
  return out;
}
}  // namespace

// Multiplies every gradient by inv_scale in place and sets found_inf (a 1-element float tensor on
// the gradients' device) to 1 if any of them holds an inf or NaN. CUDA uses libtorch's fused kernel;
// other devices the same arithmetic op by op.
TK_EXPORT int32_t tk_amp_unscale_(const tk_tensor* grads, int32_t count, tk_tensor found_inf, tk_tensor inv_scale) {
  TK_TRY
  at::NoGradGuard no_grad;
  auto list = gather(grads, count);
  if (list.empty()) return 0;
  if (found_inf->is_cuda()) {
    at::_amp_foreach_non_finite_check_and_unscale_(list, *found_inf, *inv_scale);
    return 0;
  }
  for (auto& g : list) {
    at::Tensor bad = at::logical_not(at::isfinite(g)).any();
    found_inf->copy_(at::maximum(*found_inf, bad.to(found_inf->scalar_type()).reshape(found_inf->sizes())));
    g.mul_(*inv_scale);
  }
  return 0;
  TK_CATCH(1)
}

// Updates the loss scale after a step (torch.cuda.amp.GradScaler.update): on found_inf it multiplies
// the scale by backoff and resets the growth tracker, else counts the clean step and multiplies by
// growth every growth_interval clean steps.
TK_EXPORT int32_t tk_amp_update_scale_(tk_tensor scale, tk_tensor growth_tracker, tk_tensor found_inf, double growth,
                                       double backoff, int64_t growth_interval) {
  TK_TRY
  at::NoGradGuard no_grad;
  if (scale->is_cuda()) {
    at::_amp_update_scale_(*scale, *growth_tracker, *found_inf, growth, backoff, growth_interval);
    return 0;
  }
  if (found_inf->item<double>() != 0) {
    scale->mul_(backoff);
    growth_tracker->zero_();
  } else {
    int64_t successful = growth_tracker->item<int64_t>() + 1;
    if (successful == growth_interval) {
      scale->mul_(growth);
      growth_tracker->zero_();
    } else {
      growth_tracker->fill_(successful);
    }
  }
  return 0;
  TK_CATCH(1)
}

// One SGD step over many parameters with foreach kernels, PyTorch's torch.optim.SGD(foreach=True):
// d = g + wd * p; buf = d (first step) or momentum * buf + (1 - dampening) * d; d = nesterov ? d +
// momentum * buf : buf; p -= lr * d. Parameters without a gradient are skipped; bufs[k] may be null
// on the first step, in which case a new buffer is written to new_bufs[k] (the caller owns it).
TK_EXPORT int32_t tk_sgd_foreach_(const tk_tensor* params, int32_t count, const tk_tensor* bufs, tk_tensor* new_bufs,
                                  double lr, double momentum, double dampening, double weight_decay, int32_t nesterov) {
  TK_TRY
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> ps, gs, old_bufs, fresh_grads;
  std::vector<int32_t> fresh_index;
  for (int32_t k = 0; k < count; ++k) {
    new_bufs[k] = nullptr;
    const at::Tensor& g = params[k]->grad();
    if (!g.defined()) continue;
    ps.push_back(*params[k]);
    gs.push_back(g);
  }
  if (ps.empty()) return 0;
  std::vector<at::Tensor> d = weight_decay != 0 ? at::_foreach_add(gs, ps, weight_decay) : gs;
  if (momentum != 0) {
    std::vector<at::Tensor> momentum_bufs;
    std::vector<at::Tensor> existing, existing_d;
    int32_t j = 0;
    for (int32_t k = 0; k < count; ++k) {
      if (!params[k]->grad().defined()) continue;
      if (bufs[k] != nullptr) {
        existing.push_back(*bufs[k]);
        existing_d.push_back(d[j]);
        momentum_bufs.push_back(*bufs[k]);
      } else {
        at::Tensor b = d[j].clone().detach();
        new_bufs[k] = tk::wrap(b);
        momentum_bufs.push_back(b);
      }
      ++j;
    }
    if (!existing.empty()) {
      at::_foreach_mul_(existing, momentum);
      at::_foreach_add_(existing, existing_d, 1 - dampening);
    }
    if (nesterov) {
      d = at::_foreach_add(d, momentum_bufs, momentum);
    } else {
      d = momentum_bufs;
    }
  }
  at::_foreach_add_(ps, d, -lr);
  return 0;
  TK_CATCH(1)
}
