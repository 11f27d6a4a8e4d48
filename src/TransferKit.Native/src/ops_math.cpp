// Elementwise arithmetic, comparisons, unary functions, matmul and the in-place updates optimizers use.
#include "tk_common.h"

#define TK_BINARY(name, expr)                              \
  TK_EXPORT tk_tensor tk_##name(tk_tensor a, tk_tensor b) { \
    TK_TRY return tk::wrap(expr);                          \
    TK_CATCH(nullptr)                                      \
  }

#define TK_BINARY_SCALAR(name, expr)                                                    \
  TK_EXPORT tk_tensor tk_##name(tk_tensor a, double d, int64_t i, int32_t kind) {        \
    TK_TRY const at::Scalar s = tk::scalar(d, i, kind);                                 \
    return tk::wrap(expr);                                                              \
    TK_CATCH(nullptr)                                                                   \
  }

#define TK_UNARY(name, expr)                  \
  TK_EXPORT tk_tensor tk_##name(tk_tensor a) { \
    TK_TRY return tk::wrap(expr);             \
    TK_CATCH(nullptr)                         \
  }

TK_BINARY(add, at::add(*a, *b))
TK_BINARY(sub, at::sub(*a, *b))
TK_BINARY(mul, at::mul(*a, *b))
TK_BINARY(div, at::div(*a, *b))
TK_BINARY(pow, at::pow(*a, *b))
TK_BINARY(matmul, at::matmul(*a, *b))
TK_BINARY(eq, at::eq(*a, *b))
TK_BINARY(ne, at::ne(*a, *b))
TK_BINARY(lt, at::lt(*a, *b))
TK_BINARY(le, at::le(*a, *b))
TK_BINARY(gt, at::gt(*a, *b))
TK_BINARY(ge, at::ge(*a, *b))
TK_BINARY(maximum, at::maximum(*a, *b))
TK_BINARY(minimum, at::minimum(*a, *b))

TK_BINARY_SCALAR(add_scalar, at::add(*a, s))
TK_BINARY_SCALAR(sub_scalar, at::sub(*a, s))
TK_BINARY_SCALAR(rsub_scalar, at::rsub(*a, s))
TK_BINARY_SCALAR(mul_scalar, at::mul(*a, s))
TK_BINARY_SCALAR(div_scalar, at::div(*a, s))
TK_BINARY_SCALAR(rdiv_scalar, at::mul(at::reciprocal(*a), s))
TK_BINARY_SCALAR(pow_scalar, at::pow(*a, s))
TK_BINARY_SCALAR(eq_scalar, at::eq(*a, s))
TK_BINARY_SCALAR(ne_scalar, at::ne(*a, s))
TK_BINARY_SCALAR(lt_scalar, at::lt(*a, s))
TK_BINARY_SCALAR(le_scalar, at::le(*a, s))
TK_BINARY_SCALAR(gt_scalar, at::gt(*a, s))
TK_BINARY_SCALAR(ge_scalar, at::ge(*a, s))

TK_UNARY(neg, at::neg(*a))
TK_UNARY(exp, at::exp(*a))
TK_UNARY(log, at::log(*a))
TK_UNARY(sqrt, at::sqrt(*a))
TK_UNARY(abs, at::abs(*a))
TK_UNARY(sign, at::sign(*a))
TK_UNARY(relu, at::relu(*a))
TK_UNARY(sigmoid, at::sigmoid(*a))
TK_UNARY(tanh, at::tanh(*a))
TK_UNARY(logical_not, at::logical_not(*a))

// Either bound may be absent (has_min / has_max = 0).
TK_EXPORT tk_tensor tk_clamp(tk_tensor a, int32_t has_min, double min, int32_t has_max, double max) {
  TK_TRY
  c10::optional<at::Scalar> lo = has_min ? c10::optional<at::Scalar>(min) : c10::nullopt;
  c10::optional<at::Scalar> hi = has_max ? c10::optional<at::Scalar>(max) : c10::nullopt;
  return tk::wrap(at::clamp(*a, lo, hi));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_where(tk_tensor condition, tk_tensor a, tk_tensor b) {
  TK_TRY
  return tk::wrap(at::where(*condition, *a, *b));
  TK_CATCH(nullptr)
}

// ---- in-place updates (return status; the tensor itself is modified) ----

TK_EXPORT int32_t tk_add_(tk_tensor self, tk_tensor other, double alpha) {
  TK_TRY
  self->add_(*other, alpha);
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_add_scalar_(tk_tensor self, double d, int64_t i, int32_t kind) {
  TK_TRY
  self->add_(tk::scalar(d, i, kind));
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_mul_(tk_tensor self, tk_tensor other) {
  TK_TRY
  self->mul_(*other);
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_mul_scalar_(tk_tensor self, double d, int64_t i, int32_t kind) {
  TK_TRY
  self->mul_(tk::scalar(d, i, kind));
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_div_scalar_(tk_tensor self, double d, int64_t i, int32_t kind) {
  TK_TRY
  self->div_(tk::scalar(d, i, kind));
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_relu_(tk_tensor self) {
  TK_TRY
  self->relu_();
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_copy_(tk_tensor self, tk_tensor src) {
  TK_TRY
  self->copy_(*src);
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_zero_(tk_tensor self) {
  TK_TRY
  self->zero_();
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_fill_(tk_tensor self, double d, int64_t i, int32_t kind) {
  TK_TRY
  self->fill_(tk::scalar(d, i, kind));
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_addcmul_(tk_tensor self, tk_tensor t1, tk_tensor t2, double value) {
  TK_TRY
  self->addcmul_(*t1, *t2, value);
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_addcdiv_(tk_tensor self, tk_tensor t1, tk_tensor t2, double value) {
  TK_TRY
  self->addcdiv_(*t1, *t2, value);
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_clamp_(tk_tensor self, int32_t has_min, double min, int32_t has_max, double max) {
  TK_TRY
  c10::optional<at::Scalar> lo = has_min ? c10::optional<at::Scalar>(min) : c10::nullopt;
  c10::optional<at::Scalar> hi = has_max ? c10::optional<at::Scalar>(max) : c10::nullopt;
  self->clamp_(lo, hi);
  return 0;
  TK_CATCH(1)
}
