// Transformer ops (TransferKit.NN): embedding lookup and scaled dot-product attention.
// libtorch 1.13 has no fused attention kernel on the CPU: attention is matmul + softmax, written
// here in one call so that a layer crosses the ABI once instead of six times.
#include "tk_common.h"

#include <cmath>

// weight [V, D], indices int64 of any shape; padding_idx < 0 means none (its row gets no gradient).
TK_EXPORT tk_tensor tk_embedding(tk_tensor weight, tk_tensor indices, int64_t padding_idx) {
  TK_TRY
  return tk::wrap(at::embedding(*weight, *indices, padding_idx < 0 ? -1 : padding_idx,
                                /*scale_grad_by_freq=*/false, /*sparse=*/false));
  TK_CATCH(nullptr)
}

// softmax(q kᵀ / sqrt(d) + mask) v, with dropout on the probabilities in training mode.
// q [..., Tq, d], k and v [..., Tk, d]; mask is additive, broadcastable to [..., Tq, Tk], or null.
// The order of operations is Hugging Face BERT's (scores divided after the product).
TK_EXPORT tk_tensor tk_scaled_dot_product_attention(tk_tensor q, tk_tensor k, tk_tensor v, tk_tensor mask,
                                                    double dropout_p, int32_t training) {
  TK_TRY
  at::Tensor scores = at::matmul(*q, k->transpose(-1, -2)).div_(std::sqrt(static_cast<double>(q->size(-1))));
  if (mask) scores.add_(*mask);
  at::Tensor probs = at::softmax(scores, -1);
  if (training && dropout_p > 0) probs = at::dropout(probs, dropout_p, true);
  return tk::wrap(at::matmul(probs, *v));
  TK_CATCH(nullptr)
}
