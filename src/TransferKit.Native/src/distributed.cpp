// Data-parallel training on libtorch's own distributed engine (c10d): a store for the rendezvous
// (TCPStore, rank 0 serving, or FileStore), a Gloo process group with a timeout, and the
// collectives the trainer needs (broadcast from a root, bucketed all-reduce averaged over the
// ranks, sums of metrics, barrier). Every failure (a timeout, a peer that died, a bad address)
// comes back as an error status with libtorch's or Gloo's message; nothing waits forever because
// every operation runs under the group's timeout.
#include "tk_common.h"

// The Gloo headers come with Debian's libgloo-dev; a libtorch without them (a PyTorch wheel) gets the
// stand-ins of distributed_unavailable.cpp instead.
#if __has_include(<gloo/algorithm.h>)
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace {
struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank = 0;
  int size = 1;
  std::chrono::milliseconds timeout{0};
};

void wait(const c10::intrusive_ptr<c10d::Work>& work, const Group& g) {
  // Gloo enforces the group's timeout inside the collective; wait() rethrows its error.
  work->wait(g.timeout);
}

// Runs one all-reduce (sum) of `tensors` concatenated: equal dtype required.
void allreduce_flat(Group& g, const std::vector<at::Tensor>& tensors, double scale) {
  std::vector<at::Tensor> flat_parts;
  flat_parts.reserve(tensors.size());
  for (const auto& t : tensors) flat_parts.push_back(t.reshape(-1));
  std::vector<at::Tensor> buffer{tensors.size() == 1 && tensors[0].is_contiguous() ? flat_parts[0].clone() : at::cat(flat_parts)};
  wait(g.pg->allreduce(buffer), g);
  if (scale != 1.0) buffer[0].mul_(scale);
  int64_t offset = 0;
  for (const auto& t : tensors) {
    int64_t n = t.numel();
    at::Tensor piece = buffer[0].narrow(0, offset, n).view(t.sizes());
    const_cast<at::Tensor&>(t).copy_(piece);
    offset += n;
  }
}
}  // namespace

// Joins (or, for rank 0 with TCP, serves) the rendezvous and creates a Gloo process group.
// store_kind 0: TCPStore at host:port (rank 0 listens); 1: FileStore at the path in `host`.
// device_host: the address Gloo binds to (null: the machine's hostname, loopback as fallback).
TK_EXPORT void* tk_dist_init(int32_t store_kind, const char* host, int32_t port, int32_t rank, int32_t world_size,
                             int64_t timeout_ms, const char* device_host) {
  TK_TRY
  TORCH_CHECK(world_size >= 1, "world size must be at least 1 (was ", world_size, ")");
  TORCH_CHECK(rank >= 0 && rank < world_size, "rank ", rank, " is outside [0, ", world_size, ")");
  TORCH_CHECK(timeout_ms > 0, "the timeout must be positive");
  auto g = std::make_unique<Group>();
  g->rank = rank;
  g->size = world_size;
  g->timeout = std::chrono::milliseconds(timeout_ms);
  if (store_kind == 0) {
    c10d::TCPStoreOptions opts;
    TORCH_CHECK(port > 0 && port < 65536, "port ", port, " is outside 1..65535");
    opts.port = static_cast<std::uint16_t>(port);
    opts.isServer = rank == 0;
    opts.numWorkers = world_size;
    opts.waitWorkers = true;
    opts.timeout = g->timeout;
    g->store = c10::make_intrusive<c10d::TCPStore>(std::string(host), opts);
  } else if (store_kind == 1) {
    g->store = c10::make_intrusive<c10d::FileStore>(std::string(host), world_size);
    g->store->setTimeout(g->timeout);
  } else {
    TORCH_CHECK(false, "unknown store kind ", store_kind);
  }
  auto options = c10d::ProcessGroupGloo::Options::create(g->timeout);
  options->devices.push_back(device_host ? c10d::ProcessGroupGloo::createDeviceForHostname(device_host)
                                         : c10d::ProcessGroupGloo::createDefaultDevice());
  options->threads = 2;
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("transferkit/0", g->store);
  g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, rank, world_size, options);
  return g.release();
  TK_CATCH(nullptr)
}

TK_EXPORT void tk_dist_free(void* group) {
  try {
    delete static_cast<Group*>(group);
  } catch (...) {
  }
}

// Copies root's tensors into every rank's (in place), one broadcast per tensor.
TK_EXPORT int32_t tk_dist_broadcast_(void* group, const tk_tensor* tensors, int32_t count, int32_t root) {
  TK_TRY
  auto& g = *static_cast<Group*>(group);
  TORCH_CHECK(root >= 0 && root < g.size, "root ", root, " is outside [0, ", g.size, ")");
  at::NoGradGuard no_grad;
  c10d::BroadcastOptions opts;
  opts.rootRank = root;
  opts.timeout = g.timeout;
  for (int32_t k = 0; k < count; ++k) {
    at::Tensor& t = *tensors[k];
    at::Tensor dense = t.is_contiguous() ? t : t.contiguous();
    std::vector<at::Tensor> one{dense};
    wait(g.pg->broadcast(one, opts), g);
    if (!dense.is_same(t)) t.copy_(dense);
  }
  return 0;
  TK_CATCH(1)
}

// Sums the tensors over all ranks in place and multiplies them by `scale` (1/world for a mean):
// tensors of one dtype are concatenated into buckets of at most bucket_bytes (a larger tensor
// travels alone), one all-reduce per bucket, as DistributedDataParallel does.
TK_EXPORT int32_t tk_dist_allreduce_(void* group, const tk_tensor* tensors, int32_t count, double scale, int64_t bucket_bytes) {
  TK_TRY
  auto& g = *static_cast<Group*>(group);
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> bucket;
  int64_t bytes = 0;
  auto flush = [&] {
    if (!bucket.empty()) allreduce_flat(g, bucket, scale);
    bucket.clear();
    bytes = 0;
  };
  for (int32_t k = 0; k < count; ++k) {
    const at::Tensor& t = *tensors[k];
    int64_t n = t.numel() * static_cast<int64_t>(t.element_size());
    if (!bucket.empty() && (bucket[0].scalar_type() != t.scalar_type() || bytes + n > bucket_bytes)) flush();
    bucket.push_back(t);
    bytes += n;
  }
  flush();
  return 0;
  TK_CATCH(1)
}

// Waits until every rank has called it (or the timeout passed).
TK_EXPORT int32_t tk_dist_barrier(void* group) {
  TK_TRY
  auto& g = *static_cast<Group*>(group);
  c10d::BarrierOptions opts;
  opts.timeout = g.timeout;
  wait(g.pg->barrier(opts), g);
  return 0;
  TK_CATCH(1)
}

#endif  // __has_include(<gloo/algorithm.h>)
