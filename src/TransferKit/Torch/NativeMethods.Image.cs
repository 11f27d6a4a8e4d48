using System.Runtime.InteropServices;

namespace TransferKit.Torch;

// P/Invoke declarations for src/TransferKit.Native/src/ops_image.cpp (used by Data/Transforms and
// by the Tensor methods in Tensor.Image.cs).
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial IntPtr tk_upsample_bilinear2d(TensorHandle input, long outH, long outW, int alignCorners, int antialias);
    [LibraryImport(Library)] internal static partial IntPtr tk_upsample_nearest2d(TensorHandle input, long outH, long outW);
    [LibraryImport(Library)] internal static partial IntPtr tk_flip(TensorHandle t, long* dims, int ndims);
    [LibraryImport(Library)] internal static partial IntPtr tk_round(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr tk_constant_pad_nd(TensorHandle t, long* pad, int npad, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_grid_sample(TensorHandle input, TensorHandle grid, int mode, int paddingMode, int alignCorners);
}
