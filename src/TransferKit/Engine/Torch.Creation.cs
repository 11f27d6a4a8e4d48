namespace TransferKit.Engine;

public static partial class Torch
{
    private static unsafe Tensor Create(
        delegate*<long*, int, int, int, int, int, IntPtr> factory, ReadOnlySpan<long> shape, ScalarType dtype, Device? device, bool requiresGrad)
    {
        var dev = device ?? Device.Cpu;
        dev.EnsureAvailable();
        fixed (long* p = shape)
            return Tensor.FromNative(factory(p, shape.Length, (int)dtype, (int)dev.Type, dev.Index, requiresGrad ? 1 : 0));
    }

    /// <summary>A float32 CPU tensor of zeros.</summary>
    public static Tensor Zeros(params long[] shape) => Zeros(shape, ScalarType.Float32);

    /// <summary>A tensor of zeros.</summary>
    public static unsafe Tensor Zeros(ReadOnlySpan<long> shape, ScalarType dtype, Device? device = null, bool requiresGrad = false) =>
        Create(&NativeMethods.tk_zeros, shape, dtype, device, requiresGrad);

    /// <summary>A float32 CPU tensor of ones.</summary>
    public static Tensor Ones(params long[] shape) => Ones(shape, ScalarType.Float32);

    /// <summary>A tensor of ones.</summary>
    public static unsafe Tensor Ones(ReadOnlySpan<long> shape, ScalarType dtype, Device? device = null, bool requiresGrad = false) =>
        Create(&NativeMethods.tk_ones, shape, dtype, device, requiresGrad);

    /// <summary>An uninitialised tensor (contents are arbitrary).</summary>
    public static unsafe Tensor Empty(ReadOnlySpan<long> shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requiresGrad = false) =>
        Create(&NativeMethods.tk_empty, shape, dtype, device, requiresGrad);

    /// <summary>Uniform random values in [0, 1), float32 on the CPU.</summary>
    public static Tensor Rand(params long[] shape) => Rand(shape, ScalarType.Float32);

    /// <summary>Uniform random values in [0, 1).</summary>
    public static unsafe Tensor Rand(ReadOnlySpan<long> shape, ScalarType dtype, Device? device = null, bool requiresGrad = false) =>
        Create(&NativeMethods.tk_rand, shape, dtype, device, requiresGrad);

    /// <summary>Standard normal random values, float32 on the CPU.</summary>
    public static Tensor Randn(params long[] shape) => Randn(shape, ScalarType.Float32);

    /// <summary>Standard normal random values.</summary>
    public static unsafe Tensor Randn(ReadOnlySpan<long> shape, ScalarType dtype, Device? device = null, bool requiresGrad = false) =>
        Create(&NativeMethods.tk_randn, shape, dtype, device, requiresGrad);

    /// <summary>Random integers in [low, high).</summary>
    public static unsafe Tensor RandInt(long low, long high, ReadOnlySpan<long> shape, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        dev.EnsureAvailable();
        fixed (long* p = shape)
            return Tensor.FromNative(NativeMethods.tk_randint(low, high, p, shape.Length, (int)dtype, (int)dev.Type, dev.Index));
    }

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static unsafe Tensor Full(ReadOnlySpan<long> shape, Scalar value, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requiresGrad = false)
    {
        var dev = device ?? Device.Cpu;
        dev.EnsureAvailable();
        fixed (long* p = shape)
            return Tensor.FromNative(NativeMethods.tk_full(p, shape.Length, value.Double, value.Long, value.Kind,
                (int)dtype, (int)dev.Type, dev.Index, requiresGrad ? 1 : 0));
    }

    /// <summary>Values from <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive) in steps.</summary>
    public static Tensor Arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requiresGrad = false)
    {
        var dev = device ?? Device.Cpu;
        dev.EnsureAvailable();
        return Tensor.FromNative(NativeMethods.tk_arange(start, end, step, (int)dtype, (int)dev.Type, dev.Index, requiresGrad ? 1 : 0));
    }

    /// <summary>0, 1, ..., end-1 as int64 (like <c>torch.arange(end)</c>).</summary>
    public static Tensor Arange(long end) => Arange(0, end, 1, ScalarType.Int64);

    /// <summary>
    /// Copies managed data into a new CPU tensor of the given shape (<c>torch.tensor</c>). The
    /// element type follows <typeparamref name="T"/>: float, double, long, int, short, byte, sbyte,
    /// bool, Half or BFloat16. Without a shape the tensor is 1-D.
    /// </summary>
    public static unsafe Tensor FromArray<T>(ReadOnlySpan<T> data, params long[] shape) where T : unmanaged
    {
        long[] dims = shape.Length == 0 ? new long[] { data.Length } : shape;
        long expected = 1;
        foreach (long d in dims)
        {
            if (d < 0) throw new ArgumentException($"Shape [{string.Join(", ", dims)}] has a negative size.", nameof(shape));
            expected *= d;
        }
        if (expected != data.Length)
            throw new ArgumentException($"Shape [{string.Join(", ", dims)}] needs {expected} elements but {data.Length} were given.", nameof(shape));
        var dtype = ScalarTypeExtensions.Of<T>();
        fixed (T* src = data)
        fixed (long* p = dims)
            return Tensor.FromNative(NativeMethods.tk_from_data(src, (long)data.Length * sizeof(T), p, dims.Length, (int)dtype));
    }

    /// <summary>Copies a managed array into a new CPU tensor; see <see cref="FromArray{T}(ReadOnlySpan{T}, long[])"/>.</summary>
    public static Tensor FromArray<T>(T[] data, params long[] shape) where T : unmanaged => FromArray((ReadOnlySpan<T>)data, shape);

    /// <summary>A 0-d tensor holding one value.</summary>
    public static Tensor ScalarTensor(double value, ScalarType dtype = ScalarType.Float32) => Full(ReadOnlySpan<long>.Empty, value, dtype);

    /// <summary>Concatenates tensors along an existing dimension.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Join(tensors, dim, stack: false);

    /// <summary>Stacks tensors of equal shape along a new dimension.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Join(tensors, dim, stack: true);

    private static unsafe Tensor Join(IReadOnlyList<Tensor> tensors, long dim, bool stack)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException($"{(stack ? "Stack" : "Cat")} needs at least one tensor.", nameof(tensors));
        using var handles = new HandleArray(tensors);
        fixed (IntPtr* p = handles.Raw)
            return Tensor.FromNative(stack ? NativeMethods.tk_stack(p, handles.Raw.Length, dim) : NativeMethods.tk_cat(p, handles.Raw.Length, dim));
    }
}
