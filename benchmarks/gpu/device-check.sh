#!/usr/bin/env bash
# The GPU machine's check, run from the repository root on a machine with an NVIDIA GPU, PyTorch 2.x
# (with CUDA) in its python3, CMake and a C++ compiler, but no .NET (benchmarks/gpu/README.md):
#   1. builds the native shim against the libtorch inside python3's PyTorch wheel;
#   2. runs the CUDA tests (tests/TransferKit.Cuda.Tests) through the self-contained GpuCheck
#      program that benchmarks/gpu/pack.sh published into .gpu/gpucheck.tar.xz;
#   3. runs the ResNet-18/50 training-step benchmark (BenchmarkDotNet, in-process) and the same
#      steps in PyTorch eager (benchmarks/gpu/pytorch_step.py), and writes the table gpu-step.md.
# Everything it writes goes to $OUT (default /tmp/gpu-check). Steps 2 and 3 run even if one fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/gpu-check}"
mkdir -p "$OUT"
PY="${PYTHON:-python3}"
JOBS="$(nproc)"
BUILD=/tmp/tk-native
status=0

echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/machine.txt"
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version())" | tee -a "$OUT/machine.txt"

echo "== 1. native shim against the wheel's libtorch"
TORCH_PREFIX="$("$PY" -c 'import torch; print(torch.utils.cmake_prefix_path)')"
codecs=OFF
if [[ -f /usr/include/jpeglib.h && -f /usr/include/png.h ]]; then codecs=ON; fi
start=$(date +%s)
if ! { cmake -S src/TransferKit.Native -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" \
         -DTK_IMAGE_CODECS=$codecs > "$OUT/cmake-configure.log" 2>&1 &&
       cmake --build "$BUILD" --parallel "$JOBS" > "$OUT/cmake-build.log" 2>&1; }; then
  echo "CMake build failed (logs in \$OUT); building with g++ directly"
  tail -n 20 "$OUT/cmake-configure.log" "$OUT/cmake-build.log"
  bash benchmarks/gpu/build-shim-direct.sh "$PY" "$BUILD" $codecs > "$OUT/direct-build.log" 2>&1 || { tail -40 "$OUT/direct-build.log"; exit 1; }
fi
echo "shim built in $(( $(date +%s) - start )) s (image codecs $codecs)"
export TRANSFERKIT_NATIVE_DIR="$BUILD"

echo "== 2. CUDA tests"
APP=/tmp/gpucheck
rm -rf "$APP" && mkdir -p "$APP" && tar -xJf .gpu/gpucheck.tar.xz -C "$APP"
"$APP/TransferKit.GpuCheck" info | tee -a "$OUT/machine.txt"
"$APP/TransferKit.GpuCheck" tests 2>&1 | tee "$OUT/cuda-tests.txt"
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1

echo "== 3. training-step benchmark"
"$APP/TransferKit.GpuCheck" bench --out "$OUT" "$@" > "$OUT/bench-transferkit.log" 2>&1 || { status=1; tail -40 "$OUT/bench-transferkit.log"; }
grep -E "^\| +(TrainStep|Method)" "$OUT/bench-transferkit.log" | head -20
PYTHONUNBUFFERED=1 "$PY" benchmarks/gpu/pytorch_step.py --out "$OUT" || status=1
"$PY" benchmarks/gpu/make_table.py "$OUT" || status=1
exit $status
