namespace TransferKit.Engine;

public sealed partial class Tensor
{
    /// <summary>Elementwise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, Scalar b) => a.Add(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Scalar a, Tensor b) => b.Add(a);
    /// <summary>Elementwise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, Scalar b) => a.Sub(b);
    /// <summary>Scalar minus tensor.</summary>
    public static Tensor operator -(Scalar a, Tensor b) => FromNative(NativeMethods.tk_rsub_scalar(b.Handle, a.Double, a.Long, a.Kind));
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();
    /// <summary>Elementwise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, Scalar b) => a.Mul(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Scalar a, Tensor b) => b.Mul(a);
    /// <summary>Elementwise true division.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, Scalar b) => a.Div(b);
    /// <summary>Scalar divided by each element.</summary>
    public static Tensor operator /(Scalar a, Tensor b) => FromNative(NativeMethods.tk_rdiv_scalar(b.Handle, a.Double, a.Long, a.Kind));

    /// <summary>Elementwise &lt; (bool tensor).</summary>
    public static Tensor operator <(Tensor a, Tensor b) => a.Lt(b);
    /// <summary>Elementwise &gt; (bool tensor).</summary>
    public static Tensor operator >(Tensor a, Tensor b) => a.Gt(b);
    /// <summary>Elementwise &lt;= (bool tensor).</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => a.Le(b);
    /// <summary>Elementwise &gt;= (bool tensor).</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => a.Ge(b);
    /// <summary>Elementwise &lt; scalar (bool tensor).</summary>
    public static Tensor operator <(Tensor a, Scalar b) => a.Lt(b);
    /// <summary>Elementwise &gt; scalar (bool tensor).</summary>
    public static Tensor operator >(Tensor a, Scalar b) => a.Gt(b);
    /// <summary>Elementwise &lt;= scalar (bool tensor).</summary>
    public static Tensor operator <=(Tensor a, Scalar b) => a.Le(b);
    /// <summary>Elementwise &gt;= scalar (bool tensor).</summary>
    public static Tensor operator >=(Tensor a, Scalar b) => a.Ge(b);
}
