#!/usr/bin/env bash
# Fallback for device-check.sh: compiles the native shim with g++ against a Python environment's
# PyTorch (headers and libraries inside the wheel), without CMake.
#   bash benchmarks/gpu/build-shim-direct.sh PYTHON BUILD_DIR ON|OFF(image codecs)
set -euo pipefail
PY="$1"; BUILD="$2"; CODECS="${3:-OFF}"
SRC=src/TransferKit.Native/src
TORCH_DIR="$("$PY" -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
ABI="$("$PY" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')"
STD="$("$PY" -c 'import torch; v = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2]); print("c++20" if v >= (2, 10) else "c++17")')"
mkdir -p "$BUILD/obj"
sources=()
for f in "$SRC"/*.cpp; do
  name="$(basename "$f")"
  if [[ $CODECS == ON && $name == image_decode_unavailable.cpp ]]; then continue; fi
  if [[ $CODECS != ON && $name == image_decode.cpp ]]; then continue; fi
  sources+=("$f")
done
pids=()
for f in "${sources[@]}"; do
  # The exact resampling kernel must round every product the way libtorch does: no implicit FMA (as in CMakeLists.txt).
  extra_flags=()
  if [[ $(basename "$f") == image_resample.cpp ]]; then extra_flags+=(-ffp-contract=off); fi
  g++ -O2 -fPIC -std=$STD -fopenmp -fvisibility=hidden -D_GLIBCXX_USE_CXX11_ABI=$ABI -I"$SRC" \
      -I"$TORCH_DIR/include" -I"$TORCH_DIR/include/torch/csrc/api/include" "${extra_flags[@]}" \
      -c "$f" -o "$BUILD/obj/$(basename "$f" .cpp).o" &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
if [[ $failed != 0 ]]; then echo "compiling the shim failed (errors above)" >&2; exit 1; fi
libs=(-ltorch -ltorch_cpu -lc10)
if [[ -f "$TORCH_DIR/lib/libtorch_cuda.so" ]]; then libs+=(-ltorch_cuda -lc10_cuda); fi
extra=()
if [[ $CODECS == ON ]]; then extra+=(-ljpeg -lpng); fi
g++ -shared -o "$BUILD/libTransferKitNative.so" "$BUILD"/obj/*.o -L"$TORCH_DIR/lib" -Wl,-rpath,"$TORCH_DIR/lib" \
    -Wl,--no-as-needed "${libs[@]}" -Wl,--as-needed "${extra[@]}" -fopenmp
echo "built $BUILD/libTransferKitNative.so against $TORCH_DIR ($STD, cxx11 abi $ABI)"
