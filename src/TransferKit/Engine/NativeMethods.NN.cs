using System.Runtime.InteropServices;

namespace TransferKit.Engine;

// P/Invoke declarations for src/TransferKit.Native/src/nn_functional.cpp. Optional tensors are passed
// as raw handles (IntPtr.Zero for "none"); see NN/Functional.cs for how they are kept alive.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial IntPtr tk_linear(TensorHandle input, TensorHandle weight, IntPtr bias);
    [LibraryImport(Library)] internal static partial IntPtr tk_conv2d(TensorHandle input, TensorHandle weight, IntPtr bias, long* stride, long* padding, long* dilation, long groups);
    [LibraryImport(Library)] internal static partial IntPtr tk_batch_norm(TensorHandle input, IntPtr weight, IntPtr bias, IntPtr runningMean, IntPtr runningVar, int training, double momentum, double eps);
    [LibraryImport(Library)] internal static partial IntPtr tk_layer_norm(TensorHandle input, long* normalizedShape, int ndim, IntPtr weight, IntPtr bias, double eps);
    [LibraryImport(Library)] internal static partial IntPtr tk_max_pool2d(TensorHandle input, long* kernel, long* stride, long* padding, long* dilation, int ceilMode);
    [LibraryImport(Library)] internal static partial IntPtr tk_avg_pool2d(TensorHandle input, long* kernel, long* stride, long* padding, int ceilMode, int countIncludePad);
    [LibraryImport(Library)] internal static partial IntPtr tk_adaptive_avg_pool2d(TensorHandle input, long outH, long outW);
    [LibraryImport(Library)] internal static partial IntPtr tk_dropout(TensorHandle input, double p, int training);
    [LibraryImport(Library)] internal static partial IntPtr tk_hardtanh(TensorHandle input, double min, double max);
    [LibraryImport(Library)] internal static partial IntPtr tk_silu(TensorHandle input);
    [LibraryImport(Library)] internal static partial IntPtr tk_gelu(TensorHandle input, int approximate);
    [LibraryImport(Library)] internal static partial IntPtr tk_hardswish(TensorHandle input);
    [LibraryImport(Library)] internal static partial IntPtr tk_hardsigmoid(TensorHandle input);
    [LibraryImport(Library)] internal static partial IntPtr tk_cross_entropy(TensorHandle input, TensorHandle target, IntPtr weight, int reduction, long ignoreIndex, double labelSmoothing);
    [LibraryImport(Library)] internal static partial IntPtr tk_nll_loss(TensorHandle input, TensorHandle target, IntPtr weight, int reduction, long ignoreIndex);
    [LibraryImport(Library)] internal static partial IntPtr tk_bce_with_logits(TensorHandle input, TensorHandle target, IntPtr weight, IntPtr posWeight, int reduction);
    [LibraryImport(Library)] internal static partial IntPtr tk_mse_loss(TensorHandle input, TensorHandle target, int reduction);
    [LibraryImport(Library)] internal static partial int tk_uniform_(TensorHandle t, double low, double high);
    [LibraryImport(Library)] internal static partial int tk_normal_(TensorHandle t, double mean, double std);
}
