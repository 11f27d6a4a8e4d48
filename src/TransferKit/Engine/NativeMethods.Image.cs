using System.Runtime.InteropServices;

namespace TransferKit.Engine;

// P/Invoke declarations for src/TransferKit.Native/src/ops_image.cpp and image_resample.cpp (used by Data/Transforms and
// by the Tensor methods in Tensor.Image.cs).
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial IntPtr tk_upsample_bilinear2d(TensorHandle input, long outH, long outW, int alignCorners, int antialias);
    [LibraryImport(Library)] internal static partial IntPtr tk_upsample_bicubic2d(TensorHandle input, long outH, long outW, int alignCorners, int antialias);
    [LibraryImport(Library)] internal static partial IntPtr tk_upsample_nearest2d(TensorHandle input, long outH, long outW);
    [LibraryImport(Library)] internal static partial IntPtr tk_flip(TensorHandle t, long* dims, int ndims);
    [LibraryImport(Library)] internal static partial IntPtr tk_round(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr tk_constant_pad_nd(TensorHandle t, long* pad, int npad, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_resized_crop_u8(TensorHandle input, long top, long left, long cropH, long cropW, long outH, long outW, int antialias, int impl);
    [LibraryImport(Library)] internal static partial int tk_resized_crop_u8_model();
    [LibraryImport(Library)] internal static partial IntPtr tk_u8_to_normalized_f32(TensorHandle input, double* mean, double* std, int n);
    [LibraryImport(Library)] internal static partial IntPtr tk_grid_sample(TensorHandle input, TensorHandle grid, int mode, int paddingMode, int alignCorners);
}
