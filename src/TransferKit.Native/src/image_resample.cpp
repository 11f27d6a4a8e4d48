// Crop-and-resize of uint8 images [C, H, W] in one native pass, bit-identical to the ATen path the
// transforms otherwise take (crop view -> float32 -> at::_upsample_bilinear2d_aa -> round -> clamp
// -> uint8), but without the float copy of the whole crop, the per-dimension TensorIterator passes
// and the separate rounding passes. The source may have any strides, so a permuted [H, W, C]
// decoder buffer is read in place.
//
// Arithmetic (what makes the result equal to ATen's, bit for bit):
//  * Weights: ATen 1.13's separable antialiased kernel (HelperInterpBase::_compute_weights_aa in
//    aten/src/ATen/native/cpu/UpSampleKernel.cpp): float scale = in / out, support = scale when
//    downsampling (1 otherwise), window [xmin, xmin + xsize) from truncated float/double
//    expressions, triangle filter, each weight divided by the window's total. The same mixed
//    float/double expressions are written out below.
//  * Passes: the width (last dimension) first into a float intermediate, then the height.
//  * Accumulation per output element: o = t0 * w0, then one term per further tap, in order. How
//    libtorch's compiled loop rounds those terms depends on how it was built: the AVX2 kernels of
//    Debian's 1.13 vectorise the products of whole groups of four taps (each product rounded, then
//    added in order) and contract the remaining taps into fused multiply-adds. The model is
//    "of the n taps after the first, the first n - n % L are multiply-then-add, the rest fused",
//    and L is not guessed: the first call calibrates it against the loaded libtorch on a probe
//    image (L = 4 for AVX2 builds; 1, i.e. nothing fused, for builds without FMA), and when no
//    candidate reproduces libtorch the export falls back to the ATen path itself.
//  * Output: round half to even (nearbyint), clamp to [0, 255], convert.
// Products the model rounds on their own go through rounded() below, so no compiler setting can fuse
// them; the file is also compiled with -ffp-contract=off (CMakeLists.txt).
#include "tk_common.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TK_RESAMPLE_X86 1
#endif

namespace {

// Resampling along one axis: output i reads input [start[i], start[i] + size[i]) with the weights
// w[i * taps ...]; plain[i] of its size[i] - 1 accumulation steps are multiply-then-add.
struct Axis {
  int64_t taps = 0;
  std::vector<int64_t> start, size, plain;
  std::vector<float> w;
};

// ATen's bilinear (triangle) filter, with its float argument and double arithmetic.
inline float triangle(float x) {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

// The antialiased weights of ATen 1.13 for resampling `in` samples to `out` (align_corners=false,
// no explicit scale), with each output's split into plain and fused steps for lane width `lanes`.
Axis aa_axis(int64_t in, int64_t out, int64_t lanes) {
  Axis a;
  const float scale = static_cast<float>(in) / out;
  const float support = (scale >= 1.0) ? (2 * 0.5) * scale : 2 * 0.5;
  a.taps = static_cast<int64_t>(ceilf(support)) * 2 + 1;
  a.start.resize(out);
  a.size.resize(out);
  a.plain.resize(out);
  a.w.assign(static_cast<size_t>(out * a.taps), 0.0f);
  const float invscale = (scale >= 1.0) ? 1.0 / scale : 1.0;
  for (int64_t i = 0; i < out; i++) {
    const float center = scale * (i + 0.5);
    float total = 0.0;
    const int64_t xmin = std::max(static_cast<int64_t>(center - support + 0.5), static_cast<int64_t>(0));
    const int64_t xsize = std::min(static_cast<int64_t>(center + support + 0.5), in) - xmin;
    float* wt = &a.w[i * a.taps];
    for (int64_t j = 0; j < xsize; j++) {
      const float w = triangle((j + xmin - center + 0.5) * invscale);
      wt[j] = w;
      total += w;
    }
    for (int64_t j = 0; j < xsize; j++)
      if (total != 0.0) wt[j] /= total;
    a.start[i] = xmin;
    a.size[i] = xsize;
    const int64_t steps = xsize - 1;
    a.plain[i] = lanes <= 0 ? 0 : steps - steps % lanes;
  }
  return a;
}

// A product rounded to float on its own, never fused into a following addition: the empty asm
// hides the value from the optimiser. (-ffp-contract=off on this file is not enough by itself:
// the SSE/AVX intrinsics are inline functions that can come from the precompiled header, built
// with the default, contracting, setting.)
inline float rounded(float product) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  asm("" : "+x"(product));
#else
  volatile float keep = product;
  product = keep;
#endif
  return product;
}

// One output element: t(j) is the j-th input of the window.
template <typename Load>
inline float accumulate(Load t, const float* w, int64_t size, int64_t plain) {
  float o = t(0) * w[0];
  int64_t j = 1;
  for (; j <= plain; j++) o = o + rounded(t(j) * w[j]);
  for (; j < size; j++) o = std::fma(t(j), w[j], o);
  return o;
}

inline uint8_t to_u8(float v) {
  v = std::nearbyint(v);
  v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
  return static_cast<uint8_t>(v);
}

struct Geometry {
  const uint8_t* src;  // the crop's top-left pixel, channel 0
  int64_t sc, sh, sw;  // element strides of the source
  int64_t channels, crop_h, crop_w, out_h, out_w;
  const uint8_t* src_end;  // one past the last byte the source tensor may be read at
};

// Rows of the crop that the vertical pass reads.
inline void row_range(const Axis& y, int64_t* first, int64_t* count) {
  const int64_t out = static_cast<int64_t>(y.start.size());
  *first = y.start[0];
  *count = y.start[out - 1] + y.size[out - 1] - *first;
}

// Portable kernel: any strides, any CPU; the reference the vectorised one must equal.
void resample_portable(const Geometry& g, const Axis& x, const Axis& y, uint8_t* out) {
  int64_t row0, rows;
  row_range(y, &row0, &rows);
  const int64_t ow = g.out_w;
  std::vector<float> tmp(static_cast<size_t>(g.channels * rows * ow));
  for (int64_t c = 0; c < g.channels; c++)
    for (int64_t r = 0; r < rows; r++) {
      const uint8_t* line = g.src + c * g.sc + (row0 + r) * g.sh;
      float* dst = &tmp[(c * rows + r) * ow];
      for (int64_t i = 0; i < ow; i++) {
        const uint8_t* p = line + x.start[i] * g.sw;
        const int64_t sw = g.sw;
        dst[i] = accumulate([&](int64_t j) { return static_cast<float>(p[j * sw]); }, &x.w[i * x.taps], x.size[i], x.plain[i]);
      }
    }
  for (int64_t c = 0; c < g.channels; c++)
    for (int64_t o = 0; o < g.out_h; o++) {
      const float* base = &tmp[(c * rows + (y.start[o] - row0)) * ow];
      uint8_t* dst = out + (c * g.out_h + o) * ow;
      for (int64_t i = 0; i < ow; i++)
        dst[i] = to_u8(accumulate([&](int64_t j) { return base[j * ow + i]; }, &y.w[o * y.taps], y.size[o], y.plain[o]));
    }
}

#ifdef TK_RESAMPLE_X86
#define TK_AVX2 __attribute__((target("avx2,fma")))

// rounded() for vectors of products.
TK_AVX2 inline __m128 rounded(__m128 product) {
  asm("" : "+x"(product));
  return product;
}
TK_AVX2 inline __m256 rounded(__m256 product) {
  asm("" : "+x"(product));
  return product;
}

// Up to four channels of one pixel as floats, one per lane (lanes past the channel count hold
// whatever follows the pixel, or zero; they are computed but never stored). `Whole` reads the four
// bytes at p at once (interleaved channels, not at the end of the buffer).
template <bool Whole>
TK_AVX2 inline __m128 load_pixel(const uint8_t* p, int64_t channels, int64_t sc) {
  uint32_t v = 0;
  if (Whole) {
    std::memcpy(&v, p, 4);
  } else {
    uint8_t b[4] = {0, 0, 0, 0};
    for (int64_t c = 0; c < channels; c++) b[c] = p[c * sc];
    std::memcpy(&v, b, 4);
  }
  return _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(static_cast<int>(v))));
}

// The width pass as tables, built once per call. Outputs go in pairs, one per 128-bit half of an
// AVX register (four lanes: the channels of one pixel), and every output runs the same K steps,
// K the largest window: an output with a smaller window gets zero weights in front of its taps.
// That changes nothing: the products of zero weights are +0 (the inputs are finite and not
// negative), o = +0 * t0 then +0 + rounded(t * w) is exactly the first real product, and o + +0 = o
// (o is never -0: every weight and input is >= 0). For the same reason each step can hold two
// weights, wp for a plain step (o + rounded(t * wp)) and wf for a fused one (fma(t, wf, o)), one of
// them zero: which kind a step is then differs between the two outputs of a pair without a branch
// or a blend. Only the last F positions, where some output has a fused step, carry wf.
struct WidthTable {
  int64_t K = 0, F = 0, pairs = 0;
  std::vector<int64_t> off;  // per pair: the float offsets of both outputs' first position in the float row
  std::vector<float> w;      // per pair: wp[K][8], then wf[F][8] (lanes 0-3: the first output, 4-7: the second)
  int64_t first = 0, count = 0;  // crop columns [first, first + count) are read
};

WidthTable width_table(const Axis& x, int64_t out_w, int64_t pairs) {
  WidthTable t;
  t.pairs = pairs;
  for (int64_t i = 0; i < out_w; i++) {
    t.K = std::max(t.K, x.size[i]);
    t.F = std::max(t.F, x.size[i] - 1 - x.plain[i]);
  }
  t.first = x.start[0];
  t.count = x.start[out_w - 1] + x.size[out_w - 1] - t.first;
  const int64_t block = (t.K + t.F) * 8;
  t.off.assign(static_cast<size_t>(pairs * 2), 0);
  t.w.assign(static_cast<size_t>(pairs * block), 0.0f);
  for (int64_t p = 0; p < pairs; p++)
    for (int64_t h = 0; h < 2; h++) {
      const int64_t i = 2 * p + h;
      float* wp = &t.w[p * block] + 4 * h;
      float* wf = wp + t.K * 8;
      if (i >= out_w) {
        // Padding: zero weights (a finite, discarded result) over the first columns.
        t.off[2 * p + h] = 4 * t.K;
        continue;
      }
      const int64_t n = x.size[i], pad = t.K - n;
      // The float row starts K pixels before column `first` (zeros), so position 0 of any output is in it.
      t.off[2 * p + h] = 4 * (t.K + x.start[i] - t.first - pad);
      for (int64_t r = 0; r < n; r++) {
        const int64_t j = pad + r;
        const float v = x.w[i * x.taps + r];
        float* dst = (r >= 1 && r > x.plain[i]) ? wf + (j - (t.K - t.F)) * 8 : wp + j * 8;
        for (int k = 0; k < 4; k++) dst[k] = v;
      }
    }
  return t;
}

// One crop row as floats, four lanes per pixel, into row[4 * K ...] (the K pixels in front stay zero).
TK_AVX2 void row_to_float(const uint8_t* line, const Geometry& g, const WidthTable& t, float* row) {
  float* dst = row + 4 * t.K;
  const uint8_t* p = line + t.first * g.sw;
  int64_t c = 0;
  if (g.sc == 1 && g.sw == 3 && g.channels == 3) {
    // Four pixels (12 bytes) per 16-byte load, spread to 4 x 4 bytes with the fourth byte zero.
    const __m128i spread = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
    for (; c + 4 <= t.count && p + 3 * c + 16 <= g.src_end; c += 4) {
      const __m128i b = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 3 * c)), spread);
      _mm256_storeu_ps(dst + 4 * c, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b)));
      _mm256_storeu_ps(dst + 4 * c + 8, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(b, 8))));
    }
  } else if (g.sc == 1 && g.sw == 4 && g.channels == 4) {
    for (; c + 2 <= t.count && p + 4 * c + 8 <= g.src_end; c += 2)
      _mm256_storeu_ps(dst + 4 * c, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 4 * c)))));
  }
  if (g.sc == 1)
    for (; c < t.count && p + c * g.sw + 4 <= g.src_end; c++) _mm_storeu_ps(dst + 4 * c, load_pixel<true>(p + c * g.sw, g.channels, 1));
  for (; c < t.count; c++) _mm_storeu_ps(dst + 4 * c, load_pixel<false>(p + c * g.sw, g.channels, g.sc));
}

// Two halves of a register from two pixels of the float row.
TK_AVX2 inline __m256 load_pair(const float* a, const float* b) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(a)), _mm_loadu_ps(b), 1);
}

// One intermediate row from the float row: pixel i's four lanes at dst[4 * i]. KT and FT are K and
// F when known at compile time (KT = 0: both read from t).
template <int KT, int FT>
TK_AVX2 void horizontal_row(const float* row, const WidthTable& t, float* dst) {
  const int64_t K = KT > 0 ? KT : t.K, F = KT > 0 ? FT : t.F, block = (K + F) * 8;
  const int64_t* off = t.off.data();
  const float* w = t.w.data();
  for (int64_t p = 0; p < t.pairs; p++, off += 2, w += block) {
    const float* a = row + off[0];
    const float* b = row + off[1];
    __m256 o = rounded(_mm256_mul_ps(load_pair(a, b), _mm256_loadu_ps(w)));
    for (int64_t j = 1; j < K - F; j++)
      o = _mm256_add_ps(o, rounded(_mm256_mul_ps(load_pair(a + 4 * j, b + 4 * j), _mm256_loadu_ps(w + 8 * j))));
    for (int64_t j = K - F; j < K; j++) {
      const __m256 v = load_pair(a + 4 * j, b + 4 * j);
      o = _mm256_add_ps(o, rounded(_mm256_mul_ps(v, _mm256_loadu_ps(w + 8 * j))));
      o = _mm256_fmadd_ps(v, _mm256_loadu_ps(w + 8 * (K + j - (K - F))), o);
    }
    _mm256_storeu_ps(dst + 8 * p, o);
  }
}

template <int KT, int FT>
TK_AVX2 void horizontal_rows(const Geometry& g, const WidthTable& t, int64_t row0, int64_t rows, float* frow,
                             float* tmp, int64_t stride) {
  // The source is usually not in cache (a decoded image, read once): fetch a few rows ahead.
  constexpr int64_t kAhead = 4;
  const int64_t span = (t.count - 1) * g.sw + (g.sc == 1 ? g.channels : 1);  // bytes of one channel's (or pixel's) row
  const int64_t planes = g.sc == 1 ? 1 : g.channels;
  auto prefetch_row = [&](int64_t r) {
    const uint8_t* line = g.src + (row0 + r) * g.sh + t.first * g.sw;
    for (int64_t c = 0; c < planes; c++)
      for (int64_t b = 0; b < span; b += 64) _mm_prefetch(reinterpret_cast<const char*>(line + c * g.sc + b), _MM_HINT_T0);
  };
  if (g.sw <= 4)
    for (int64_t r = 0; r < std::min(kAhead, rows); r++) prefetch_row(r);
  for (int64_t r = 0; r < rows; r++) {
    if (g.sw <= 4 && r + kAhead < rows) prefetch_row(r + kAhead);
    row_to_float(g.src + (row0 + r) * g.sh, g, t, frow);
    horizontal_row<KT, FT>(frow, t, tmp + r * stride);
  }
}

using HorizontalRows = void (*)(const Geometry&, const WidthTable&, int64_t, int64_t, float*, float*, int64_t);

// The instance for K (1 to 8) and F (0 to 3) when there is one, else the generic one.
template <int K>
HorizontalRows horizontal_for_k(int64_t f) {
  switch (f) {
    case 0: return horizontal_rows<K, 0>;
    case 1: return K > 1 ? horizontal_rows<K, (K > 1 ? 1 : 0)> : horizontal_rows<0, 0>;
    case 2: return K > 2 ? horizontal_rows<K, (K > 2 ? 2 : 0)> : horizontal_rows<0, 0>;
    case 3: return K > 3 ? horizontal_rows<K, (K > 3 ? 3 : 0)> : horizontal_rows<0, 0>;
    default: return horizontal_rows<0, 0>;
  }
}

HorizontalRows horizontal_for(const WidthTable& t) {
  switch (t.K) {
    case 1: return horizontal_for_k<1>(t.F);
    case 2: return horizontal_for_k<2>(t.F);
    case 3: return horizontal_for_k<3>(t.F);
    case 4: return horizontal_for_k<4>(t.F);
    case 5: return horizontal_for_k<5>(t.F);
    case 6: return horizontal_for_k<6>(t.F);
    case 7: return horizontal_for_k<7>(t.F);
    case 8: return horizontal_for_k<8>(t.F);
    default: return horizontal_rows<0, 0>;
  }
}

// Rounds, clamps and converts eight pixels of four lanes (a[0..3]: pixels 0-3, b: 4-7) and writes
// each channel's eight bytes to planes[c].
TK_AVX2 inline void store_pixels(const __m256* v, int64_t channels, uint8_t* const* planes, int64_t count) {
  __m128i q[4];
  for (int k = 0; k < 4; k++) {
    __m256 r = _mm256_round_ps(v[k], _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_min_ps(_mm256_max_ps(r, _mm256_setzero_ps()), _mm256_set1_ps(255.0f));
    const __m256i i = _mm256_cvttps_epi32(r);
    q[k] = _mm_packus_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256(i, 1));  // pixels 2k, 2k+1
  }
  // Bytes p0c0 p0c1 p0c2 p0c3 p1c0 ... p3c3, then regrouped by channel: c0 p0..p3, c1 p0..p3, ...
  const __m128i by_channel = _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __m128i lo = _mm_shuffle_epi8(_mm_packus_epi16(q[0], q[1]), by_channel);
  const __m128i hi = _mm_shuffle_epi8(_mm_packus_epi16(q[2], q[3]), by_channel);
  alignas(16) uint8_t bytes[32];
  _mm_store_si128(reinterpret_cast<__m128i*>(bytes), _mm_unpacklo_epi32(lo, hi));       // c0 p0..7, c1 p0..7
  _mm_store_si128(reinterpret_cast<__m128i*>(bytes + 16), _mm_unpackhi_epi32(lo, hi));  // c2 p0..7, c3 p0..7
  for (int64_t c = 0; c < channels; c++) {
    if (count == 8)
      std::memcpy(planes[c], bytes + 8 * c, 8);
    else
      std::memcpy(planes[c], bytes + 8 * c, static_cast<size_t>(count));
  }
}

// Per-thread scratch for the intermediate, kept between calls (the typical 224x224 crop needs
// under 1 MiB); larger requests are served and then released.
float* scratch(size_t floats, std::unique_ptr<float[]>& once) {
  static thread_local std::unique_ptr<float[]> kept;
  static thread_local size_t kept_size = 0;
  constexpr size_t kKeepLimit = size_t(4) << 20;  // floats (16 MiB)
  if (floats <= kept_size) return kept.get();
  if (floats > kKeepLimit) {
    once.reset(new float[floats]);
    return once.get();
  }
  kept.reset(new float[floats]);
  kept_size = floats;
  return kept.get();
}

// One output row of the height pass: taps rows of the intermediate from base, `stride` floats apart,
// eight pixels (four registers) at a time; the steps of one row are the same for all its pixels.
TK_AVX2 void vertical_row(const float* base, int64_t stride, const float* w, int64_t size, int64_t plain,
                          int64_t channels, int64_t ow, uint8_t* const* planes) {
  for (int64_t i = 0; i < ow; i += 8) {
    const float* col = base + 4 * i;
    __m256 wj = _mm256_broadcast_ss(w);
    __m256 v[4];
    v[0] = rounded(_mm256_mul_ps(_mm256_loadu_ps(col), wj));
    v[1] = rounded(_mm256_mul_ps(_mm256_loadu_ps(col + 8), wj));
    v[2] = rounded(_mm256_mul_ps(_mm256_loadu_ps(col + 16), wj));
    v[3] = rounded(_mm256_mul_ps(_mm256_loadu_ps(col + 24), wj));
    int64_t j = 1;
    for (; j <= plain; j++) {
      const float* r = col + j * stride;
      wj = _mm256_broadcast_ss(w + j);
      v[0] = _mm256_add_ps(v[0], rounded(_mm256_mul_ps(_mm256_loadu_ps(r), wj)));
      v[1] = _mm256_add_ps(v[1], rounded(_mm256_mul_ps(_mm256_loadu_ps(r + 8), wj)));
      v[2] = _mm256_add_ps(v[2], rounded(_mm256_mul_ps(_mm256_loadu_ps(r + 16), wj)));
      v[3] = _mm256_add_ps(v[3], rounded(_mm256_mul_ps(_mm256_loadu_ps(r + 24), wj)));
    }
    for (; j < size; j++) {
      const float* r = col + j * stride;
      wj = _mm256_broadcast_ss(w + j);
      v[0] = _mm256_fmadd_ps(_mm256_loadu_ps(r), wj, v[0]);
      v[1] = _mm256_fmadd_ps(_mm256_loadu_ps(r + 8), wj, v[1]);
      v[2] = _mm256_fmadd_ps(_mm256_loadu_ps(r + 16), wj, v[2]);
      v[3] = _mm256_fmadd_ps(_mm256_loadu_ps(r + 24), wj, v[3]);
    }
    uint8_t* dst[4] = {planes[0] + i, planes[1] + i, planes[2] + i, planes[3] + i};
    store_pixels(v, channels, dst, std::min<int64_t>(8, ow - i));
  }
}

// Vectorised kernel for up to four channels: each pixel's channels share four lanes. The horizontal
// pass converts each crop row to floats once, then computes two output pixels per AVX register with
// the steps of WidthTable (no per-output branches); the intermediate is [row][column][4 lanes]. The
// vertical pass runs on eight pixels (four registers) at a time. Every product that the model rounds
// on its own, the first one included, goes through rounded(): GCC otherwise contracts o = t0 * w0
// followed by o + p into one FMA even in this file.
TK_AVX2 void resample_avx2(const Geometry& g, const Axis& x, const Axis& y, uint8_t* out) {
  int64_t row0, rows;
  row_range(y, &row0, &rows);
  const int64_t ow = g.out_w;
  const int64_t stride = (ow + 7) / 8 * 8 * 4;  // floats per intermediate row, whole groups of 8 pixels
  std::unique_ptr<float[]> large;
  float* tmp = scratch(static_cast<size_t>(rows * stride), large);
  // Padding pixels (zero weights) are rounded with the rest of their group and discarded.

  const WidthTable t = width_table(x, ow, stride / 8);
  std::vector<float> frow(static_cast<size_t>(4 * (t.K + t.count)), 0.0f);
  horizontal_for(t)(g, t, row0, rows, frow.data(), tmp, stride);

  for (int64_t o = 0; o < g.out_h; o++) {
    uint8_t* planes[4];
    for (int64_t c = 0; c < g.channels; c++) planes[c] = out + (c * g.out_h + o) * ow;
    vertical_row(tmp + (y.start[o] - row0) * stride, stride, &y.w[o * y.taps], y.size[o], y.plain[o], g.channels, ow, planes);
  }
}

bool have_avx2_fma() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
}
#endif

// The ATen path the kernel replaces (and the fallback where it cannot be used).
at::Tensor resized_crop_aten(const at::Tensor& src, int64_t top, int64_t left, int64_t crop_h, int64_t crop_w,
                             int64_t out_h, int64_t out_w, bool antialias) {
  // Contiguous first: the transforms used to copy every decoded image to [C, H, W] before cropping,
  // and ATen's kernels for other layouts (channels-last) need not round the same way.
  auto crop = src.narrow(1, top, crop_h).narrow(2, left, crop_w).contiguous().unsqueeze(0).to(at::kFloat);
  const int64_t size[2] = {out_h, out_w};
  auto resized = antialias ? at::_upsample_bilinear2d_aa(crop, at::IntArrayRef(size, 2), false)
                           : at::upsample_bilinear2d(crop, at::IntArrayRef(size, 2), false);
  return at::round(resized.squeeze(0)).clamp_(0, 255).to(at::kByte);
}

enum Impl : int32_t { kAuto = 0, kPortable = 1, kAten = 2 };

Geometry geometry(const at::Tensor& src, int64_t top, int64_t left, int64_t crop_h, int64_t crop_w, int64_t out_h,
                  int64_t out_w) {
  Geometry g;
  const uint8_t* base = src.data_ptr<uint8_t>();
  g.sc = src.stride(0);
  g.sh = src.stride(1);
  g.sw = src.stride(2);
  g.src = base + top * g.sh + left * g.sw;
  int64_t last = 0;
  for (int64_t d = 0; d < 3; d++) last += (src.size(d) - 1) * src.stride(d);
  g.src_end = base + last + 1;
  g.channels = src.size(0);
  g.crop_h = crop_h;
  g.crop_w = crop_w;
  g.out_h = out_h;
  g.out_w = out_w;
  return g;
}

at::Tensor resample(const at::Tensor& src, int64_t top, int64_t left, int64_t crop_h, int64_t crop_w, int64_t out_h,
                    int64_t out_w, int64_t lanes, bool portable) {
  const Geometry g = geometry(src, top, left, crop_h, crop_w, out_h, out_w);
  const Axis x = aa_axis(crop_w, out_w, lanes);
  const Axis y = aa_axis(crop_h, out_h, lanes);
  auto out = at::empty({g.channels, out_h, out_w}, src.options());
  uint8_t* dst = out.data_ptr<uint8_t>();
#ifdef TK_RESAMPLE_X86
  // Fused steps need hardware FMA to be fast; the portable kernel computes the same values.
  if (!portable && g.channels <= 4 && have_avx2_fma()) {
    resample_avx2(g, x, y, dst);
    return out;
  }
#endif
  resample_portable(g, x, y, dst);
  return out;
}

// The accumulation model of the loaded libtorch: the lane width L (1: nothing fused, 0: every step
// after the first fused), or -1 when no candidate reproduces it. Found once, on a probe image
// whose windows have 2 to 21 taps along both axes.
int64_t calibrated_lanes() {
  static std::once_flag once;
  static int64_t lanes = -1;
  std::call_once(once, [] {
    at::NoGradGuard no_grad;
    const int64_t h = 43, w = 61;
    auto probe = at::empty({2, h, w}, at::kByte);
    uint8_t* p = probe.data_ptr<uint8_t>();
    uint32_t state = 12345;
    for (int64_t k = 0; k < probe.numel(); k++) {
      state = state * 1664525u + 1013904223u;
      p[k] = static_cast<uint8_t>(state >> 24);
    }
    const int64_t sizes[][2] = {{41, 59}, {20, 29}, {13, 17}, {9, 11}, {5, 7}, {3, 4}, {2, 3}, {60, 90}};
    for (int64_t candidate : {4, 1, 8, 16, 0}) {
      bool all = true;
      for (const auto& s : sizes) {
        auto want = resized_crop_aten(probe, 1, 1, h - 2, w - 1, s[0], s[1], true);
        auto got = resample(probe, 1, 1, h - 2, w - 1, s[0], s[1], candidate, true);
        if (!at::equal(want, got)) {
          all = false;
          break;
        }
      }
      if (all) {
        lanes = candidate;
        return;
      }
    }
  });
  return lanes;
}

}  // namespace

// Crops src [C, H, W] (uint8, CPU, any strides) to rows [top, top + crop_h) and columns
// [left, left + crop_w), resizes that region to [C, out_h, out_w] with bilinear interpolation
// (antialiased when downsampling if `antialias`) and returns a new contiguous uint8 tensor equal,
// bit for bit, to at::_upsample_bilinear2d_aa (or at::upsample_bilinear2d) of the region in
// float32 followed by round / clamp(0, 255) / uint8. impl: 0 picks the fastest exact kernel, 1
// forces the portable kernel and 2 the ATen path (both for tests). The region must lie inside
// the image.
TK_EXPORT tk_tensor tk_resized_crop_u8(tk_tensor input, int64_t top, int64_t left, int64_t crop_h, int64_t crop_w,
                                       int64_t out_h, int64_t out_w, int32_t antialias, int32_t impl) {
  TK_TRY
  const at::Tensor& src = *input;
  if (src.dim() != 3 || src.scalar_type() != at::kByte || !src.device().is_cpu())
    throw std::invalid_argument("tk_resized_crop_u8 expects a uint8 CPU tensor [C, H, W], got " +
                                std::string(src.toString()) + " of shape " + c10::str(src.sizes()));
  if (src.size(0) < 1 || src.size(1) < 1 || src.size(2) < 1)
    throw std::invalid_argument("tk_resized_crop_u8: empty image of shape " + c10::str(src.sizes()));
  if (crop_h < 1 || crop_w < 1 || out_h < 1 || out_w < 1)
    throw std::invalid_argument("tk_resized_crop_u8: crop and output sizes must be at least 1, got crop " +
                                std::to_string(crop_h) + "x" + std::to_string(crop_w) + ", output " +
                                std::to_string(out_h) + "x" + std::to_string(out_w));
  if (top < 0 || left < 0 || top + crop_h > src.size(1) || left + crop_w > src.size(2))
    throw std::invalid_argument("tk_resized_crop_u8: region rows [" + std::to_string(top) + ", " +
                                std::to_string(top + crop_h) + ") x columns [" + std::to_string(left) + ", " +
                                std::to_string(left + crop_w) + ") is not inside the image of shape " +
                                c10::str(src.sizes()));
  if (impl < kAuto || impl > kAten) throw std::invalid_argument("tk_resized_crop_u8: unknown impl " + std::to_string(impl));
  for (int64_t d = 0; d < 3; d++)
    if (src.stride(d) < 0) throw std::invalid_argument("tk_resized_crop_u8: negative strides are not supported");
  if (antialias == 0 || impl == kAten)
    return tk::wrap(resized_crop_aten(src, top, left, crop_h, crop_w, out_h, out_w, antialias != 0));
  const int64_t lanes = calibrated_lanes();
  if (lanes < 0) return tk::wrap(resized_crop_aten(src, top, left, crop_h, crop_w, out_h, out_w, true));
  return tk::wrap(resample(src, top, left, crop_h, crop_w, out_h, out_w, lanes, impl == kPortable));
  TK_CATCH(nullptr)
}

// The lane width the first call found for libtorch's antialiased kernel (see above): 4 for AVX2
// builds, 1 when nothing is fused, 0 when every step is, -1 when the exact kernel is unavailable
// and tk_resized_crop_u8 runs the ATen path. For tests and diagnostics.
TK_EXPORT int32_t tk_resized_crop_u8_model() {
  TK_TRY
  return static_cast<int32_t>(calibrated_lanes());
  TK_CATCH(-2)
}

// uint8 [C, H, W] (any strides) to a new contiguous float32 image (x / 255 - mean[c]) / std[c], in one
// pass: the arithmetic of ToTensor followed by Normalize (x.to(float32) / 255, then - mean, then
// / std, each rounded to float32), so the values are identical. mean and std hold n values: one per
// channel, or one for all channels.
TK_EXPORT tk_tensor tk_u8_to_normalized_f32(tk_tensor input, const double* mean, const double* std, int32_t n) {
  TK_TRY
  const at::Tensor& src = *input;
  if (src.dim() != 3 || src.scalar_type() != at::kByte || !src.device().is_cpu())
    throw std::invalid_argument("tk_u8_to_normalized_f32 expects a uint8 CPU tensor [C, H, W], got " +
                                std::string(src.toString()) + " of shape " + c10::str(src.sizes()));
  const int64_t channels = src.size(0), h = src.size(1), w = src.size(2);
  if (n != 1 && n != channels)
    throw std::invalid_argument("tk_u8_to_normalized_f32: " + std::to_string(n) + " mean/std values for " +
                                std::to_string(channels) + " channels");
  auto out = at::empty({channels, h, w}, src.options().dtype(at::kFloat));
  float* dst = out.data_ptr<float>();
  const uint8_t* base = src.data_ptr<uint8_t>();
  const int64_t sc = src.stride(0), sh = src.stride(1), sw = src.stride(2);
  for (int64_t c = 0; c < channels; c++) {
    const float m = static_cast<float>(mean[n == 1 ? 0 : c]);
    const float s = static_cast<float>(std[n == 1 ? 0 : c]);
    for (int64_t y = 0; y < h; y++) {
      const uint8_t* line = base + c * sc + y * sh;
      float* o = dst + (c * h + y) * w;
      if (sw == 1) {
        for (int64_t x = 0; x < w; x++) o[x] = (static_cast<float>(line[x]) / 255.0f - m) / s;
      } else {
        for (int64_t x = 0; x < w; x++) o[x] = (static_cast<float>(line[x * sw]) / 255.0f - m) / s;
      }
    }
  }
  return tk::wrap(std::move(out));
  TK_CATCH(nullptr)
}
