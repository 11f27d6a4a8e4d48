// Image decoding from memory: JPEG (libjpeg-turbo) and PNG (libpng) to uint8 HWC tensors.
//
// Both libraries report fatal errors by calling an error handler that must not return; we longjmp
// out of it (never exit(), never print). longjmp must not skip C++ destructors, so each step that
// can fail runs in a small "phase" function that calls setjmp first and holds only trivially
// destructible locals; buffers with destructors (the output tensor, row pointers) live in the
// caller, which is never jumped over. Warnings are never printed either; what they mean is decided
// by the flags below.
//
// Output: [H, W, C] uint8, C = 1 (grayscale) or 3 (RGB). Matches Pillow's decoding:
//  * JPEG: ISLOW DCT, fancy upsampling (libjpeg's defaults, which Pillow keeps); CMYK/YCCK files are
//    read with Adobe (inverted) polarity and converted to RGB with Pillow's formula.
//  * PNG: 16-bit samples keep their high byte, palettes are expanded, alpha (and tRNS) is dropped,
//    1/2/4-bit gray is scaled to 8 bits, gamma chunks are ignored (raw sample values), a bad CRC in
//    any chunk before the image data is an error, chunks after the image data are not read.
// Failure: nullptr / status 1, a message in tk_last_error and a kind in *error_kind (ErrorKind).
#include "tk_common.h"

#include <algorithm>
#include <csetjmp>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>

namespace {
// The DCT block size of an iMCU column: libjpeg 6b's field, split into h/v in the libjpeg 7+ API
// (libjpeg-turbo built with --with-jpeg7/8).
inline int min_dct_scaled_size(const jpeg_decompress_struct* cinfo) {
#if JPEG_LIB_VERSION >= 70
  return cinfo->min_DCT_h_scaled_size;
#else
  return cinfo->min_DCT_scaled_size;
#endif
}


// Keep in sync with TransferKit.Data.ImageDecodeErrorKind (values + 1; 0 is success).
// kRowsOutside / kColumnsOutside: a region (tk_image_decode_region) that does not fit the image;
// the managed side raises ArgumentOutOfRangeException for them, not ImageDecodeException.
enum ErrorKind : int32_t {
  kOk = 0, kUnsupported = 1, kTruncated = 2, kCorrupt = 3, kTooLarge = 4, kRowsOutside = 5, kColumnsOutside = 6
};
// Keep in sync with TransferKit.Data.ImageFormat.
enum Format : int32_t { kUnknown = 0, kJpeg = 1, kPng = 2, kGif = 3, kBmp = 4, kWebp = 5, kTiff = 6 };
enum Mode : int32_t { kUnchanged = 0, kRgb = 1 };
enum Flags : int32_t { kAllowTruncated = 1, kWarningsAreErrors = 2 };

// A progressive JPEG can be crafted with thousands of tiny scans that take minutes to decode; real
// files have at most a few dozen. libjpeg-turbo recommends a limit like this one for untrusted input.
constexpr int kMaxJpegScans = 1000;

constexpr size_t kMessageSize = 512;

int32_t detect(const uint8_t* d, size_t n) {
  auto starts = [&](const char* magic, size_t len, size_t at = 0) {
    return n >= at + len && std::memcmp(d + at, magic, len) == 0;
  };
  if (starts("\xFF\xD8", 2)) return kJpeg;
  if (starts("\x89PNG", 4)) return kPng;
  if (starts("GIF87a", 6) || starts("GIF89a", 6)) return kGif;
  if (starts("BM", 2)) return kBmp;
  if (starts("RIFF", 4) && starts("WEBP", 4, 8)) return kWebp;
  if (starts("II*\0", 4) || starts("MM\0*", 4)) return kTiff;
  return kUnknown;
}

const char* format_name(int32_t f) {
  switch (f) {
    case kJpeg: return "JPEG";
    case kPng: return "PNG";
    case kGif: return "GIF";
    case kBmp: return "BMP";
    case kWebp: return "WebP";
    case kTiff: return "TIFF";
    default: return "unknown";
  }
}

// The outcome of a failed decode: what kind of failure and a human-readable reason.
struct Failure {
  int32_t kind = kOk;
  char message[kMessageSize] = {0};

  void set(int32_t k, const char* fmt, ...) __attribute__((format(printf, 3, 4))) {
    kind = k;
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
  }
};

int32_t unsupported(const uint8_t* d, size_t n, Failure& f) {
  int32_t fmt = detect(d, n);
  if (n == 0) {
    f.set(kTruncated, "the data is empty (0 bytes)");
  } else if (fmt != kUnknown) {
    f.set(kUnsupported, "unsupported image format %s (only JPEG and PNG can be decoded)", format_name(fmt));
  } else {
    char hex[3 * 8 + 1] = {0};
    size_t used = 0;
    for (size_t k = 0; k < n && k < 8; ++k) used += std::snprintf(hex + used, sizeof hex - used, k ? " %02x" : "%02x", d[k]);
    f.set(kUnsupported, "unsupported image format: the data starts with bytes %s, which is neither JPEG nor PNG",
          hex);
  }
  return fmt;
}

bool too_many_pixels(int64_t height, int64_t width, int64_t max_pixels, Failure& f) {
  if (max_pixels > 0 && height * width > max_pixels) {
    f.set(kTooLarge, "the image is %lld x %lld = %lld pixels, over the limit of %lld pixels (a decompression bomb?)",
          static_cast<long long>(width), static_cast<long long>(height), static_cast<long long>(height * width),
          static_cast<long long>(max_pixels));
    return true;
  }
  return false;
}

// The output tensor; an allocation failure is reported as "too large", not as an internal error.
at::Tensor allocate(int64_t h, int64_t w, int64_t c, Failure& f) {
  try {
    return at::empty({h, w, c}, at::kByte);
  } catch (const c10::Error& e) {
    f.set(kTooLarge, "cannot allocate %lld x %lld x %lld bytes for the image (%s)", static_cast<long long>(h),
          static_cast<long long>(w), static_cast<long long>(c), e.what_without_backtrace());
  } catch (const std::exception& e) {
    f.set(kTooLarge, "cannot allocate %lld x %lld x %lld bytes for the image (%s)", static_cast<long long>(h),
          static_cast<long long>(w), static_cast<long long>(c), e.what());
  }
  return {};
}

// ------------------------------------------------------------------------------------------------
// JPEG

struct JpegError {
  jpeg_error_mgr pub;  // first member: libjpeg hands us a pointer to it
  jmp_buf jump;
  int32_t flags = 0;
  Failure* failure = nullptr;
};

struct JpegProgress {
  jpeg_progress_mgr pub;
};

[[noreturn]] void jpeg_fail(j_common_ptr cinfo, int32_t kind, const char* prefix) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  err->failure->set(kind, "%s%s (libjpeg: %s)", prefix, kind == kTruncated ? "the JPEG data ends too early" : "corrupt JPEG data", text);
  std::longjmp(err->jump, 1);
}

void jpeg_on_error(j_common_ptr cinfo) {
  int code = cinfo->err->msg_code;
  int32_t kind = kCorrupt;
  if (code == JERR_INPUT_EOF || code == JERR_INPUT_EMPTY) kind = kTruncated;
  if (code == JERR_IMAGE_TOO_BIG || code == JERR_OUT_OF_MEMORY || code == JERR_NO_BACKING_STORE) {
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    err->failure->set(kTooLarge, "the JPEG image is too large to decode (libjpeg: %s)", text);
    std::longjmp(err->jump, 1);
  }
  jpeg_fail(cinfo, kind, "");
}

// Warnings (msg_level -1) are corrupt-but-recoverable data. libjpeg's memory source reports the
// end of the buffer as the warning "Premature end of JPEG file" and pads with an EOI marker: that
// is a truncated file, an error unless truncation is allowed (Pillow's LOAD_TRUNCATED_IMAGES
// policy). Other warnings (e.g. "Corrupt JPEG data: N extraneous bytes") are tolerated, as Pillow
// does, unless warnings are errors. Trace messages (msg_level >= 0) are ignored.
void jpeg_on_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level >= 0) return;
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  cinfo->err->num_warnings++;
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
    if (!(err->flags & kAllowTruncated)) jpeg_fail(cinfo, kTruncated, "");
  } else if (err->flags & kWarningsAreErrors) {
    jpeg_fail(cinfo, kCorrupt, "strict mode: ");
  }
}

void jpeg_on_progress(j_common_ptr cinfo) {
  if (!cinfo->is_decompressor) return;
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxJpegScans) {
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    err->failure->set(kCorrupt, "corrupt JPEG data: more than %d progressive scans", kMaxJpegScans);
    std::longjmp(err->jump, 1);
  }
}

void jpeg_silent(j_common_ptr) {}

// Phase 1: header, output colour space and dimensions. 0 = ok, 1 = failed (failure filled).
int jpeg_phase_header(jpeg_decompress_struct* cinfo, JpegError* err, JpegProgress* progress, const uint8_t* data,
                      size_t size, int32_t mode) {
  if (setjmp(err->jump)) return 1;
  jpeg_create_decompress(cinfo);
  cinfo->progress = &progress->pub;
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
      cinfo->out_color_space = mode == kRgb ? JCS_RGB : JCS_GRAYSCALE;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      cinfo->out_color_space = JCS_CMYK;  // converted to RGB by us, as Pillow does
      break;
    default:
      cinfo->out_color_space = JCS_RGB;
      break;
  }
  cinfo->dct_method = JDCT_ISLOW;
  cinfo->do_fancy_upsampling = TRUE;
  jpeg_calc_output_dimensions(cinfo);
  return 0;
}

// Pillow reads CMYK JPEGs as inverted ("CMYK;I", Adobe polarity), then converts to RGB with
// r = (255 - k) - (255 - k) * c / 255 (its MULDIV255 rounding); in stored values that is:
void cmyk_to_rgb(const uint8_t* cmyk, uint8_t* rgb, size_t pixels) {
  for (size_t x = 0; x < pixels; ++x) {
    const uint8_t* s = cmyk + 4 * x;
    int nk = s[3];  // 255 - k with k = 255 - stored
    for (int ch = 0; ch < 3; ++ch) {
      int c = 255 - s[ch];
      int tmp = c * nk + 128;
      int v = nk - (((tmp >> 8) + tmp) >> 8);
      rgb[3 * x + ch] = static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
    }
  }
}

// Phase 2: decode every scanline into `out` (rows of `stride` bytes), through `scratch` (4 bytes a
// pixel) for CMYK. jpeg_finish_decompress is not called: nothing after the last scan matters. (The
// entropy decoder still reads ahead up to the EOI marker, so a file cut anywhere before its last
// byte is truncated, as in Pillow.)
int jpeg_phase_pixels(jpeg_decompress_struct* cinfo, JpegError* err, uint8_t* out, size_t stride, uint8_t* scratch) {
  if (setjmp(err->jump)) return 1;
  jpeg_start_decompress(cinfo);
  const JDIMENSION width = cinfo->output_width;
  while (cinfo->output_scanline < cinfo->output_height) {
    uint8_t* row = out + static_cast<size_t>(cinfo->output_scanline) * stride;
    JSAMPROW target = scratch ? scratch : row;
    if (jpeg_read_scanlines(cinfo, &target, 1) != 1) {
      err->failure->set(kCorrupt, "corrupt JPEG data: the decoder returned no scanline");
      return 1;
    }
    if (scratch) cmyk_to_rgb(scratch, row, width);
  }
  return 0;
}

struct JpegSession {
  jpeg_decompress_struct cinfo;
  JpegError err;
  JpegProgress progress;

  JpegSession(Failure* failure, int32_t flags) {
    std::memset(&cinfo, 0, sizeof cinfo);  // jpeg_destroy is safe even if create failed half-way
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = jpeg_on_error;
    err.pub.emit_message = jpeg_on_message;
    err.pub.output_message = jpeg_silent;
    err.flags = flags;
    err.failure = failure;
    std::memset(&progress, 0, sizeof progress);
    progress.pub.progress_monitor = jpeg_on_progress;
  }
  ~JpegSession() { jpeg_destroy_decompress(&cinfo); }
  JpegSession(const JpegSession&) = delete;
  JpegSession& operator=(const JpegSession&) = delete;
};

bool read_jpeg_info(const uint8_t* data, size_t size, int32_t mode, int64_t* h, int64_t* w, int32_t* c, Failure& f) {
  JpegSession s(&f, 0);
  if (jpeg_phase_header(&s.cinfo, &s.err, &s.progress, data, size, mode)) return false;
  *h = s.cinfo.output_height;
  *w = s.cinfo.output_width;
  *c = s.cinfo.out_color_space == JCS_GRAYSCALE ? 1 : 3;
  return true;
}

at::Tensor decode_jpeg(const uint8_t* data, size_t size, int32_t mode, int32_t flags, int64_t max_pixels, Failure& f) {
  JpegSession s(&f, flags);
  if (jpeg_phase_header(&s.cinfo, &s.err, &s.progress, data, size, mode)) return {};
  const int64_t h = s.cinfo.output_height, w = s.cinfo.output_width;
  const bool cmyk = s.cinfo.out_color_space == JCS_CMYK;
  const int64_t c = s.cinfo.out_color_space == JCS_GRAYSCALE ? 1 : 3;
  if (too_many_pixels(h, w, max_pixels, f)) return {};
  at::Tensor out = allocate(h, w, c, f);
  if (!out.defined()) return {};
  std::vector<uint8_t> scratch(cmyk ? static_cast<size_t>(w) * 4 : 0);
  if (jpeg_phase_pixels(&s.cinfo, &s.err, out.data_ptr<uint8_t>(), static_cast<size_t>(w * c),
                        cmyk ? scratch.data() : nullptr))
    return {};
  return out;
}

// ------------------------------------------------------------------------------------------------
// JPEG region: rows [top, top + height) and columns [left, left + width) only, with exactly the
// values of the same slice of decode_jpeg's output.
//
// libjpeg-turbo's partial decompression does the work: jpeg_crop_scanline limits IDCT, upsampling
// and colour conversion to a column range (it moves the start left to an iMCU boundary), and
// jpeg_skip_scanlines skips the rows above the region (they are still Huffman-decoded, as they must
// be, but not transformed); the rows below it are not read at all. Two boundary effects matter:
//  * Columns: fancy (triangle) upsampling of subsampled chroma treats the cropped range's edges as
//    image edges and replicates the outermost chroma sample, so the first/last columns of a crop
//    differ from a full decode. We therefore crop a margin of one iMCU (8 or 16 pixels, more than the
//    filter's reach of one chroma sample) on each side, clamped to the image, and copy out the exact
//    columns. (Without the margin, 184 of 23,820 random regions of the ants/bees JPEGs differed.)
//  * Rows: jpeg_skip_scanlines keeps the upsampler's context rows right (libjpeg-turbo reads the
//    needed rows itself), so no row margin is needed; the tests check this on every subsampling mode.
// Progressive and multi-scan files are read completely by jpeg_start_decompress (as in a full
// decode); only the transform work shrinks.

struct Region {
  int64_t top, left, height, width;
};

// True when the entropy-coded data from the current read position on contains a marker at which a
// full decode's entropy decoder would have stopped reading, so that it could never have run out of
// data ("truncated"). Without restart intervals any marker stops it for good. With them, the decoder
// resynchronises past RSTn markers and invalid ones (FF 01-BF), but stops before any other marker
// (jpeg_resync_to_restart's "valid non-restart marker" case).
bool jpeg_rest_has_barrier(const jpeg_decompress_struct* cinfo) {
  const bool restarts = cinfo->restart_interval != 0;
  auto stops = [&](int marker) { return restarts ? marker >= 0xC0 && !(marker >= 0xD0 && marker <= 0xD7) : marker != 0; };
  if (cinfo->unread_marker != 0 && stops(cinfo->unread_marker)) return true;
  const uint8_t* p = cinfo->src->next_input_byte;
  const uint8_t* end = p + cinfo->src->bytes_in_buffer;
  while (p < end) {
    p = static_cast<const uint8_t*>(std::memchr(p, 0xFF, static_cast<size_t>(end - p)));
    if (!p) return false;
    while (p < end && *p == 0xFF) ++p;  // fill bytes
    if (p < end && *p != 0 && stops(*p)) return true;
  }
  return false;
}

// Phase 2 for a region: crop, skip, read the region's rows into `row` (4 bytes a pixel for CMYK,
// else the output's channels; output_width of them at most) and copy the region's columns to `out`
// (height x width x c). Then, unless nothing could differ, make sure the rest of the file leads to the
// same outcome as a full decode (see the end of the function).
int jpeg_phase_region(jpeg_decompress_struct* cinfo, JpegError* err, const Region& r, int64_t c, bool cmyk,
                      uint8_t* out, uint8_t* row) {
  if (setjmp(err->jump)) return 1;
  jpeg_start_decompress(cinfo);
  const int64_t image_w = cinfo->output_width, image_h = cinfo->output_height;
  const int64_t imcu_w = static_cast<int64_t>(cinfo->max_h_samp_factor) * min_dct_scaled_size(cinfo);
  const int64_t x0 = std::max<int64_t>(0, r.left - imcu_w);
  const int64_t x1 = std::min<int64_t>(image_w, r.left + r.width + imcu_w);
  JDIMENSION crop_x = static_cast<JDIMENSION>(x0), crop_w = static_cast<JDIMENSION>(x1 - x0);
  if (x0 > 0 || x1 < image_w) jpeg_crop_scanline(cinfo, &crop_x, &crop_w);  // crop_x moves left to an iMCU boundary
  if (r.top > 0 && jpeg_skip_scanlines(cinfo, static_cast<JDIMENSION>(r.top)) != static_cast<JDIMENSION>(r.top)) {
    err->failure->set(kCorrupt, "corrupt JPEG data: the decoder could not skip to row %lld", static_cast<long long>(r.top));
    return 1;
  }
  const size_t in_px = cmyk ? 4 : static_cast<size_t>(c);
  const size_t offset = static_cast<size_t>(r.left - crop_x) * in_px;
  const size_t out_stride = static_cast<size_t>(r.width * c);
  for (int64_t y = 0; y < r.height; ++y) {
    JSAMPROW target = row;
    if (jpeg_read_scanlines(cinfo, &target, 1) != 1) {
      err->failure->set(kCorrupt, "corrupt JPEG data: the decoder returned no scanline");
      return 1;
    }
    uint8_t* dst = out + static_cast<size_t>(y) * out_stride;
    if (cmyk)
      cmyk_to_rgb(row + offset, dst, static_cast<size_t>(r.width));
    else
      std::memcpy(dst, row + offset, out_stride);
  }
  // The rows below the region. A full decode reads the whole scan, so it fails on a file that ends
  // early (unless truncation is allowed) and, in strict mode, on corrupt data anywhere. Multi-scan
  // files were read completely above. Otherwise, when a full decode could still have failed in the
  // rest, the rest is read as it would be (skipping to the last row Huffman-decodes every row in
  // between; skipping past the last row would read nothing, so the last row is decoded). When it
  // could not (the data is intact up to a marker ahead, or truncation is allowed and warnings are
  // tolerated), the rest is left unread.
  const int64_t next = r.top + r.height;
  if (next < image_h && !jpeg_has_multiple_scans(cinfo)) {
    const bool strict = err->flags & kWarningsAreErrors;
    const bool may_fail = strict || (!(err->flags & kAllowTruncated) && !jpeg_rest_has_barrier(cinfo));
    if (may_fail) {
      const auto to_skip = static_cast<JDIMENSION>(image_h - 1 - next);
      if (to_skip > 0 && jpeg_skip_scanlines(cinfo, to_skip) != to_skip) {
        err->failure->set(kCorrupt, "corrupt JPEG data: the decoder could not skip to the last row");
        return 1;
      }
      JSAMPROW target = row;
      if (jpeg_read_scanlines(cinfo, &target, 1) != 1) {
        err->failure->set(kCorrupt, "corrupt JPEG data: the decoder returned no scanline");
        return 1;
      }
    }
  }
  return 0;
}

bool region_fits(const Region& r, int64_t h, int64_t w, Failure& f) {
  if (r.top < 0 || r.height < 1 || r.top > h - r.height) {
    f.set(kRowsOutside, "the region's rows [%lld, %lld) are not inside the image's %lld rows",
          static_cast<long long>(r.top), static_cast<long long>(r.top + r.height), static_cast<long long>(h));
    return false;
  }
  if (r.left < 0 || r.width < 1 || r.left > w - r.width) {
    f.set(kColumnsOutside, "the region's columns [%lld, %lld) are not inside the image's %lld columns",
          static_cast<long long>(r.left), static_cast<long long>(r.left + r.width), static_cast<long long>(w));
    return false;
  }
  return true;
}

at::Tensor decode_jpeg_region(const uint8_t* data, size_t size, int32_t mode, int32_t flags, int64_t max_pixels,
                              const Region& r, Failure& f) {
  JpegSession s(&f, flags);
  if (jpeg_phase_header(&s.cinfo, &s.err, &s.progress, data, size, mode)) return {};
  const int64_t h = s.cinfo.output_height, w = s.cinfo.output_width;
  const bool cmyk = s.cinfo.out_color_space == JCS_CMYK;
  const int64_t c = s.cinfo.out_color_space == JCS_GRAYSCALE ? 1 : 3;
  if (!region_fits(r, h, w, f)) return {};
  if (too_many_pixels(h, w, max_pixels, f)) return {};  // the same limit as a full decode, on the whole image
  at::Tensor out = allocate(r.height, r.width, c, f);
  if (!out.defined()) return {};
  std::vector<uint8_t> row(static_cast<size_t>(w) * (cmyk ? 4 : c));
  if (jpeg_phase_region(&s.cinfo, &s.err, r, c, cmyk, out.data_ptr<uint8_t>(), row.data())) return {};
  return out;
}

// ------------------------------------------------------------------------------------------------
// PNG

struct PngSource {
  const uint8_t* data;
  size_t size;
  size_t pos;
  int32_t flags;
  Failure* failure;
};

void png_on_read(png_structp png, png_bytep out, size_t n) {
  auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
  if (src->size - src->pos < n) {
    src->failure->set(kTruncated, "the PNG data ends too early (needed %zu more bytes at offset %zu of %zu)",
                      n, src->pos, src->size);
    png_longjmp(png, 1);
  }
  std::memcpy(out, src->data + src->pos, n);
  src->pos += n;
}

void png_on_error(png_structp png, png_const_charp message) {
  auto* src = static_cast<PngSource*>(png_get_error_ptr(png));
  if (src->failure->kind == kOk) src->failure->set(kCorrupt, "corrupt PNG data (libpng: %s)", message);
  png_longjmp(png, 1);
}

void png_on_warning(png_structp png, png_const_charp message) {
  auto* src = static_cast<PngSource*>(png_get_error_ptr(png));
  if (src->flags & kWarningsAreErrors) {
    src->failure->set(kCorrupt, "strict mode: corrupt PNG data (libpng warning: %s)", message);
    png_longjmp(png, 1);
  }
}

struct PngSession {
  PngSource src;
  png_structp png = nullptr;
  png_infop info = nullptr;

  PngSession(const uint8_t* data, size_t size, int32_t flags, Failure* failure) : src{data, size, 0, flags, failure} {
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_on_error, png_on_warning);
    if (png) info = png_create_info_struct(png);
  }
  ~PngSession() {
    if (png) png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
  }
  PngSession(const PngSession&) = delete;
  PngSession& operator=(const PngSession&) = delete;
};

struct PngShape {
  png_uint_32 height, width;
  int channels;
  int passes;
};

// Phase 1: signature, header, transformations. 0 = ok, 1 = failed (failure filled).
int png_phase_header(png_structp png, png_infop info, int32_t mode, int64_t max_pixels, PngShape* shape) {
  if (setjmp(png_jmpbuf(png))) return 1;
  auto* src = static_cast<PngSource*>(png_get_error_ptr(png));
  png_set_read_fn(png, src, png_on_read);
  // A bad checksum is an error in any chunk read (critical: libpng's default; ancillary: as Pillow,
  // which refuses a file whose chunks before the image data have a bad CRC).
  png_set_crc_action(png, PNG_CRC_DEFAULT, PNG_CRC_ERROR_QUIT);
  png_read_info(png, info);
  png_uint_32 w = 0, h = 0;
  int depth = 0, color = 0, interlace = 0;
  png_get_IHDR(png, info, &w, &h, &depth, &color, &interlace, nullptr, nullptr);
  if (too_many_pixels(h, w, max_pixels, *src->failure)) return 1;
  if (depth == 16) png_set_strip_16(png);  // the high byte, as Pillow's "RGB;16B" raw modes
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  png_set_strip_alpha(png);  // also drops the alpha that palette expansion makes from tRNS
  if (mode == kRgb && (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA)) png_set_gray_to_rgb(png);
  shape->passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  shape->height = png_get_image_height(png, info);
  shape->width = png_get_image_width(png, info);
  shape->channels = png_get_channels(png, info);
  if ((shape->channels != 1 && shape->channels != 3) || png_get_bit_depth(png, info) != 8 ||
      png_get_rowbytes(png, info) != static_cast<size_t>(shape->width) * shape->channels) {
    src->failure->set(kCorrupt, "corrupt PNG data: unexpected layout after conversion (%d channels, %d bits)",
                      shape->channels, png_get_bit_depth(png, info));
    return 1;
  }
  return 0;
}

// Phase 2: all rows (every interlace pass). The chunks after the image data are not read.
int png_phase_pixels(png_structp png, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return 1;
  png_read_image(png, rows);
  return 0;
}

bool read_png_info(const uint8_t* data, size_t size, int32_t mode, int64_t* h, int64_t* w, int32_t* c, Failure& f) {
  PngSession s(data, size, 0, &f);
  if (!s.png || !s.info) {
    f.set(kTooLarge, "libpng could not allocate its decoder");
    return false;
  }
  PngShape shape{};
  if (png_phase_header(s.png, s.info, mode, 0, &shape)) return false;
  *h = shape.height;
  *w = shape.width;
  *c = shape.channels;
  return true;
}

at::Tensor decode_png(const uint8_t* data, size_t size, int32_t mode, int32_t flags, int64_t max_pixels, Failure& f) {
  PngSession s(data, size, flags, &f);
  if (!s.png || !s.info) {
    f.set(kTooLarge, "libpng could not allocate its decoder");
    return {};
  }
  PngShape shape{};
  if (png_phase_header(s.png, s.info, mode, max_pixels, &shape)) return {};
  const int64_t h = shape.height, w = shape.width, c = shape.channels;
  at::Tensor out = allocate(h, w, c, f);
  if (!out.defined()) return {};
  std::vector<png_bytep> rows(static_cast<size_t>(h));
  uint8_t* base = out.data_ptr<uint8_t>();
  for (int64_t y = 0; y < h; ++y) rows[static_cast<size_t>(y)] = base + static_cast<size_t>(y * w * c);
  if (png_phase_pixels(s.png, rows.data())) return {};
  return out;
}

// ------------------------------------------------------------------------------------------------

void report(const Failure& f, int32_t* error_kind) {
  if (error_kind) *error_kind = f.kind == kOk ? kCorrupt : f.kind;
  tk::set_error(f.kind == kOk ? "image decoding failed for an unknown reason" : f.message);
}

}  // namespace

// The format recognised from the leading bytes (Format above), whether or not it can be decoded.
TK_EXPORT int32_t tk_image_detect_format(const uint8_t* data, int64_t size) {
  return data && size > 0 ? detect(data, static_cast<size_t>(size)) : kUnknown;
}

// Runs a decoding export's body: `decode(failure)` returns the image, or an undefined tensor with
// the failure recorded. Returns the wrapped image, or nullptr with *error_kind and the last error set
// (out of memory, or any exception, included).
namespace {
template <class Decode>
tk_tensor decode_export(int32_t* error_kind, Decode&& decode) {
  if (error_kind) *error_kind = kOk;
  try {
    Failure f;
    at::Tensor out = decode(f);
    if (!out.defined()) {
      report(f, error_kind);
      return nullptr;
    }
    return tk::wrap(std::move(out));
  } catch (const std::bad_alloc&) {
    if (error_kind) *error_kind = kTooLarge;
    tk::set_error("out of memory while decoding the image");
    return nullptr;
  } catch (...) {
    if (error_kind) *error_kind = kCorrupt;
    tk::set_error_from_current_exception();
    return nullptr;
  }
}
}  // namespace

// Decodes a JPEG or PNG held in memory into a new [H, W, C] uint8 tensor. mode: 0 = unchanged
// (gray stays 1 channel), 1 = RGB. flags: 1 = accept truncated JPEGs (missing rows come out gray),
// 2 = treat decoder warnings (corrupt but recoverable data) as errors. max_pixels <= 0: no limit.
// On failure returns nullptr and stores the ErrorKind in *error_kind.
TK_EXPORT tk_tensor tk_image_decode(const uint8_t* data, int64_t size, int32_t mode, int32_t flags, int64_t max_pixels,
                                    int32_t* error_kind) {
  return decode_export(error_kind, [&](Failure& f) {
    TORCH_CHECK(size >= 0 && (data || size == 0), "tk_image_decode: invalid buffer");
    TORCH_CHECK(mode == kUnchanged || mode == kRgb, "tk_image_decode: unknown mode ", mode);
    const auto n = static_cast<size_t>(size);
    at::Tensor out;
    switch (detect(data, n)) {
      case kJpeg: out = decode_jpeg(data, n, mode, flags, max_pixels, f); break;
      case kPng: out = decode_png(data, n, mode, flags, max_pixels, f); break;
      default: unsupported(data, n, f); break;
    }
    return out;
  });
}

// Decodes only rows [top, top + height) and columns [left, left + width) of a JPEG or PNG into a
// new [height, width, C] uint8 tensor whose values are exactly those of the same slice of
// tk_image_decode's output (same mode, flags and max_pixels, which applies to the whole image; the
// outcome for damaged files is the same too). JPEGs skip the work outside the region (see
// decode_jpeg_region); PNGs are decoded whole and sliced. A region that does not fit the image fails
// with kRowsOutside or kColumnsOutside.
TK_EXPORT tk_tensor tk_image_decode_region(const uint8_t* data, int64_t size, int32_t mode, int32_t flags,
                                           int64_t max_pixels, int64_t top, int64_t left, int64_t height,
                                           int64_t width, int32_t* error_kind) {
  return decode_export(error_kind, [&](Failure& f) {
    TORCH_CHECK(size >= 0 && (data || size == 0), "tk_image_decode_region: invalid buffer");
    TORCH_CHECK(mode == kUnchanged || mode == kRgb, "tk_image_decode_region: unknown mode ", mode);
    const auto n = static_cast<size_t>(size);
    const Region r{top, left, height, width};
    at::Tensor out;
    switch (detect(data, n)) {
      case kJpeg: out = decode_jpeg_region(data, n, mode, flags, max_pixels, r, f); break;
      case kPng: {
        int64_t h = 0, w = 0;
        int32_t c = 0;
        if (!read_png_info(data, n, mode, &h, &w, &c, f) || !region_fits(r, h, w, f)) break;
        at::Tensor whole = decode_png(data, n, mode, flags, max_pixels, f);
        if (whole.defined()) out = whole.slice(0, top, top + height).slice(1, left, left + width).clone(at::MemoryFormat::Contiguous);
        break;
      }
      default: unsupported(data, n, f); break;
    }
    return out;
  });
}

// Reads only the header: format, height, width and channel count (for the given mode).
// Returns 0, or 1 with *error_kind and tk_last_error set.
TK_EXPORT int32_t tk_image_info(const uint8_t* data, int64_t size, int32_t mode, int32_t* format, int64_t* height,
                                int64_t* width, int32_t* channels, int32_t* error_kind) {
  if (error_kind) *error_kind = kOk;
  try {
    TORCH_CHECK(size >= 0 && (data || size == 0), "tk_image_info: invalid buffer");
    TORCH_CHECK(mode == kUnchanged || mode == kRgb, "tk_image_info: unknown mode ", mode);
    Failure f;
    const auto n = static_cast<size_t>(size);
    *format = detect(data, n);
    bool ok = false;
    switch (*format) {
      case kJpeg: ok = read_jpeg_info(data, n, mode, height, width, channels, f); break;
      case kPng: ok = read_png_info(data, n, mode, height, width, channels, f); break;
      default: unsupported(data, n, f); break;
    }
    if (!ok) {
      report(f, error_kind);
      return 1;
    }
    return 0;
  } catch (...) {
    if (error_kind) *error_kind = kCorrupt;
    tk::set_error_from_current_exception();
    return 1;
  }
}
