namespace TransferKit.Engine;

/// <summary>
/// Element types of tensors. The numeric values are libtorch's <c>c10::ScalarType</c> codes, so
/// they cross the native boundary unchanged.
/// </summary>
public enum ScalarType
{
    /// <summary>8-bit unsigned integer (torch.uint8).</summary>
    Byte = 0,
    /// <summary>8-bit signed integer (torch.int8).</summary>
    Int8 = 1,
    /// <summary>16-bit signed integer (torch.int16).</summary>
    Int16 = 2,
    /// <summary>32-bit signed integer (torch.int32).</summary>
    Int32 = 3,
    /// <summary>64-bit signed integer (torch.int64), the type of indices and class labels.</summary>
    Int64 = 4,
    /// <summary>IEEE half precision (torch.float16).</summary>
    Float16 = 5,
    /// <summary>32-bit float (torch.float32), the default.</summary>
    Float32 = 6,
    /// <summary>64-bit float (torch.float64).</summary>
    Float64 = 7,
    /// <summary>Boolean (torch.bool).</summary>
    Bool = 11,
    /// <summary>Brain floating point (torch.bfloat16).</summary>
    BFloat16 = 15,
}

/// <summary>Helpers for <see cref="ScalarType"/>.</summary>
public static class ScalarTypeExtensions
{
    /// <summary>Size of one element in bytes.</summary>
    public static int ElementSize(this ScalarType type) => type switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown scalar type"),
    };

    /// <summary>True for the floating-point types.</summary>
    public static bool IsFloatingPoint(this ScalarType type) =>
        type is ScalarType.Float16 or ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16;

    /// <summary>PyTorch's name for the type, e.g. <c>float32</c>.</summary>
    public static string PyTorchName(this ScalarType type) => type switch
    {
        ScalarType.Byte => "uint8",
        ScalarType.Int8 => "int8",
        ScalarType.Int16 => "int16",
        ScalarType.Int32 => "int32",
        ScalarType.Int64 => "int64",
        ScalarType.Float16 => "float16",
        ScalarType.Float32 => "float32",
        ScalarType.Float64 => "float64",
        ScalarType.Bool => "bool",
        ScalarType.BFloat16 => "bfloat16",
        _ => $"scalar type {(int)type}",
    };

    /// <summary>The scalar type that stores managed elements of type <typeparamref name="T"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> has no tensor element type.</exception>
    public static ScalarType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return ScalarType.Float32;
        if (typeof(T) == typeof(double)) return ScalarType.Float64;
        if (typeof(T) == typeof(long)) return ScalarType.Int64;
        if (typeof(T) == typeof(int)) return ScalarType.Int32;
        if (typeof(T) == typeof(short)) return ScalarType.Int16;
        if (typeof(T) == typeof(byte)) return ScalarType.Byte;
        if (typeof(T) == typeof(sbyte)) return ScalarType.Int8;
        if (typeof(T) == typeof(bool)) return ScalarType.Bool;
        if (typeof(T) == typeof(Half)) return ScalarType.Float16;
        if (typeof(T) == typeof(BFloat16)) return ScalarType.BFloat16;
        throw new NotSupportedException($"{typeof(T).Name} is not a tensor element type (use float, double, long, int, short, byte, sbyte, bool, Half or BFloat16).");
    }
}
