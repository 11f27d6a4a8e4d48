// Reductions and normalised exponentials.
#include "tk_common.h"

TK_EXPORT tk_tensor tk_sum(tk_tensor t) {
  TK_TRY
  return tk::wrap(t->sum());
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_sum_dims(tk_tensor t, const int64_t* dims, int32_t ndims, int32_t keepdim) {
  TK_TRY
  return tk::wrap(t->sum(at::IntArrayRef(dims, ndims), keepdim != 0));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_mean(tk_tensor t) {
  TK_TRY
  return tk::wrap(t->mean());
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_mean_dims(tk_tensor t, const int64_t* dims, int32_t ndims, int32_t keepdim) {
  TK_TRY
  return tk::wrap(t->mean(at::IntArrayRef(dims, ndims), keepdim != 0));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_max(tk_tensor t) {
  TK_TRY
  return tk::wrap(t->max());
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_min(tk_tensor t) {
  TK_TRY
  return tk::wrap(t->min());
  TK_CATCH(nullptr)
}

// Values and indices along a dimension.
TK_EXPORT int32_t tk_max_dim(tk_tensor t, int64_t dim, int32_t keepdim, tk_tensor* values, tk_tensor* indices) {
  TK_TRY
  auto result = t->max(dim, keepdim != 0);
  *values = tk::wrap(std::get<0>(result));
  *indices = tk::wrap(std::get<1>(result));
  return 0;
  TK_CATCH(1)
}

TK_EXPORT int32_t tk_min_dim(tk_tensor t, int64_t dim, int32_t keepdim, tk_tensor* values, tk_tensor* indices) {
  TK_TRY
  auto result = t->min(dim, keepdim != 0);
  *values = tk::wrap(std::get<0>(result));
  *indices = tk::wrap(std::get<1>(result));
  return 0;
  TK_CATCH(1)
}

// has_dim = 0: index into the flattened tensor.
TK_EXPORT tk_tensor tk_argmax(tk_tensor t, int32_t has_dim, int64_t dim, int32_t keepdim) {
  TK_TRY
  c10::optional<int64_t> d = has_dim ? c10::optional<int64_t>(dim) : c10::nullopt;
  return tk::wrap(t->argmax(d, keepdim != 0));
  TK_CATCH(nullptr)
}

TK_EXPORT int32_t tk_topk(tk_tensor t, int64_t k, int64_t dim, int32_t largest, int32_t sorted, tk_tensor* values,
                          tk_tensor* indices) {
  TK_TRY
  auto result = t->topk(k, dim, largest != 0, sorted != 0);
  *values = tk::wrap(std::get<0>(result));
  *indices = tk::wrap(std::get<1>(result));
  return 0;
  TK_CATCH(1)
}

TK_EXPORT tk_tensor tk_softmax(tk_tensor t, int64_t dim) {
  TK_TRY
  return tk::wrap(at::softmax(*t, dim));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_log_softmax(tk_tensor t, int64_t dim) {
  TK_TRY
  return tk::wrap(at::log_softmax(*t, dim));
  TK_CATCH(nullptr)
}
