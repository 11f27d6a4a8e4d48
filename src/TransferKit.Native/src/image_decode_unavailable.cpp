// Stand-ins for the JPEG/PNG decoder entry points of image_decode.cpp in a shim built with
// -DTK_IMAGE_CODECS=OFF (no libjpeg/libpng headers on the build machine). Each reports, as an
// "unsupported" failure, that this build cannot decode images.
#include "tk_common.h"

namespace {
constexpr int32_t kUnsupported = 1;
constexpr int32_t kUnknownFormat = 0;
const char* const kMessage =
    "this TransferKit native shim was built without image codecs (TK_IMAGE_CODECS=OFF): it cannot decode JPEG or PNG; "
    "rebuild it with libjpeg and libpng headers installed";

int32_t unavailable(int32_t* error_kind) {
  if (error_kind) *error_kind = kUnsupported;
  tk::set_error(kMessage);
  return 1;
}
}  // namespace

TK_EXPORT int32_t tk_image_detect_format(const uint8_t* data, int64_t size) { return kUnknownFormat; }

TK_EXPORT tk_tensor tk_image_decode(const uint8_t* data, int64_t size, int32_t mode, int32_t flags, int64_t max_pixels,
                                    int32_t* error_kind) {
  unavailable(error_kind);
  return nullptr;
}

TK_EXPORT tk_tensor tk_image_decode_region(const uint8_t* data, int64_t size, int32_t mode, int32_t flags,
                                           int64_t max_pixels, int64_t top, int64_t left, int64_t height,
                                           int64_t width, int32_t* error_kind) {
  unavailable(error_kind);
  return nullptr;
}

TK_EXPORT int32_t tk_image_info(const uint8_t* data, int64_t size, int32_t mode, int32_t* format, int64_t* height,
                                int64_t* width, int32_t* channels, int32_t* error_kind) {
  if (format) *format = kUnknownFormat;
  return unavailable(error_kind);
}
