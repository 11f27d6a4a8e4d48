// The floor under any binding: the same ops as DispatchBenchmarks called from C++ directly on
// libtorch (no managed or Python layer). Each op's result is heap-allocated and freed, as the
// shim's handles are (new/delete at::Tensor), so the difference to TransferKit is the managed part.
//
//   g++ -O2 -std=c++17 benchmarks/native/dispatch_floor.cpp -ltorch_cpu -lc10 -o dispatch_floor && ./dispatch_floor
//
// Method: per op, 3 untimed loops, then 15 timed loops of N calls (N chosen so a loop takes about
// 0.2 s); prints the median and the minimum of (loop time / N) in microseconds.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

double loop_seconds(const std::function<void()>& op, long n) {
  auto t0 = Clock::now();
  for (long k = 0; k < n; ++k) op();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void report(const char* name, const std::function<void()>& op) {
  long n = 1;
  while (loop_seconds(op, n) < 0.2) n *= 2;  // also warms up
  for (int k = 0; k < 3; ++k) loop_seconds(op, n);
  std::vector<double> per_call;
  for (int k = 0; k < 15; ++k) per_call.push_back(loop_seconds(op, n) / n);
  std::sort(per_call.begin(), per_call.end());
  std::printf("%-24s %10.3f %10.3f\n", name, per_call[per_call.size() / 2] * 1e6, per_call.front() * 1e6);
}

// What a shim function does around the op: the result goes to the heap and is freed later.
void keep_and_free(at::Tensor t) { delete new at::Tensor(std::move(t)); }
}  // namespace

int main() {
  at::set_num_threads(2);
  at::manual_seed(0);
  at::Tensor a1 = at::full({1}, 1.5f), b1 = at::full({1}, 2.5f);
  at::Tensor m1a = at::full({1, 1}, 1.5f), m1b = at::full({1, 1}, 2.5f);
  at::Tensor m64a = at::randn({64, 64}), m64b = at::randn({64, 64});

  std::printf("libtorch C++ floor, intra-op threads %d\n%-24s %10s %10s\n", at::get_num_threads(), "op", "median us", "min us");
  report("Add1", [&] { keep_and_free(at::add(a1, b1)); });
  report("MatMul1x1", [&] { keep_and_free(at::matmul(m1a, m1b)); });
  report("MatMul64", [&] { keep_and_free(at::matmul(m64a, m64b)); });
  report("Alias", [&] { keep_and_free(a1); });
  {
    // What libtorch itself saves when autograd bookkeeping is off (torch.inference_mode()).
    c10::InferenceMode guard;
    report("Add1_InferenceMode", [&] { keep_and_free(at::add(a1, b1)); });
    report("MatMul1x1_InferenceMode", [&] { keep_and_free(at::matmul(m1a, m1b)); });
  }
  return 0;
}
