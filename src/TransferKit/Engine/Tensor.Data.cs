using System.Globalization;
using System.Text;

namespace TransferKit.Engine;

public sealed partial class Tensor
{
    /// <summary>A new tensor converted to another element type.</summary>
    public Tensor To(ScalarType dtype) => FromNative(NativeMethods.tk_to_dtype(Handle, (int)dtype));

    /// <summary>
    /// A new tensor on another device (another owner of this tensor when already there).
    /// <paramref name="nonBlocking"/> lets a copy from pinned host memory (<see cref="PinMemory"/>)
    /// to a GPU run asynchronously, overlapping the next host work, as PyTorch's
    /// <c>to(device, non_blocking=True)</c>; otherwise the copy is synchronous.
    /// </summary>
    public Tensor To(Device device, bool nonBlocking = false)
    {
        device.EnsureAvailable();
        return FromNative(NativeMethods.tk_to_device(Handle, (int)device.Type, device.Index, nonBlocking ? 1 : 0));
    }

    /// <summary>
    /// A copy in page-locked (pinned) host memory, from which copies to a GPU can be asynchronous
    /// (<c>tensor.pin_memory()</c>). Needs a CUDA build of libtorch and a GPU; a
    /// <see cref="TorchException"/> says so otherwise.
    /// </summary>
    public Tensor PinMemory() => FromNative(NativeMethods.tk_pin_memory(Handle));

    /// <summary>True when this tensor lives in pinned host memory.</summary>
    public bool IsPinned => NativeMethods.tk_is_pinned(Handle) != 0;

    /// <summary>A copy with its own storage (recorded by autograd).</summary>
    public Tensor Clone() => FromNative(NativeMethods.tk_clone(Handle));

    /// <summary>
    /// Another owner of the same tensor: disposing one leaves the other valid. Useful to keep a
    /// tensor beyond a scope without moving the original.
    /// </summary>
    public Tensor Alias() => FromNative(NativeMethods.tk_alias(Handle));

    /// <summary>Copies the elements, in row-major order, into a new managed array.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> does not match <see cref="Dtype"/>.</exception>
    public T[] ToArray<T>() where T : unmanaged
    {
        var result = new T[checked((int)Numel)];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies the elements, in row-major order, into <paramref name="destination"/> (exactly <see cref="Numel"/> long).</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        ScalarType wanted = ScalarTypeExtensions.Of<T>();
        ScalarType actual = Dtype;
        if (wanted != actual)
            throw new InvalidOperationException(
                $"Cannot copy a {actual.PyTorchName()} tensor into {typeof(T).Name} elements; convert first with To(ScalarType.{wanted}).");
        long count = Numel;
        if (destination.Length != count)
            throw new ArgumentException($"Destination holds {destination.Length} elements but the tensor has {count}.", nameof(destination));
        fixed (T* p = destination)
            Check(NativeMethods.tk_copy_to_buffer(Handle, p, count * sizeof(T)));
    }

    /// <summary>
    /// The value of a one-element tensor, converted to <typeparamref name="T"/> (float, double,
    /// long, int, bool, ...), like PyTorch's <c>item()</c>.
    /// </summary>
    public T Item<T>() where T : unmanaged
    {
        var handle = Handle;
        if (typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(short) ||
            typeof(T) == typeof(byte) || typeof(T) == typeof(sbyte) || typeof(T) == typeof(bool))
        {
            Check(NativeMethods.tk_item_long(handle, out long l));
            if (typeof(T) == typeof(long)) return (T)(object)l;
            if (typeof(T) == typeof(int)) return (T)(object)checked((int)l);
            if (typeof(T) == typeof(short)) return (T)(object)checked((short)l);
            if (typeof(T) == typeof(byte)) return (T)(object)checked((byte)l);
            if (typeof(T) == typeof(sbyte)) return (T)(object)checked((sbyte)l);
            return (T)(object)(l != 0);
        }
        Check(NativeMethods.tk_item_double(handle, out double d));
        if (typeof(T) == typeof(double)) return (T)(object)d;
        if (typeof(T) == typeof(float)) return (T)(object)(float)d;
        if (typeof(T) == typeof(Half)) return (T)(object)(Half)d;
        if (typeof(T) == typeof(BFloat16)) return (T)(object)(BFloat16)(float)d;
        throw new NotSupportedException($"Item<{typeof(T).Name}> is not supported.");
    }

    /// <summary>
    /// A short description: element type, shape, device, whether it requires grad, and up to
    /// eight leading values, e.g. <c>tensor(float32, [2, 3]) [1, 2, 3, 4, 5, 6]</c>.
    /// </summary>
    public override string ToString()
    {
        if (IsDisposed) return "tensor(disposed)";
        const int MaxValues = 8;
        var sb = new StringBuilder("tensor(");
        var dtype = Dtype;
        sb.Append(dtype.PyTorchName()).Append(", [").Append(string.Join(", ", Shape)).Append(']');
        var device = Device;
        if (device.Type != DeviceType.Cpu) sb.Append(", ").Append(device);
        if (RequiresGrad) sb.Append(", requires_grad");
        sb.Append(')');

        long count = Numel;
        if (count == 0) return sb.Append(" []").ToString();
        using var scope = Torch.NewDisposeScope();
        using var _ = Torch.NoGrad();
        var head = Flatten().Slice(0, 0, Math.Min(count, MaxValues)).To(ScalarType.Float64).To(Device.Cpu);
        var values = head.ToArray<double>();
        sb.Append(" [");
        for (int k = 0; k < values.Length; k++)
        {
            if (k > 0) sb.Append(", ");
            sb.Append(dtype == ScalarType.Bool ? (values[k] != 0 ? "True" : "False") : values[k].ToString("G6", CultureInfo.InvariantCulture));
        }
        if (count > MaxValues) sb.Append(", ... (").Append(count).Append(" values)");
        return sb.Append(']').ToString();
    }
}
