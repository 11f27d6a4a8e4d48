using TransferKit.Engine;
namespace TransferKit.Tests.Engine;


[Trait("Category", "Unit")]
public class TensorOpsTests
{
    private static Tensor T(params float[] values) => Torch.FromArray(values);
    private static Tensor M(float[] values, long rows, long cols) => Torch.FromArray(values, rows, cols);

    [Fact]
    public void ArithmeticOperatorsWithTensorsAndScalars()
    {
        using var scope = Torch.NewDisposeScope();
        var a = T(1, 2, 3);
        var b = T(4, 5, 6);
        Assert.Equal(new float[] { 5, 7, 9 }, (a + b).ToArray<float>());
        Assert.Equal(new float[] { -3, -3, -3 }, (a - b).ToArray<float>());
        Assert.Equal(new float[] { 4, 10, 18 }, (a * b).ToArray<float>());
        Assert.Equal(new float[] { 0.25f, 0.4f, 0.5f }, (a / b).ToArray<float>());
        Assert.Equal(new float[] { 3, 4, 5 }, (a + 2).ToArray<float>());
        Assert.Equal(new float[] { 9, 8, 7 }, (10 - a).ToArray<float>());
        Assert.Equal(new float[] { 2, 4, 6 }, (2 * a).ToArray<float>());
        Assert.Equal(new float[] { 0.5f, 1, 1.5f }, (a / 2).ToArray<float>());
        Assert.Equal(new float[] { 6, 3, 2 }, (6 / a).ToArray<float>());
        Assert.Equal(new float[] { -1, -2, -3 }, (-a).ToArray<float>());
    }

    [Fact]
    public void IntegerScalarsKeepIntegerTensorsIntegralLikePytorch()
    {
        using var scope = Torch.NewDisposeScope();
        var i = Torch.FromArray(new long[] { 1, 2, 3 });
        var plusInt = i + 1;
        Assert.Equal(ScalarType.Int64, plusInt.Dtype);
        Assert.Equal(new long[] { 2, 3, 4 }, plusInt.ToArray<long>());
        Assert.Equal(ScalarType.Float32, (i + 0.5).Dtype);
        Assert.Equal(ScalarType.Float32, (i / 2).Dtype); // true division
    }

    [Fact]
    public void BroadcastingFollowsNumpyRules()
    {
        using var scope = Torch.NewDisposeScope();
        var col = M(new float[] { 1, 2 }, 2, 1);
        var row = T(10, 20, 30);
        var sum = col + row;
        Assert.Equal(new long[] { 2, 3 }, sum.Shape);
        Assert.Equal(new float[] { 11, 21, 31, 12, 22, 32 }, sum.ToArray<float>());
    }

    [Fact]
    public void ComparisonsReturnBoolTensors()
    {
        using var scope = Torch.NewDisposeScope();
        var a = T(1, 2, 3);
        var b = T(3, 2, 1);
        Assert.Equal(ScalarType.Bool, (a < b).Dtype);
        Assert.Equal(new[] { true, false, false }, (a < b).ToArray<bool>());
        Assert.Equal(new[] { true, true, false }, (a <= b).ToArray<bool>());
        Assert.Equal(new[] { false, false, true }, (a > b).ToArray<bool>());
        Assert.Equal(new[] { false, true, true }, (a >= b).ToArray<bool>());
        Assert.Equal(new[] { false, true, false }, a.Eq(b).ToArray<bool>());
        Assert.Equal(new[] { true, false, true }, a.Ne(b).ToArray<bool>());
        Assert.Equal(new[] { false, true, false }, a.Eq(2).ToArray<bool>());
        Assert.Equal(new[] { false, false, true }, (a > 2.5).ToArray<bool>());
        Assert.Equal(new[] { true, false, true }, a.Eq(2).LogicalNot().ToArray<bool>());
    }

    [Fact]
    public void UnaryFunctionsMatchHandComputedValues()
    {
        using var scope = Torch.NewDisposeScope();
        var x = T(1, 4, 9);
        Approx.Equal(new[] { MathF.E, MathF.Exp(4), MathF.Exp(9) }, x.Exp().ToArray<float>());
        Approx.Equal(new[] { 0f, MathF.Log(4), MathF.Log(9) }, x.Log().ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 3 }, x.Sqrt().ToArray<float>());
        Assert.Equal(new float[] { 1, 16, 81 }, x.Pow(2).ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 3 }, x.Pow(0.5).ToArray<float>());
        Assert.Equal(new float[] { 1, 64, 9 }, x.Pow(T(5, 3, 1)).ToArray<float>());
        Assert.Equal(new float[] { 2, 0, 3 }, T(-2, 0, 3).Abs().ToArray<float>());
        Assert.Equal(new float[] { -1, 0, 1 }, T(-2, 0, 3).Sign().ToArray<float>());
        Assert.Equal(new float[] { 0, 0, 3 }, T(-2, 0, 3).Relu().ToArray<float>());
        Assert.Equal(new float[] { -1, 0, 2 }, T(-2, 0, 3).Clamp(-1, 2).ToArray<float>());
        Assert.Equal(new float[] { 0, 0, 3 }, T(-2, 0, 3).Clamp(min: 0).ToArray<float>());
        Assert.Equal(new float[] { -2, 0, 1 }, T(-2, 0, 3).Clamp(max: 1).ToArray<float>());
        Approx.Equal(new[] { 0.5f, 1 / (1 + MathF.Exp(-2)) }, T(0, 2).Sigmoid().ToArray<float>());
        Approx.Equal(new[] { 0f, MathF.Tanh(1) }, T(0, 1).Tanh().ToArray<float>());
        Assert.Equal(new float[] { 4, 1 }, T(1, 2).Maximum(T(4, 1)).Minimum(T(9, 1)).ToArray<float>());
        Assert.Equal(new float[] { 1, 20 }, T(1, 2).Where(T(1, 0).Gt(0), T(10, 20)).ToArray<float>());
    }

    [Fact]
    public void MatMulMatchesAHandComputedProduct()
    {
        using var scope = Torch.NewDisposeScope();
        var a = M(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = M(new float[] { 7, 8, 9, 10, 11, 12 }, 3, 2);
        var c = a.MatMul(b);
        Assert.Equal(new long[] { 2, 2 }, c.Shape);
        Assert.Equal(new float[] { 58, 64, 139, 154 }, c.ToArray<float>());
        // matrix-vector and batched forms
        Assert.Equal(new float[] { 14, 32 }, a.MatMul(T(1, 2, 3)).ToArray<float>());
        var batch = Torch.Stack(new[] { a, a * 2 });
        Assert.Equal(new float[] { 58, 64, 139, 154, 116, 128, 278, 308 }, batch.MatMul(b).ToArray<float>());
    }

    [Fact]
    public void ReductionsOverAllElementsAndDimensions()
    {
        using var scope = Torch.NewDisposeScope();
        var m = M(new float[] { 1, 5, 3, 4, 2, 6 }, 2, 3);
        Assert.Equal(21f, m.Sum().Item<float>());
        Assert.Equal(3.5f, m.Mean().Item<float>());
        Assert.Equal(6f, m.Max().Item<float>());
        Assert.Equal(1f, m.Min().Item<float>());
        Assert.Equal(new float[] { 9, 12 }, m.Sum(1).ToArray<float>());
        Assert.Equal(new long[] { 2, 1 }, m.Sum(1, keepDim: true).Shape);
        Assert.Equal(new float[] { 2.5f, 3.5f, 4.5f }, m.Mean(0).ToArray<float>());
        Assert.Equal(21f, m.Sum(new long[] { 0, 1 }).Item<float>());
        var (values, indices) = m.Max(1);
        Assert.Equal(new float[] { 5, 6 }, values.ToArray<float>());
        Assert.Equal(new long[] { 1, 2 }, indices.ToArray<long>());
        var (minValues, minIndices) = m.Min(0);
        Assert.Equal(new float[] { 1, 2, 3 }, minValues.ToArray<float>());
        Assert.Equal(new long[] { 0, 1, 0 }, minIndices.ToArray<long>());
        Assert.Equal(5L, m.ArgMax().Item<long>());
        Assert.Equal(new long[] { 1, 2 }, m.ArgMax(1).ToArray<long>());
    }

    [Fact]
    public void TopKReturnsSortedValuesAndIndices()
    {
        using var scope = Torch.NewDisposeScope();
        var (values, indices) = T(3, 9, 1, 7, 5).TopK(3);
        Assert.Equal(new float[] { 9, 7, 5 }, values.ToArray<float>());
        Assert.Equal(new long[] { 1, 3, 4 }, indices.ToArray<long>());
        var (smallest, _) = T(3, 9, 1, 7, 5).TopK(2, largest: false);
        Assert.Equal(new float[] { 1, 3 }, smallest.ToArray<float>());
    }

    [Fact]
    public void SoftmaxAndLogSoftmaxMatchTheDefinition()
    {
        using var scope = Torch.NewDisposeScope();
        var logits = M(new float[] { 1, 2, 3, 1, 1, 1 }, 2, 3);
        float z = MathF.Exp(1) + MathF.Exp(2) + MathF.Exp(3);
        var expected = new[] { MathF.Exp(1) / z, MathF.Exp(2) / z, MathF.Exp(3) / z, 1 / 3f, 1 / 3f, 1 / 3f };
        Approx.Equal(expected, logits.Softmax(1).ToArray<float>());
        Approx.Equal(expected.Select(v => MathF.Log(v)).ToArray(), logits.LogSoftmax(-1).ToArray<float>());
    }

    [Fact]
    public void ShapeOperations()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Arange(24).Reshape(2, 3, 4);
        Assert.Equal(new long[] { 2, 3, 4 }, x.Shape);
        Assert.Equal(new long[] { 6, 4 }, x.View(-1, 4).Shape);
        Assert.Equal(new long[] { 4, 2, 3 }, x.Permute(2, 0, 1).Shape);
        var t = x.Transpose(0, 2);
        Assert.Equal(new long[] { 4, 3, 2 }, t.Shape);
        Assert.False(t.IsContiguous);
        Assert.True(t.Contiguous().IsContiguous);
        Assert.Equal(new long[] { 0, 12, 4, 16, 8, 20 }, t[0].Contiguous().ToArray<long>());
        Assert.Equal(new long[] { 2, 12 }, x.Flatten(1).Shape);
        Assert.Equal(new long[] { 24 }, x.Flatten().Shape);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, x.Unsqueeze(0).Shape);
        Assert.Equal(new long[] { 2, 3, 4 }, x.Unsqueeze(0).Squeeze().Shape);
        Assert.Equal(new long[] { 2, 3, 4 }, x.Unsqueeze(1).Squeeze(1).Shape);
        Assert.Equal(new long[] { 3, 4 }, M(new float[] { 1, 2, 3 }, 3, 1).Expand(3, 4).Shape);
        Assert.Equal(4, x.Size(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Size(3));
    }

    [Fact]
    public void CatAndStack()
    {
        using var scope = Torch.NewDisposeScope();
        var a = M(new float[] { 1, 2 }, 1, 2);
        var b = M(new float[] { 3, 4, 5, 6 }, 2, 2);
        var cat = Torch.Cat(new[] { a, b });
        Assert.Equal(new long[] { 3, 2 }, cat.Shape);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, cat.ToArray<float>());
        var stacked = Torch.Stack(new[] { T(1, 2), T(3, 4) }, dim: 1);
        Assert.Equal(new long[] { 2, 2 }, stacked.Shape);
        Assert.Equal(new float[] { 1, 3, 2, 4 }, stacked.ToArray<float>());
        Assert.Throws<ArgumentException>(() => Torch.Cat(Array.Empty<Tensor>()));
    }

    [Fact]
    public void IndexingSlicingAndSelection()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Arange(12).Reshape(3, 4);
        Assert.Equal(new long[] { 4, 5, 6, 7 }, x[1].ToArray<long>());
        Assert.Equal(new long[] { 8, 9, 10, 11 }, x[-1].ToArray<long>());
        Assert.Equal(6L, x[1, 2].Item<long>());
        Assert.Equal(new long[] { 4, 5, 6, 7, 8, 9, 10, 11 }, x[1..].ToArray<long>());
        Assert.Equal(new long[] { 0, 1, 2, 3 }, x[..^2].ToArray<long>());
        Assert.Equal(new long[] { 1, 3, 5, 7, 9, 11 }, x.Slice(1, 1, 4, 2).Contiguous().ToArray<long>());
        Assert.Equal(new long[] { 2, 6, 10 }, x.Select(1, 2).ToArray<long>());
        Assert.Equal(new long[] { 1, 2, 5, 6, 9, 10 }, x.Narrow(1, 1, 2).Contiguous().ToArray<long>());
        var rows = x.IndexSelect(0, Torch.FromArray(new long[] { 2, 0 }));
        Assert.Equal(new long[] { 8, 9, 10, 11, 0, 1, 2, 3 }, rows.ToArray<long>());
        Assert.Equal(new long[] { 9, 10, 11 }, x.MaskedSelect(x > 8).ToArray<long>());
    }

    [Fact]
    public void ViewsShareStorageWithTheirBase()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Zeros(2, 3);
        x.Select(0, 1).Fill_(7);
        Assert.Equal(new float[] { 0, 0, 0, 7, 7, 7 }, x.ToArray<float>());
    }

    [Fact]
    public void InPlaceUpdatesUsedByOptimizers()
    {
        using var scope = Torch.NewDisposeScope();
        var p = T(1, 2, 3);
        p.Add_(T(1, 1, 1), alpha: -0.5);
        Assert.Equal(new float[] { 0.5f, 1.5f, 2.5f }, p.ToArray<float>());
        p.Mul_(2);
        Assert.Equal(new float[] { 1, 3, 5 }, p.ToArray<float>());
        p.Mul_(T(2, 0, 1));
        Assert.Equal(new float[] { 2, 0, 5 }, p.ToArray<float>());
        p.Add_(1);
        Assert.Equal(new float[] { 3, 1, 6 }, p.ToArray<float>());
        p.Div_(2);
        Assert.Equal(new float[] { 1.5f, 0.5f, 3 }, p.ToArray<float>());
        p.AddCMul_(T(1, 2, 3), T(2, 2, 2), value: 0.5);  // p += 0.5 * t1 * t2
        Assert.Equal(new float[] { 2.5f, 2.5f, 6 }, p.ToArray<float>());
        p.AddCDiv_(T(1, 1, 1), T(2, 4, 8), value: 2);    // p += 2 * t1 / t2
        Assert.Equal(new float[] { 3.5f, 3, 6.25f }, p.ToArray<float>());
        p.Clamp_(max: 3.25);
        Assert.Equal(new float[] { 3.25f, 3, 3.25f }, p.ToArray<float>());
        p.Copy_(T(9, 8, 7));
        Assert.Equal(new float[] { 9, 8, 7 }, p.ToArray<float>());
        p.Zero_();
        Assert.Equal(new float[] { 0, 0, 0 }, p.ToArray<float>());
    }
}
