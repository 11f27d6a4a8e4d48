// Views, reshaping, joining and indexing.
#include "tk_common.h"

#include <vector>

namespace {
std::vector<at::Tensor> gather(const tk_tensor* tensors, int32_t count) {
  std::vector<at::Tensor> list;
  list.reserve(static_cast<size_t>(count));
  for (int32_t k = 0; k < count; ++k) list.push_back(*tensors[k]);
  return list;
}
}  // namespace

TK_EXPORT tk_tensor tk_reshape(tk_tensor t, const int64_t* shape, int32_t ndim) {
  TK_TRY
  return tk::wrap(t->reshape(at::IntArrayRef(shape, ndim)));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_view(tk_tensor t, const int64_t* shape, int32_t ndim) {
  TK_TRY
  return tk::wrap(t->view(at::IntArrayRef(shape, ndim)));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_expand(tk_tensor t, const int64_t* shape, int32_t ndim) {
  TK_TRY
  return tk::wrap(t->expand(at::IntArrayRef(shape, ndim)));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_permute(tk_tensor t, const int64_t* dims, int32_t ndim) {
  TK_TRY
  return tk::wrap(t->permute(at::IntArrayRef(dims, ndim)));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_transpose(tk_tensor t, int64_t dim0, int64_t dim1) {
  TK_TRY
  return tk::wrap(t->transpose(dim0, dim1));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_squeeze(tk_tensor t) {
  TK_TRY
  return tk::wrap(t->squeeze());
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_squeeze_dim(tk_tensor t, int64_t dim) {
  TK_TRY
  return tk::wrap(t->squeeze(dim));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_unsqueeze(tk_tensor t, int64_t dim) {
  TK_TRY
  return tk::wrap(t->unsqueeze(dim));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_flatten(tk_tensor t, int64_t start_dim, int64_t end_dim) {
  TK_TRY
  return tk::wrap(t->flatten(start_dim, end_dim));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_cat(const tk_tensor* tensors, int32_t count, int64_t dim) {
  TK_TRY
  return tk::wrap(at::cat(gather(tensors, count), dim));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_stack(const tk_tensor* tensors, int32_t count, int64_t dim) {
  TK_TRY
  return tk::wrap(at::stack(gather(tensors, count), dim));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_index_select(tk_tensor t, int64_t dim, tk_tensor index) {
  TK_TRY
  return tk::wrap(t->index_select(dim, *index));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_narrow(tk_tensor t, int64_t dim, int64_t start, int64_t length) {
  TK_TRY
  return tk::wrap(t->narrow(dim, start, length));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_slice(tk_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  TK_TRY
  return tk::wrap(t->slice(dim, start, end, step));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_select(tk_tensor t, int64_t dim, int64_t index) {
  TK_TRY
  return tk::wrap(t->select(dim, index));
  TK_CATCH(nullptr)
}

TK_EXPORT tk_tensor tk_masked_select(tk_tensor t, tk_tensor mask) {
  TK_TRY
  return tk::wrap(t->masked_select(*mask));
  TK_CATCH(nullptr)
}
