// Neural-network functions (layers, activations, losses) and in-place initialisers.
#include "tk_common.h"

namespace {
inline at::Tensor opt(tk_tensor t) { return t ? *t : at::Tensor(); }
inline at::IntArrayRef arr(const int64_t* p, int32_t n) { return at::IntArrayRef(p, n); }
}  // namespace

// bias may be null.
TK_EXPORT tk_tensor tk_linear(tk_tensor input, tk_tensor weight, tk_tensor bias) {
  TK_TRY
  return tk::wrap(at::linear(*input, *weight, opt(bias)));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_conv2d(tk_tensor input, tk_tensor weight, tk_tensor bias, const int64_t* stride,
                              const int64_t* padding, const int64_t* dilation, int64_t groups) {
  TK_TRY
  return tk::wrap(at::conv2d(*input, *weight, opt(bias), arr(stride, 2), arr(padding, 2), arr(dilation, 2), groups));
  TK_CATCH(nullptr)
}

// weight, bias, running_mean, running_var may be null. In training mode with running stats, the
// running statistics are updated in place (PyTorch's momentum convention).
TK_EXPORT tk_tensor tk_batch_norm(tk_tensor input, tk_tensor weight, tk_tensor bias, tk_tensor running_mean,
                                  tk_tensor running_var, int32_t training, double momentum, double eps) {
  TK_TRY
  return tk::wrap(at::batch_norm(*input, opt(weight), opt(bias), opt(running_mean), opt(running_var), training != 0,
                                 momentum, eps, /*cudnn_enabled=*/true));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_layer_norm(tk_tensor input, const int64_t* normalized_shape, int32_t ndim, tk_tensor weight,
                                  tk_tensor bias, double eps) {
  TK_TRY
  return tk::wrap(at::layer_norm(*input, arr(normalized_shape, ndim), opt(weight), opt(bias), eps));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_max_pool2d(tk_tensor input, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                                  const int64_t* dilation, int32_t ceil_mode) {
  TK_TRY
  return tk::wrap(at::max_pool2d(*input, arr(kernel, 2), arr(stride, 2), arr(padding, 2), arr(dilation, 2), ceil_mode != 0));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_avg_pool2d(tk_tensor input, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                                  int32_t ceil_mode, int32_t count_include_pad) {
  TK_TRY
  return tk::wrap(at::avg_pool2d(*input, arr(kernel, 2), arr(stride, 2), arr(padding, 2), ceil_mode != 0,
                                 count_include_pad != 0));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_adaptive_avg_pool2d(tk_tensor input, int64_t out_h, int64_t out_w) {
  TK_TRY
  return tk::wrap(at::adaptive_avg_pool2d(*input, {out_h, out_w}));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_dropout(tk_tensor input, double p, int32_t training) {
  TK_TRY
  return tk::wrap(at::dropout(*input, p, training != 0));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_hardtanh(tk_tensor input, double min, double max) {
  TK_TRY
  return tk::wrap(at::hardtanh(*input, min, max));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_silu(tk_tensor input) {
  TK_TRY
  return tk::wrap(at::silu(*input));
  TK_CATCH(nullptr)
}

// approximate: 0 = exact erf form, 1 = tanh approximation.
TK_EXPORT tk_tensor tk_gelu(tk_tensor input, int32_t approximate) {
  TK_TRY
  const at::Tensor& x = *input;
  at::Tensor y = at::gelu(x, approximate ? "tanh" : "none");
  // libtorch 1.13's oneDNN backward of the exact GELU (contiguous float CPU input) reads the incoming
  // gradient as if it were contiguous, so a transposed one (conv -> GELU -> transpose) gives wrong
  // gradients, up to 1e30. Two views whose backward is a reshape hand GELU a contiguous gradient:
  // one copy, and only when the gradient was not contiguous.
  if (!approximate && x.device().is_cpu() && x.requires_grad() && at::GradMode::is_enabled() && x.is_contiguous())
    y = y.view({-1}).view(y.sizes());
  return tk::wrap(std::move(y));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_hardswish(tk_tensor input) {
  TK_TRY
  return tk::wrap(at::hardswish(*input));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_hardsigmoid(tk_tensor input) {
  TK_TRY
  return tk::wrap(at::hardsigmoid(*input));
  TK_CATCH(nullptr)
}

// reduction: 0 none, 1 mean, 2 sum (at::Reduction). weight may be null.
TK_EXPORT tk_tensor tk_cross_entropy(tk_tensor input, tk_tensor target, tk_tensor weight, int32_t reduction,
                                     int64_t ignore_index, double label_smoothing) {
  TK_TRY
  return tk::wrap(at::cross_entropy_loss(*input, *target, opt(weight), reduction, ignore_index, label_smoothing));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_nll_loss(tk_tensor input, tk_tensor target, tk_tensor weight, int32_t reduction,
                                int64_t ignore_index) {
  TK_TRY
  return tk::wrap(at::nll_loss_nd(*input, *target, opt(weight), reduction, ignore_index));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_bce_with_logits(tk_tensor input, tk_tensor target, tk_tensor weight, tk_tensor pos_weight,
                                       int32_t reduction) {
  TK_TRY
  return tk::wrap(at::binary_cross_entropy_with_logits(*input, *target, opt(weight), opt(pos_weight), reduction));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_mse_loss(tk_tensor input, tk_tensor target, int32_t reduction) {
  TK_TRY
  return tk::wrap(at::mse_loss(*input, *target, reduction));
  TK_CATCH(nullptr)
}

// ---- in-place initialisers (no autograd recording) ----

TK_EXPORT int32_t tk_uniform_(tk_tensor t, double low, double high) {
  TK_TRY
  at::NoGradGuard guard;
  t->uniform_(low, high);
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_normal_(tk_tensor t, double mean, double std) {
  TK_TRY
  at::NoGradGuard guard;
  t->normal_(mean, std);
  return 0;
  TK_CATCH(1)
}
