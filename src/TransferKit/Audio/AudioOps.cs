using TransferKit.Engine;

namespace TransferKit.Audio;

/// <summary>Padding of the last dimension, shared by the audio transforms.</summary>
internal static unsafe class AudioOps
{
    /// <summary>Pads the last dimension with <paramref name="left"/> and <paramref name="right"/> copies of <paramref name="value"/>.</summary>
    internal static Tensor ConstantPadLast(Tensor x, long left, long right, double value = 0)
    {
        long* pad = stackalloc long[] { left, right };
        Scalar v = value;
        return Tensor.FromNative(NativeMethods.tk_constant_pad_nd(x.Handle, pad, 2, v.Double, v.Long, v.Kind));
    }

    /// <summary>
    /// Pads the last dimension by mirroring (without repeating the edge sample: PyTorch's
    /// <c>reflect</c>) or by repeating the edge sample (<c>replicate</c>).
    /// </summary>
    /// <exception cref="ArgumentException">Reflection needs more samples than the dimension has.</exception>
    internal static Tensor IndexPadLast(Tensor x, long left, long right, bool reflect)
    {
        long n = x.Size(x.NDim - 1);
        if (reflect && (left >= n || right >= n))
            throw new ArgumentException($"Reflect padding by ({left}, {right}) needs more than {Math.Max(left, right)} samples; the signal has {n}.");
        if (n == 0)
            throw new ArgumentException("Cannot pad an empty signal by reflection or replication.");
        var index = new long[left + n + right];
        for (long i = 0; i < index.Length; i++)
        {
            long j = i - left;
            index[i] = reflect
                ? (j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j)
                : Math.Clamp(j, 0, n - 1);
        }
        using var idx = Torch.FromArray(index, index.Length);
        return x.IndexSelect(x.NDim - 1, idx);
    }
}
