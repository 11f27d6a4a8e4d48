using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>
/// Stateless neural-network functions, PyTorch's <c>torch.nn.functional</c>. Layers in this
/// namespace call these; users can call them directly in custom modules.
/// </summary>
public static unsafe partial class Functional
{
    /// <summary>y = x Wᵀ + b.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        using var h = new OptionalHandles(bias);
        return Tensor.FromNative(NativeMethods.tk_linear(input.Handle, weight.Handle, h.P0));
    }

    /// <summary>2-D convolution over an NCHW input.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, (long H, long W)? stride = null,
        (long H, long W)? padding = null, (long H, long W)? dilation = null, long groups = 1)
    {
        var s = stride ?? (1, 1);
        var p = padding ?? (0, 0);
        var d = dilation ?? (1, 1);
        long* sv = stackalloc long[] { s.H, s.W };
        long* pv = stackalloc long[] { p.H, p.W };
        long* dv = stackalloc long[] { d.H, d.W };
        using var h = new OptionalHandles(bias);
        return Tensor.FromNative(NativeMethods.tk_conv2d(input.Handle, weight.Handle, h.P0, sv, pv, dv, groups));
    }

    /// <summary>
    /// Batch normalisation. In training mode batch statistics are used and the running
    /// statistics (when given) are updated in place with <paramref name="momentum"/>; in
    /// evaluation mode the running statistics are used.
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        using var h = new OptionalHandles(weight, bias, runningMean, runningVar);
        return Tensor.FromNative(NativeMethods.tk_batch_norm(input.Handle, h.P0, h.P1, h.P2, h.P3, training ? 1 : 0, momentum, eps));
    }

    /// <summary>Layer normalisation over the trailing <paramref name="normalizedShape"/> dimensions.</summary>
    public static Tensor LayerNorm(Tensor input, long[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        using var h = new OptionalHandles(weight, bias);
        fixed (long* ns = normalizedShape)
            return Tensor.FromNative(NativeMethods.tk_layer_norm(input.Handle, ns, normalizedShape.Length, h.P0, h.P1, eps));
    }

    /// <summary>2-D max pooling; the stride defaults to the kernel size.</summary>
    public static Tensor MaxPool2d(Tensor input, (long H, long W) kernel, (long H, long W)? stride = null,
        (long H, long W)? padding = null, (long H, long W)? dilation = null, bool ceilMode = false)
    {
        var s = stride ?? kernel;
        var p = padding ?? (0, 0);
        var d = dilation ?? (1, 1);
        long* kv = stackalloc long[] { kernel.H, kernel.W };
        long* sv = stackalloc long[] { s.H, s.W };
        long* pv = stackalloc long[] { p.H, p.W };
        long* dv = stackalloc long[] { d.H, d.W };
        return Tensor.FromNative(NativeMethods.tk_max_pool2d(input.Handle, kv, sv, pv, dv, ceilMode ? 1 : 0));
    }

    /// <summary>2-D average pooling; the stride defaults to the kernel size.</summary>
    public static Tensor AvgPool2d(Tensor input, (long H, long W) kernel, (long H, long W)? stride = null,
        (long H, long W)? padding = null, bool ceilMode = false, bool countIncludePad = true)
    {
        var s = stride ?? kernel;
        var p = padding ?? (0, 0);
        long* kv = stackalloc long[] { kernel.H, kernel.W };
        long* sv = stackalloc long[] { s.H, s.W };
        long* pv = stackalloc long[] { p.H, p.W };
        return Tensor.FromNative(NativeMethods.tk_avg_pool2d(input.Handle, kv, sv, pv, ceilMode ? 1 : 0, countIncludePad ? 1 : 0));
    }

    /// <summary>Average pooling to a fixed output size.</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, (long H, long W) outputSize) =>
        Tensor.FromNative(NativeMethods.tk_adaptive_avg_pool2d(input.Handle, outputSize.H, outputSize.W));

    /// <summary>Zeroes elements with probability <paramref name="p"/> and scales the rest by 1/(1-p), in training only.</summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        return Tensor.FromNative(NativeMethods.tk_dropout(input.Handle, p, training ? 1 : 0));
    }

    /// <summary>max(0, x).</summary>
    public static Tensor Relu(Tensor input) => input.Relu();

    /// <summary>min(max(0, x), 6).</summary>
    public static Tensor Relu6(Tensor input) => Tensor.FromNative(NativeMethods.tk_hardtanh(input.Handle, 0, 6));

    /// <summary>x · sigmoid(x) (also called swish).</summary>
    public static Tensor Silu(Tensor input) => Tensor.FromNative(NativeMethods.tk_silu(input.Handle));

    /// <summary>Gaussian error linear unit; <paramref name="tanhApproximation"/> selects PyTorch's approximate="tanh".</summary>
    /// <remarks>
    /// libtorch 1.13's oneDNN backward of the exact GELU computes wrong gradients when the gradient arriving
    /// from later layers is not contiguous (GELU followed by a transpose); on the CPU, with gradients on,
    /// this function makes that gradient contiguous first (a copy only in that case), so the result is right.
    /// </remarks>
    public static Tensor Gelu(Tensor input, bool tanhApproximation = false) =>
        Tensor.FromNative(NativeMethods.tk_gelu(input.Handle, tanhApproximation ? 1 : 0));

    /// <summary>x · relu6(x + 3) / 6.</summary>
    public static Tensor Hardswish(Tensor input) => Tensor.FromNative(NativeMethods.tk_hardswish(input.Handle));

    /// <summary>relu6(x + 3) / 6.</summary>
    public static Tensor Hardsigmoid(Tensor input) => Tensor.FromNative(NativeMethods.tk_hardsigmoid(input.Handle));

    /// <summary>
    /// Cross-entropy between logits [N, C] and class indices [N] (int64) or class probabilities
    /// [N, C], with optional class weights, label smoothing and an ignored index.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean,
        long ignoreIndex = -100, double labelSmoothing = 0)
    {
        if (labelSmoothing is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label smoothing must be in [0, 1]");
        using var h = new OptionalHandles(weight);
        return Tensor.FromNative(NativeMethods.tk_cross_entropy(logits.Handle, target.Handle, h.P0, (int)reduction, ignoreIndex, labelSmoothing));
    }

    /// <summary>Negative log-likelihood of log-probabilities [N, C] for class indices [N].</summary>
    public static Tensor NllLoss(Tensor logProbabilities, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, long ignoreIndex = -100)
    {
        using var h = new OptionalHandles(weight);
        return Tensor.FromNative(NativeMethods.tk_nll_loss(logProbabilities.Handle, target.Handle, h.P0, (int)reduction, ignoreIndex));
    }

    /// <summary>Binary cross-entropy on logits (numerically stable sigmoid + BCE).</summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor target, Tensor? weight = null, Tensor? posWeight = null,
        Reduction reduction = Reduction.Mean)
    {
        using var h = new OptionalHandles(weight, posWeight);
        return Tensor.FromNative(NativeMethods.tk_bce_with_logits(logits.Handle, target.Handle, h.P0, h.P1, (int)reduction));
    }

    /// <summary>Mean squared error.</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Tensor.FromNative(NativeMethods.tk_mse_loss(input.Handle, target.Handle, (int)reduction));
}
