#!/usr/bin/env bash
# Runs the "Linear layer" GEMM (x[256,1024] @ w[1024,1024], float32, 2 intra-op threads) under
# Debian's reference BLAS and under OpenBLAS, back to back in one sitting, in TransferKit and
# (when /usr/bin/python3 has torch) in PyTorch, and prints GFLOP/s for each.
#
#   bash benchmarks/blas-compare.sh [--reps N]
#
# libtorch_cpu.so needs libblas.so.3, which update-alternatives points at OpenBLAS once
# libopenblas0-pthread is installed. LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/blas makes the
# loader find the reference libblas.so.3 first. Each run prints the file that provides sgemm_ to
# libtorch, and the script fails if it is not the BLAS it asked for.
set -euo pipefail

cd "$(dirname "$0")/.."
reps=20
if [[ ${1:-} == --reps ]]; then reps=$2; fi

ref_dir=/usr/lib/x86_64-linux-gnu/blas
openblas_dir=/usr/lib/x86_64-linux-gnu/openblas-pthread
if [[ ! -e $ref_dir/libblas.so.3 ]]; then
  echo "blas-compare.sh: the reference BLAS ($ref_dir/libblas.so.3, package libblas3) is not installed" >&2
  exit 1
fi

dotnet build -c Release benchmarks/TransferKit.Benchmarks -v quiet -nologo >/dev/null
probe=(dotnet benchmarks/TransferKit.Benchmarks/bin/Release/net10.0/TransferKit.Benchmarks.dll gemm --reps "$reps")
have_torch=0
if /usr/bin/python3 -c "import torch" 2>/dev/null; then have_torch=1; fi

# run LABEL EXPECTED_DIR ENV... -- COMMAND...: runs the command, checks the sgemm_ provider, prints the figures.
run() {
  local label=$1 expected=$2
  shift 2
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  local out
  out=$(env "${envs[@]}" "$@")
  local provider
  provider=$(grep -m1 '^sgemm_ provider:' <<<"$out")
  if [[ $provider != *"-> $expected/"* && $provider != *": $expected/"* ]]; then
    echo "blas-compare.sh: $label did not use $expected: $provider" >&2
    exit 1
  fi
  printf '%-34s %s | %s\n' "$label" "$(grep -m1 'GFLOP/s (median)' <<<"$out")" "${provider#sgemm_ provider: }"
}

echo "GEMM x[256,1024] @ w[1024,1024] float32, 2 intra-op threads, $(date -u '+%Y-%m-%d %H:%M UTC'), load: $(cut -d' ' -f1-3 /proc/loadavg)"
run "TransferKit, reference BLAS" "$ref_dir" LD_LIBRARY_PATH="$ref_dir" -- "${probe[@]}"
if ((have_torch)); then
  run "PyTorch, reference BLAS" "$ref_dir" LD_LIBRARY_PATH="$ref_dir" -- /usr/bin/python3 benchmarks/pytorch/dispatch_bench.py --gemm-only
fi
run "TransferKit, OpenBLAS (default)" "$openblas_dir" LD_LIBRARY_PATH="$openblas_dir" -- "${probe[@]}"
if ((have_torch)); then
  run "PyTorch, OpenBLAS (default)" "$openblas_dir" LD_LIBRARY_PATH="$openblas_dir" -- /usr/bin/python3 benchmarks/pytorch/dispatch_bench.py --gemm-only
fi
