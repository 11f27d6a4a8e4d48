// Random ops needed by the model zoo (torchvision.ops.stochastic_depth draws its mask with bernoulli_).
#include "tk_common.h"

// Fills t in place with 0/1 draws, each 1 with probability p, from the default generator (seeded
// by tk_manual_seed), exactly as torch.Tensor.bernoulli_(p). Not recorded by autograd.
TK_EXPORT int32_t tk_bernoulli_(tk_tensor t, double p) {
  TK_TRY
  at::NoGradGuard guard;
  t->bernoulli_(p);
  return 0;
  TK_CATCH(1)
}
