using TransferKit.Engine;
namespace TransferKit.Tests.Engine;


// Serial: Random_factories_... seeds the process-wide generator and expects the next draws; any test
// running beside it that draws random numbers (layer and model construction do) would interleave.
[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public class TensorCreationTests
{
    [Fact]
    public void ZerosOnesFullHaveShapeDtypeAndValues()
    {
        using var scope = Torch.NewDisposeScope();
        var z = Torch.Zeros(2, 3);
        Assert.Equal(new long[] { 2, 3 }, z.Shape);
        Assert.Equal(ScalarType.Float32, z.Dtype);
        Assert.Equal(2, z.NDim);
        Assert.Equal(6, z.Numel);
        Assert.All(z.ToArray<float>(), v => Assert.Equal(0f, v));

        var o = Torch.Ones(new long[] { 4 }, ScalarType.Int64);
        Assert.Equal(new long[] { 1, 1, 1, 1 }, o.ToArray<long>());

        var f = Torch.Full(new long[] { 2, 2 }, 2.5, ScalarType.Float64);
        Assert.Equal(new[] { 2.5, 2.5, 2.5, 2.5 }, f.ToArray<double>());
    }

    [Fact]
    public void ArangeMatchesPythonSemantics()
    {
        using var scope = Torch.NewDisposeScope();
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, Torch.Arange(5).ToArray<long>());
        Assert.Equal(new float[] { 1f, 1.5f, 2f, 2.5f }, Torch.Arange(1, 3, 0.5).ToArray<float>());
        Assert.Equal(new int[] { 10, 7, 4 }, Torch.Arange(10, 2, -3, ScalarType.Int32).ToArray<int>());
    }

    [Fact]
    public void FromArrayRoundTripsEverySupportedElementType()
    {
        using var scope = Torch.NewDisposeScope();
        Assert.Equal(new[] { 1.5f, -2f }, Torch.FromArray(new[] { 1.5f, -2f }).ToArray<float>());
        Assert.Equal(new[] { 1.25, 1e300 }, Torch.FromArray(new[] { 1.25, 1e300 }).ToArray<double>());
        Assert.Equal(new[] { long.MaxValue, -1L }, Torch.FromArray(new[] { long.MaxValue, -1L }).ToArray<long>());
        Assert.Equal(new[] { int.MinValue, 7 }, Torch.FromArray(new[] { int.MinValue, 7 }).ToArray<int>());
        Assert.Equal(new byte[] { 0, 255 }, Torch.FromArray(new byte[] { 0, 255 }).ToArray<byte>());
        Assert.Equal(new[] { true, false, true }, Torch.FromArray(new[] { true, false, true }).ToArray<bool>());
        Assert.Equal(new[] { (Half)0.5f, (Half)(-3f) }, Torch.FromArray(new[] { (Half)0.5f, (Half)(-3f) }).ToArray<Half>());

        var bf = Torch.FromArray(new[] { (BFloat16)1.5f, (BFloat16)(-0.25f) });
        Assert.Equal(ScalarType.BFloat16, bf.Dtype);
        Assert.Equal(new[] { 1.5f, -0.25f }, bf.To(ScalarType.Float32).ToArray<float>());

        var shaped = Torch.FromArray(new[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new long[] { 2, 3 }, shaped.Shape);
        Assert.Equal(ScalarType.Int32, shaped.Dtype);
    }

    [Fact]
    public void FromArrayRejectsAShapeThatDoesNotFitTheData()
    {
        var e = Assert.Throws<ArgumentException>(() => Torch.FromArray(new[] { 1f, 2f, 3f }, 2, 2));
        Assert.Contains("needs 4 elements but 3 were given", e.Message);
    }

    [Fact]
    public void ToArrayWithTheWrongElementTypeSaysHowToConvert()
    {
        using var t = Torch.Zeros(3);
        var e = Assert.Throws<InvalidOperationException>(() => t.ToArray<long>());
        Assert.Contains("float32", e.Message);
        Assert.Contains("To(ScalarType.Int64)", e.Message);
    }

    [Fact]
    public void ConversionsBetweenDtypesFollowPytorch()
    {
        using var scope = Torch.NewDisposeScope();
        var t = Torch.FromArray(new[] { 1.7f, -1.7f, 0f });
        Assert.Equal(new long[] { 1, -1, 0 }, t.To(ScalarType.Int64).ToArray<long>()); // truncation toward zero
        Assert.Equal(new[] { true, true, false }, t.To(ScalarType.Bool).ToArray<bool>());
        Assert.Equal(new byte[] { 1, 0, 0 }, Torch.FromArray(new[] { 1.2f, 0.4f, 0f }).To(ScalarType.Byte).ToArray<byte>());
    }

    [Fact]
    public void RandomFactoriesAreReproducibleWithASeedAndHaveTheRightDistribution()
    {
        using var scope = Torch.NewDisposeScope();
        Torch.ManualSeed(123);
        var a = Torch.Randn(1000).ToArray<float>();
        Torch.ManualSeed(123);
        var b = Torch.Randn(1000).ToArray<float>();
        Assert.Equal(a, b);
        Assert.InRange(a.Average(), -0.15, 0.15);

        var u = Torch.Rand(1000).ToArray<float>();
        Assert.All(u, v => Assert.InRange(v, 0f, 1f));
        var ints = Torch.RandInt(3, 6, new long[] { 500 }).ToArray<long>();
        Assert.All(ints, v => Assert.InRange(v, 3, 5));
        Assert.Equal(3, ints.Distinct().Count());
    }

    [Fact]
    public void ItemReadsOneElementInTheRequestedType()
    {
        using var scope = Torch.NewDisposeScope();
        Assert.Equal(2.5f, Torch.ScalarTensor(2.5).Item<float>());
        Assert.Equal(2.5, Torch.ScalarTensor(2.5, ScalarType.Float64).Item<double>());
        Assert.Equal(42L, Torch.FromArray(new[] { 42L }).Item<long>());
        Assert.True(Torch.FromArray(new[] { true }).Item<bool>());
        var e = Assert.Throws<TorchException>(() => Torch.Zeros(2).Item<float>());
        Assert.Contains("a Tensor with 2 elements cannot be converted to Scalar", e.Message);
    }

    [Fact]
    public void ToStringShowsDtypeShapeAndLeadingValues()
    {
        using var scope = Torch.NewDisposeScope();
        var t = Torch.FromArray(new[] { 1f, 2.5f, 3f, 4f, 5f, 6f }, 2, 3);
        Assert.Equal("tensor(float32, [2, 3]) [1, 2.5, 3, 4, 5, 6]", t.ToString());
        var big = Torch.Arange(100);
        Assert.Equal("tensor(int64, [100]) [0, 1, 2, 3, 4, 5, 6, 7, ... (100 values)]", big.ToString());
        var grad = Torch.Zeros(new long[] { 1 }, ScalarType.Float32, requiresGrad: true);
        Assert.Contains("requires_grad", grad.ToString());
        Assert.Equal("tensor(bool, [2]) [True, False]", Torch.FromArray(new[] { true, false }).ToString());
        grad.Dispose();
        Assert.Equal("tensor(disposed)", grad.ToString());
    }

    [CpuOnlyBuildFact] // skipped, with the reason, on a CUDA build (where the device works)
    public void CudaIsReportedUnavailableOnACpuBuildWithAClearMessage()
    {
        Assert.Equal(0, Torch.CudaDeviceCount);
        using var t = Torch.Zeros(2);
        var e = Assert.Throws<TorchException>(() => t.To(Device.Cuda));
        Assert.Contains("CUDA is not available", e.Message);
        Assert.Throws<TorchException>(() => Torch.Zeros(new long[] { 2 }, ScalarType.Float32, Device.Cuda));
    }

    [Fact]
    public void DeviceParsesPytorchSpellings()
    {
        Assert.Equal(Device.Cpu, Device.Parse("cpu"));
        Assert.Equal(Device.Cuda, Device.Parse("cuda"));
        Assert.Equal(Device.CudaAt(1), Device.Parse("CUDA:1"));
        Assert.Equal("cuda:0", Device.Cuda.ToString());
        Assert.Throws<FormatException>(() => Device.Parse("tpu"));
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        Assert.Equal(1f, (float)(BFloat16)1f);
        // 1 + 2^-8 is halfway between two bfloat16 values; ties go to the even mantissa (1.0).
        Assert.Equal(1f, (float)(BFloat16)(1f + 1f / 256));
        Assert.Equal(1f + 1f / 64, (float)(BFloat16)(1f + 1f / 64));
        Assert.True(float.IsNaN((BFloat16)float.NaN));
    }
}
