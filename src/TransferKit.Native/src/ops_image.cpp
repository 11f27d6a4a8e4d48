// Image operations used by the transforms in src/TransferKit/Data/Transforms: resampling, flips,
// rounding, constant padding and grid sampling. Each is one ATen call; the torchvision policy
// (output sizes, dtype round trips, fill masks) lives in C#.
//
// Only ATen functions that exist under the same name and signature in libtorch 1.13 and 2.x are
// used: at::upsample_bilinear2d, at::_upsample_bilinear2d_aa, at::upsample_bicubic2d,
// at::_upsample_bicubic2d_aa, at::upsample_nearest2d, at::flip,
// at::round, at::constant_pad_nd and at::grid_sampler.
#include "tk_common.h"

// Bilinear resampling of an [N, C, H, W] floating-point tensor to [N, C, out_h, out_w], as
// torch.nn.functional.interpolate(mode="bilinear", size=...) does. With `antialias` the kernel is
// widened when downsampling (PIL-like), as interpolate(..., antialias=True) does; the scale
// factors are derived from the sizes (none are passed), exactly as interpolate does when given a size.
TK_EXPORT tk_tensor tk_upsample_bilinear2d(tk_tensor input, int64_t out_h, int64_t out_w, int32_t align_corners,
                                           int32_t antialias) {
  TK_TRY
  const int64_t size[2] = {out_h, out_w};
  if (antialias != 0)
    return tk::wrap(at::_upsample_bilinear2d_aa(*input, at::IntArrayRef(size, 2), align_corners != 0));
  return tk::wrap(at::upsample_bilinear2d(*input, at::IntArrayRef(size, 2), align_corners != 0));
  TK_CATCH(nullptr)
}

// Bicubic resampling of an [N, C, H, W] floating-point tensor (interpolate(mode="bicubic", size=...),
// a = -0.75 as PyTorch). With `antialias` the kernel is widened when downsampling, as
// interpolate(..., antialias=True) and torchvision's resize(..., BICUBIC, antialias=True) do.
TK_EXPORT tk_tensor tk_upsample_bicubic2d(tk_tensor input, int64_t out_h, int64_t out_w, int32_t align_corners,
                                          int32_t antialias) {
  TK_TRY
  const int64_t size[2] = {out_h, out_w};
  if (antialias != 0)
    return tk::wrap(at::_upsample_bicubic2d_aa(*input, at::IntArrayRef(size, 2), align_corners != 0));
  return tk::wrap(at::upsample_bicubic2d(*input, at::IntArrayRef(size, 2), align_corners != 0));
  TK_CATCH(nullptr)
}

// Nearest-neighbour resampling of an [N, C, H, W] tensor (interpolate(mode="nearest", size=...)).
TK_EXPORT tk_tensor tk_upsample_nearest2d(tk_tensor input, int64_t out_h, int64_t out_w) {
  TK_TRY
  const int64_t size[2] = {out_h, out_w};
  return tk::wrap(at::upsample_nearest2d(*input, at::IntArrayRef(size, 2)));
  TK_CATCH(nullptr)
}

// Reverses the order of elements along the given dimensions (a copy, as torch.flip).
TK_EXPORT tk_tensor tk_flip(tk_tensor t, const int64_t* dims, int32_t ndims) {
  TK_TRY
  return tk::wrap(at::flip(*t, at::IntArrayRef(dims, ndims)));
  TK_CATCH(nullptr)
}

// Rounds to the nearest integer, halves to even (torch.round).
TK_EXPORT tk_tensor tk_round(tk_tensor t) {
  TK_TRY
  return tk::wrap(at::round(*t));
  TK_CATCH(nullptr)
}

// Pads the trailing dimensions with a constant; `pad` lists (before, after) pairs starting from the
// last dimension, as torch.nn.functional.pad(mode="constant").
TK_EXPORT tk_tensor tk_constant_pad_nd(tk_tensor t, const int64_t* pad, int32_t npad, double d, int64_t i,
                                       int32_t kind) {
  TK_TRY
  return tk::wrap(at::constant_pad_nd(*t, at::IntArrayRef(pad, npad), tk::scalar(d, i, kind)));
  TK_CATCH(nullptr)
}

// Samples `input` [N, C, H, W] at the normalised (x, y) locations of `grid` [N, Ho, Wo, 2], as
// torch.nn.functional.grid_sample. mode: 0 bilinear, 1 nearest, 2 bicubic; padding_mode: 0 zeros,
// 1 border, 2 reflection (the enums of at::grid_sampler).
TK_EXPORT tk_tensor tk_grid_sample(tk_tensor input, tk_tensor grid, int32_t mode, int32_t padding_mode,
                                   int32_t align_corners) {
  TK_TRY
  return tk::wrap(at::grid_sampler(*input, *grid, mode, padding_mode, align_corners != 0));
  TK_CATCH(nullptr)
}
