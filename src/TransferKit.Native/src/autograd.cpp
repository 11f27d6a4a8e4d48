// Autograd: requires_grad, backward, gradients, detaching.
#include "tk_common.h"

TK_EXPORT int32_t tk_requires_grad(tk_tensor t) { return t->requires_grad() ? 1 : 0; }

TK_EXPORT int32_t tk_set_requires_grad(tk_tensor t, int32_t requires_grad) {
  TK_TRY
  t->set_requires_grad(requires_grad != 0);
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_is_leaf(tk_tensor t) { return t->is_leaf() ? 1 : 0; }

// gradient may be null (implicit 1 for scalars).
TK_EXPORT int32_t tk_backward(tk_tensor t, tk_tensor gradient, int32_t retain_graph, int32_t create_graph) {
  TK_TRY
  at::Tensor g = gradient ? *gradient : at::Tensor();
  t->backward(g, c10::optional<bool>(retain_graph != 0), create_graph != 0);
  return 0;
  TK_CATCH(1)
}

// *out is null when the tensor has no gradient yet.
TK_EXPORT int32_t tk_grad(tk_tensor t, tk_tensor* out) {
  TK_TRY
  const at::Tensor& g = t->grad();
  *out = g.defined() ? tk::wrap(g) : nullptr;
  return 0;
  TK_CATCH(1)
}

// Drops the accumulated gradient (PyTorch's zero_grad(set_to_none=True)).
TK_EXPORT int32_t tk_clear_grad(tk_tensor t) {
  TK_TRY
  t->mutable_grad().reset();
  return 0;
  TK_CATCH(1)
}

TK_EXPORT tk_tensor tk_detach(tk_tensor t) {
  TK_TRY
  return tk::wrap(t->detach());
  TK_CATCH(nullptr)
}
