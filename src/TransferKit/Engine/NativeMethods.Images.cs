using System.Runtime.InteropServices;

namespace TransferKit.Engine;

// Image decoding entry points of the shim (src/TransferKit.Native/src/image_decode.cpp). Kept in
// their own partial file so that the data pipeline can grow without touching the tensor surface.
internal static unsafe partial class NativeMethods
{
    /// <summary>The format recognised from the leading bytes (values of <c>TransferKit.Data.ImageFormat</c>).</summary>
    [LibraryImport(Library)] internal static partial int tk_image_detect_format(byte* data, long size);

    /// <summary>
    /// Decodes a JPEG or PNG into a new uint8 [H, W, C] tensor. mode: 0 unchanged, 1 RGB. flags: 1 allow
    /// truncated JPEGs, 2 warnings are errors. maxPixels &lt;= 0: no limit. Zero on failure, with the
    /// failure's kind (1 unsupported, 2 truncated, 3 corrupt, 4 too large) in <paramref name="errorKind"/>.
    /// </summary>
    [LibraryImport(Library)] internal static partial IntPtr tk_image_decode(byte* data, long size, int mode, int flags, long maxPixels, out int errorKind);

    /// <summary>
    /// Decodes rows [top, top + height) and columns [left, left + width) only, with the values of the same
    /// slice of <see cref="tk_image_decode"/>'s output. Kinds as there, plus 5 (the rows) and 6 (the
    /// columns) for a region outside the image.
    /// </summary>
    [LibraryImport(Library)] internal static partial IntPtr tk_image_decode_region(byte* data, long size, int mode, int flags, long maxPixels, long top, long left, long height, long width, out int errorKind);

    /// <summary>Reads the header only; 0 on success, 1 on failure (kind as for <see cref="tk_image_decode"/>).</summary>
    [LibraryImport(Library)] internal static partial int tk_image_info(byte* data, long size, int mode, out int format, out long height, out long width, out int channels, out int errorKind);
}
