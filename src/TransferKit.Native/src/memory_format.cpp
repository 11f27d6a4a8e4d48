// Memory formats (NCHW "contiguous" and NHWC "channels_last"): converting tensors, converting a
// module's parameters in place (as PyTorch's `module.to(memory_format=...)` does with `param.data =`),
// and asking which format a tensor is in. Formats cross the ABI as c10::MemoryFormat's values
// (0 contiguous, 1 preserve, 2 channels_last, 3 channels_last_3d).
#include "tk_common.h"

namespace {
c10::MemoryFormat format(int32_t value) {
  if (value < 0 || value > static_cast<int32_t>(c10::MemoryFormat::ChannelsLast3d))
    throw std::invalid_argument("unknown memory format " + std::to_string(value));
  return static_cast<c10::MemoryFormat>(value);
}
}  // namespace

// t.contiguous(memory_format): the tensor itself (a new handle) when it already is.
TK_EXPORT tk_tensor tk_contiguous_memory_format(tk_tensor t, int32_t memory_format) {
  TK_TRY
  return tk::wrap(t->contiguous(format(memory_format)));
  TK_CATCH(nullptr)
}

// 1 when t is contiguous in memory_format, 0 when not, -1 on failure.
TK_EXPORT int32_t tk_is_contiguous_memory_format(tk_tensor t, int32_t memory_format) {
  TK_TRY
  return t->is_contiguous(format(memory_format)) ? 1 : 0;
  TK_CATCH(-1)
}

// The format libtorch's kernels pick for t's outputs (t.suggest_memory_format()), or -1 on failure.
TK_EXPORT int32_t tk_suggest_memory_format(tk_tensor t) {
  TK_TRY
  return static_cast<int32_t>(t->suggest_memory_format());
  TK_CATCH(-1)
}

// Rewrites t's data in memory_format in place (the same TensorImpl: every handle, the optimizer's
// included, sees the new layout; autograd metadata and requires_grad are kept). Tensors of other
// ranks than the format's (4 for channels_last, 5 for channels_last_3d) are left as they are.
// Returns 1 when t was converted, 0 when nothing changed, -1 on failure.
TK_EXPORT int32_t tk_to_memory_format_(tk_tensor t, int32_t memory_format) {
  TK_TRY
  c10::MemoryFormat f = format(memory_format);
  if (f == c10::MemoryFormat::Preserve) return 0;
  if (f == c10::MemoryFormat::ChannelsLast && t->dim() != 4) return 0;
  if (f == c10::MemoryFormat::ChannelsLast3d && t->dim() != 5) return 0;
  if (t->is_contiguous(f)) return 0;
  at::NoGradGuard no_grad;
  at::Tensor converted = t->contiguous(f);
  t->set_data(converted);
  return 1;
  TK_CATCH(-1)
}
