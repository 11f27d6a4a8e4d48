namespace TransferKit.Engine;

public sealed partial class Tensor
{
    // ---- binary, tensor with tensor (broadcasting, type promotion as in PyTorch) ----

    /// <summary>Elementwise sum.</summary>
    public Tensor Add(Tensor other) => FromNative(NativeMethods.tk_add(Handle, other.Handle));
    /// <summary>Elementwise difference.</summary>
    public Tensor Sub(Tensor other) => FromNative(NativeMethods.tk_sub(Handle, other.Handle));
    /// <summary>Elementwise product.</summary>
    public Tensor Mul(Tensor other) => FromNative(NativeMethods.tk_mul(Handle, other.Handle));
    /// <summary>Elementwise true division.</summary>
    public Tensor Div(Tensor other) => FromNative(NativeMethods.tk_div(Handle, other.Handle));
    /// <summary>Elementwise power.</summary>
    public Tensor Pow(Tensor exponent) => FromNative(NativeMethods.tk_pow(Handle, exponent.Handle));
    /// <summary>Matrix product with PyTorch's broadcasting rules (<c>torch.matmul</c>).</summary>
    public Tensor MatMul(Tensor other) => FromNative(NativeMethods.tk_matmul(Handle, other.Handle));
    /// <summary>Elementwise maximum of two tensors.</summary>
    public Tensor Maximum(Tensor other) => FromNative(NativeMethods.tk_maximum(Handle, other.Handle));
    /// <summary>Elementwise minimum of two tensors.</summary>
    public Tensor Minimum(Tensor other) => FromNative(NativeMethods.tk_minimum(Handle, other.Handle));

    // ---- binary with a scalar ----

    /// <summary>Adds a scalar.</summary>
    public Tensor Add(Scalar other) => FromNative(NativeMethods.tk_add_scalar(Handle, other.Double, other.Long, other.Kind));
    /// <summary>Subtracts a scalar.</summary>
    public Tensor Sub(Scalar other) => FromNative(NativeMethods.tk_sub_scalar(Handle, other.Double, other.Long, other.Kind));
    /// <summary>Multiplies by a scalar.</summary>
    public Tensor Mul(Scalar other) => FromNative(NativeMethods.tk_mul_scalar(Handle, other.Double, other.Long, other.Kind));
    /// <summary>Divides by a scalar.</summary>
    public Tensor Div(Scalar other) => FromNative(NativeMethods.tk_div_scalar(Handle, other.Double, other.Long, other.Kind));
    /// <summary>Raises to a scalar power.</summary>
    public Tensor Pow(Scalar exponent) => FromNative(NativeMethods.tk_pow_scalar(Handle, exponent.Double, exponent.Long, exponent.Kind));

    // ---- comparisons (bool tensors) ----

    /// <summary>Elementwise ==.</summary>
    public Tensor Eq(Tensor other) => FromNative(NativeMethods.tk_eq(Handle, other.Handle));
    /// <summary>Elementwise !=.</summary>
    public Tensor Ne(Tensor other) => FromNative(NativeMethods.tk_ne(Handle, other.Handle));
    /// <summary>Elementwise &lt;.</summary>
    public Tensor Lt(Tensor other) => FromNative(NativeMethods.tk_lt(Handle, other.Handle));
    /// <summary>Elementwise &lt;=.</summary>
    public Tensor Le(Tensor other) => FromNative(NativeMethods.tk_le(Handle, other.Handle));
    /// <summary>Elementwise &gt;.</summary>
    public Tensor Gt(Tensor other) => FromNative(NativeMethods.tk_gt(Handle, other.Handle));
    /// <summary>Elementwise &gt;=.</summary>
    public Tensor Ge(Tensor other) => FromNative(NativeMethods.tk_ge(Handle, other.Handle));
    /// <summary>Elementwise == scalar.</summary>
    public Tensor Eq(Scalar other) => FromNative(NativeMethods.tk_eq_scalar(Handle, other.Double, other.Long, other.Kind));
    /// <summary>Elementwise != scalar.</summary>
    public Tensor Ne(Scalar other) => FromNative(NativeMethods.tk_ne_scalar(Handle, other.Double, other.Long, other.Kind));
    /// <summary>Elementwise &lt; scalar.</summary>
    public Tensor Lt(Scalar other) => FromNative(NativeMethods.tk_lt_scalar(Handle, other.Double, other.Long, other.Kind));
    /// <summary>Elementwise &lt;= scalar.</summary>
    public Tensor Le(Scalar other) => FromNative(NativeMethods.tk_le_scalar(Handle, other.Double, other.Long, other.Kind));
    /// <summary>Elementwise &gt; scalar.</summary>
    public Tensor Gt(Scalar other) => FromNative(NativeMethods.tk_gt_scalar(Handle, other.Double, other.Long, other.Kind));
    /// <summary>Elementwise &gt;= scalar.</summary>
    public Tensor Ge(Scalar other) => FromNative(NativeMethods.tk_ge_scalar(Handle, other.Double, other.Long, other.Kind));

    // ---- unary ----

    /// <summary>Negation.</summary>
    public Tensor Neg() => FromNative(NativeMethods.tk_neg(Handle));
    /// <summary>e to the power of each element.</summary>
    public Tensor Exp() => FromNative(NativeMethods.tk_exp(Handle));
    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => FromNative(NativeMethods.tk_log(Handle));
    /// <summary>Square root.</summary>
    public Tensor Sqrt() => FromNative(NativeMethods.tk_sqrt(Handle));
    /// <summary>Absolute value.</summary>
    public Tensor Abs() => FromNative(NativeMethods.tk_abs(Handle));
    /// <summary>Sign (-1, 0 or 1).</summary>
    public Tensor Sign() => FromNative(NativeMethods.tk_sign(Handle));
    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => FromNative(NativeMethods.tk_relu(Handle));
    /// <summary>Logistic sigmoid.</summary>
    public Tensor Sigmoid() => FromNative(NativeMethods.tk_sigmoid(Handle));
    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => FromNative(NativeMethods.tk_tanh(Handle));
    /// <summary>Logical not (bool result).</summary>
    public Tensor LogicalNot() => FromNative(NativeMethods.tk_logical_not(Handle));

    /// <summary>Limits each element to [min, max]; either bound may be omitted.</summary>
    public Tensor Clamp(double? min = null, double? max = null) =>
        FromNative(NativeMethods.tk_clamp(Handle, min.HasValue ? 1 : 0, min ?? 0, max.HasValue ? 1 : 0, max ?? 0));

    /// <summary>Elementwise choice: this tensor's elements where <paramref name="condition"/> holds, else <paramref name="other"/>'s.</summary>
    public Tensor Where(Tensor condition, Tensor other) =>
        FromNative(NativeMethods.tk_where(condition.Handle, Handle, other.Handle));

    // ---- in place (return this tensor for chaining) ----

    /// <summary>In place: this += alpha * other.</summary>
    public Tensor Add_(Tensor other, double alpha = 1)
    {
        Check(NativeMethods.tk_add_(Handle, other.Handle, alpha));
        return this;
    }

    /// <summary>In place: this += value.</summary>
    public Tensor Add_(Scalar value)
    {
        Check(NativeMethods.tk_add_scalar_(Handle, value.Double, value.Long, value.Kind));
        return this;
    }

    /// <summary>In place: this *= other.</summary>
    public Tensor Mul_(Tensor other)
    {
        Check(NativeMethods.tk_mul_(Handle, other.Handle));
        return this;
    }

    /// <summary>In place: this *= value.</summary>
    public Tensor Mul_(Scalar value)
    {
        Check(NativeMethods.tk_mul_scalar_(Handle, value.Double, value.Long, value.Kind));
        return this;
    }

    /// <summary>In place: this /= value.</summary>
    public Tensor Div_(Scalar value)
    {
        Check(NativeMethods.tk_div_scalar_(Handle, value.Double, value.Long, value.Kind));
        return this;
    }

    /// <summary>In place: copies <paramref name="source"/>'s values (broadcast, converted) into this tensor.</summary>
    public Tensor Copy_(Tensor source)
    {
        Check(NativeMethods.tk_copy_(Handle, source.Handle));
        return this;
    }

    /// <summary>In place: max(x, 0). Returns this tensor.</summary>
    public Tensor Relu_()
    {
        Check(NativeMethods.tk_relu_(Handle));
        return this;
    }

    /// <summary>In place: sets every element to zero.</summary>
    public Tensor Zero_()
    {
        Check(NativeMethods.tk_zero_(Handle));
        return this;
    }

    /// <summary>In place: sets every element to <paramref name="value"/>.</summary>
    public Tensor Fill_(Scalar value)
    {
        Check(NativeMethods.tk_fill_(Handle, value.Double, value.Long, value.Kind));
        return this;
    }

    /// <summary>In place: this += value * t1 * t2 (PyTorch's <c>addcmul_</c>).</summary>
    public Tensor AddCMul_(Tensor t1, Tensor t2, double value = 1)
    {
        Check(NativeMethods.tk_addcmul_(Handle, t1.Handle, t2.Handle, value));
        return this;
    }

    /// <summary>In place: this += value * t1 / t2 (PyTorch's <c>addcdiv_</c>).</summary>
    public Tensor AddCDiv_(Tensor t1, Tensor t2, double value = 1)
    {
        Check(NativeMethods.tk_addcdiv_(Handle, t1.Handle, t2.Handle, value));
        return this;
    }

    /// <summary>In place: limits each element to [min, max].</summary>
    public Tensor Clamp_(double? min = null, double? max = null)
    {
        Check(NativeMethods.tk_clamp_(Handle, min.HasValue ? 1 : 0, min ?? 0, max.HasValue ? 1 : 0, max ?? 0));
        return this;
    }
}
