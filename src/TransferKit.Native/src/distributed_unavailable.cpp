// Stand-ins for the data-parallel entry points of distributed.cpp in a shim built against a libtorch
// whose Gloo headers are missing (a PyTorch wheel ships none; Debian's libgloo-dev provides them).
// Each reports that this build cannot train across processes.
#include "tk_common.h"

#if !__has_include(<gloo/algorithm.h>)

namespace {
const char* const kMessage =
    "this TransferKit native shim was built without Gloo (no gloo headers beside the libtorch it was built "
    "against): data-parallel training is unavailable; rebuild it with libgloo-dev installed";

int32_t unavailable() {
  tk::set_error(kMessage);
  return 1;
}
}  // namespace

TK_EXPORT void* tk_dist_init(int32_t store_kind, const char* host, int32_t port, int32_t rank, int32_t world_size,
                             int64_t timeout_ms, const char* device_host) {
  unavailable();
  return nullptr;
}

TK_EXPORT void tk_dist_free(void* group) {}

TK_EXPORT int32_t tk_dist_broadcast_(void* group, const tk_tensor* tensors, int32_t count, int32_t root) {
  return unavailable();
}

TK_EXPORT int32_t tk_dist_allreduce_(void* group, const tk_tensor* tensors, int32_t count, double scale, int64_t bucket_bytes) {
  return unavailable();
}

TK_EXPORT int32_t tk_dist_barrier(void* group) { return unavailable(); }

#endif  // !__has_include(<gloo/algorithm.h>)
