#!/usr/bin/python3
"""PyTorch eager reference for TransferKit's DispatchBenchmarks and GemmBenchmarks.

Run with Debian's interpreter (python3-torch 1.13):

    /usr/bin/python3 benchmarks/pytorch/dispatch_bench.py [--json OUT.json] [--gemm-only]

Times, with 2 intra-op threads:
  * per-op dispatch: torch.add / `a + b` of 1-element float tensors, torch.matmul / `a @ b` of
    1x1 tensors, torch.matmul of 64x64 tensors (the result is freed as the statement ends, as
    TransferKit's benchmarks dispose theirs);
  * the "Linear layer" GEMM x[256,1024] @ w[1024,1024] in GFLOP/s.

Method: timeit.Timer.autorange picks a loop count that takes at least 0.2 s, then the loop is
repeated (default 15 times); a figure is the median over repeats of (loop time / loop count).
The minimum is printed too. Timings on a shared 2-core machine are noisy: compare with TransferKit
as ratios measured back to back, not against figures from another sitting.
"""

import argparse
import ctypes
import json
import os
import statistics
import timeit

import torch

THREADS = 2
M, K, N = 256, 1024, 1024


def time_stmt(stmt, env, repeat):
    """Seconds per execution of stmt: (median, min) over `repeat` autoranged loops."""
    timer = timeit.Timer(stmt, globals=env)
    number, _ = timer.autorange()  # also serves as warm-up
    per_call = [t / number for t in timer.repeat(repeat=repeat, number=number)]
    return {"median_s": statistics.median(per_call), "min_s": min(per_call), "loops": number, "repeat": repeat}


def sgemm_provider():
    """The file whose sgemm_ libtorch_cpu binds to (dlsym searches its dependencies in load order)."""
    try:
        libdl = ctypes.CDLL(None)
        handle = ctypes.CDLL("libtorch_cpu.so.1.13", mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
        address = ctypes.cast(handle.sgemm_, ctypes.c_void_p)

        class DlInfo(ctypes.Structure):
            _fields_ = [("fname", ctypes.c_char_p), ("fbase", ctypes.c_void_p),
                        ("sname", ctypes.c_char_p), ("saddr", ctypes.c_void_p)]

        info = DlInfo()
        if libdl.dladdr(address, ctypes.byref(info)) == 0:
            return "unknown"
        path = info.fname.decode()
        return f"{path} -> {os.path.realpath(path)}"
    except (OSError, AttributeError) as e:
        return f"unknown ({e})"


def mapped_blas():
    with open("/proc/self/maps") as f:
        paths = [line.split()[5] for line in f if len(line.split()) >= 6]
    return sorted({p for p in paths if "blas" in os.path.basename(p)})


def dispatch_cases():
    a1, b1 = torch.tensor([1.5]), torch.tensor([2.5])
    m1a, m1b = torch.tensor([[1.5]]), torch.tensor([[2.5]])
    m64a, m64b = torch.randn(64, 64), torch.randn(64, 64)
    env = dict(torch=torch, a1=a1, b1=b1, m1a=m1a, m1b=m1b, m64a=m64a, m64b=m64b)
    cases = [
        ("Add1", "torch.add(a1, b1)"),
        ("Add1 (a + b)", "a1 + b1"),
        ("MatMul1x1", "torch.matmul(m1a, m1b)"),
        ("MatMul1x1 (a @ b)", "m1a @ m1b"),
        ("MatMul64", "torch.matmul(m64a, m64b)"),
    ]
    return env, cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--gemm-only", action="store_true", help="only the 256x1024x1024 GEMM")
    parser.add_argument("--repeat", type=int, default=15, help="timed loops per figure (default 15)")
    args = parser.parse_args()

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    results = {
        "torch": torch.__version__,
        "intra_op_threads": torch.get_num_threads(),
        "sgemm_provider": sgemm_provider(),
        "mapped_blas": mapped_blas(),
        "ops": {},
    }
    print(f"torch {results['torch']}, intra-op threads {results['intra_op_threads']}")
    print(f"sgemm_ provider: {results['sgemm_provider']}")
    print(f"mapped BLAS files: {', '.join(results['mapped_blas'])}")

    if not args.gemm_only:
        env, cases = dispatch_cases()
        print(f"\n{'op':<20} {'median us':>10} {'min us':>10}")
        for name, stmt in cases:
            r = time_stmt(stmt, env, args.repeat)
            results["ops"][name] = {"stmt": stmt, **r}
            print(f"{name:<20} {r['median_s'] * 1e6:>10.3f} {r['min_s'] * 1e6:>10.3f}")

    x, w = torch.randn(M, K), torch.randn(K, N)
    r = time_stmt("torch.matmul(x, w)", dict(torch=torch, x=x, w=w), args.repeat)
    flops = 2.0 * M * K * N
    r.update(gflops_median=flops / r["median_s"] / 1e9, gflops_best=flops / r["min_s"] / 1e9)
    results["ops"]["Linear256x1024x1024"] = {"stmt": "torch.matmul(x, w)", **r}
    print(f"\nGEMM x[{M},{K}] @ w[{K},{N}] float32: median ms: {r['median_s'] * 1e3:.2f}, min ms: {r['min_s'] * 1e3:.2f}")
    print(f"GFLOP/s (median): {r['gflops_median']:.2f}")
    print(f"GFLOP/s (best): {r['gflops_best']:.2f}")

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
            f.write("\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
