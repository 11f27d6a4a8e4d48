namespace TransferKit.Engine;

/// <summary>
/// A number passed to a tensor operation. Integers keep integer semantics, as in PyTorch:
/// <c>intTensor + 1</c> stays an integer tensor, <c>intTensor + 1.5</c> becomes floating point.
/// </summary>
public readonly struct Scalar
{
    internal readonly double Double;
    internal readonly long Long;
    internal readonly int Kind; // 0 double, 1 long, 2 bool (tk::ScalarKind)

    private Scalar(double d, long l, int kind)
    {
        Double = d;
        Long = l;
        Kind = kind;
    }

    /// <summary>A floating-point scalar.</summary>
    public static implicit operator Scalar(double value) => new(value, 0, 0);
    /// <summary>A floating-point scalar.</summary>
    public static implicit operator Scalar(float value) => new(value, 0, 0);
    /// <summary>An integer scalar.</summary>
    public static implicit operator Scalar(long value) => new(value, value, 1);
    /// <summary>An integer scalar.</summary>
    public static implicit operator Scalar(int value) => new(value, value, 1);
    /// <summary>A boolean scalar.</summary>
    public static implicit operator Scalar(bool value) => new(value ? 1 : 0, value ? 1 : 0, 2);

    /// <summary>True when the scalar holds an integer or boolean.</summary>
    public bool IsIntegral => Kind != 0;

    /// <summary>The value as a double.</summary>
    public double ToDouble() => Kind == 0 ? Double : Long;

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        0 => Double.ToString(System.Globalization.CultureInfo.InvariantCulture),
        1 => Long.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => Long != 0 ? "True" : "False",
    };
}
