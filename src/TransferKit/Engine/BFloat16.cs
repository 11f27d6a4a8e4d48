using System.Runtime.InteropServices;

namespace TransferKit.Engine;

/// <summary>
/// A bfloat16 value as stored in tensors of <see cref="ScalarType.BFloat16"/>: the upper 16 bits of
/// an IEEE single. Conversion from float rounds to nearest even, as libtorch does.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct BFloat16 : IEquatable<BFloat16>
{
    /// <summary>The raw 16 bits.</summary>
    public readonly ushort Bits;

    private BFloat16(ushort bits) => Bits = bits;

    /// <summary>Creates a value from its raw bits.</summary>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    /// <summary>Rounds a float to bfloat16 (NaN stays NaN).</summary>
    public static explicit operator BFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return new BFloat16(0x7FC0);
        uint rounding = 0x7FFFu + ((bits >> 16) & 1u);
        return new BFloat16((ushort)((bits + rounding) >> 16));
    }

    /// <summary>Widens to float exactly.</summary>
    public static implicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value.Bits << 16);

    /// <inheritdoc />
    public bool Equals(BFloat16 other) => Bits == other.Bits;
    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is BFloat16 b && Equals(b);
    /// <inheritdoc />
    public override int GetHashCode() => Bits;
    /// <inheritdoc />
    public override string ToString() => ((float)this).ToString(System.Globalization.CultureInfo.InvariantCulture);
    /// <summary>Bitwise equality.</summary>
    public static bool operator ==(BFloat16 a, BFloat16 b) => a.Bits == b.Bits;
    /// <summary>Bitwise inequality.</summary>
    public static bool operator !=(BFloat16 a, BFloat16 b) => a.Bits != b.Bits;
}
