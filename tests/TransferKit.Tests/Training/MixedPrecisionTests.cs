using TransferKit.Data;
using TransferKit.Training;

namespace TransferKit.Tests.Training;

/// <summary>
/// Loss scaling, per-device autocast and the trainer's device settings, checked on the CPU (the CUDA
/// paths run in tests/TransferKit.Cuda.Tests on a GPU machine).
/// </summary>
[Trait("Category", "Unit")]
public class MixedPrecisionTests
{
    [Fact]
    public void TheGradScalerScalesTheLossUnscalesTheGradientsAndGrowsAfterTheGrowthInterval()
    {
        using var w = Torch.Ones(new long[] { 3 }, ScalarType.Float32, requiresGrad: true);
        using var optimizer = new SGD(new[] { w }, 0.5);
        using var scaler = new GradScaler(new GradScalerOptions { InitialScale = 8, GrowthInterval = 2 });
        for (int step = 1; step <= 2; step++)
        {
            using (var loss = w.Mul(2.0).Sum())
            using (var scaled = scaler.Scale(loss))
            {
                Assert.Equal(loss.Item<float>() * 8, scaled.Item<float>(), 4);
                scaled.Backward();
            }
            scaler.Unscale_(optimizer);
            using (var g = w.Grad!) Assert.All(g.ToArray<float>(), v => Assert.Equal(2f, v));   // the true gradient
            Assert.True(scaler.Step(optimizer));
            scaler.Update();
            optimizer.ZeroGrad();
        }
        Assert.Equal(16, scaler.CurrentScale);                         // doubled after 2 clean steps
        Assert.All(w.ToArray<float>(), v => Assert.Equal(1f - 2 * 0.5f * 2, v, 5));
        Assert.Equal(0, scaler.SkippedSteps);
    }

    [Fact]
    public void TheGradScalerSkipsTheStepAndBacksOffWhenAGradientIsNotFinite()
    {
        using var w = Torch.Ones(new long[] { 2 }, ScalarType.Float32, requiresGrad: true);
        using var optimizer = new SGD(new[] { w }, 0.5);
        using var scaler = new GradScaler(new GradScalerOptions { InitialScale = 1024 });
        using (var loss = w.Mul(double.NaN).Sum()) scaler.Scale(loss).Backward();
        Assert.False(scaler.Step(optimizer));
        scaler.Update();
        Assert.Equal(512, scaler.CurrentScale);
        Assert.Equal(1, scaler.SkippedSteps);
        Assert.All(w.ToArray<float>(), v => Assert.Equal(1f, v));     // untouched
        Assert.Throws<InvalidOperationException>(() => { scaler.Unscale_(optimizer); scaler.Unscale_(optimizer); });
    }

    [Fact]
    public void GradScalerOptionsListEveryInvalidSetting()
    {
        var e = Assert.Throws<ArgumentException>(() => new GradScaler(new GradScalerOptions { InitialScale = 0, GrowthFactor = 1, BackoffFactor = 2, GrowthInterval = 0 }));
        foreach (var name in new[] { "InitialScale", "GrowthFactor", "BackoffFactor", "GrowthInterval" }) Assert.Contains(name, e.Message);
    }

    [Fact]
    public void TrainerOptionsRefuseFloat16AutocastOffTheGpuAndBothAutocastsAtOnce()
    {
        var e = Assert.Throws<ArgumentException>(() => new TrainerOptions { UseFloat16Autocast = true, UseBFloat16Autocast = true }.Validate());
        Assert.Contains("exclusive", e.Message);
        Assert.Contains("needs a CUDA Device", e.Message);
        var scalerOnly = Assert.Throws<ArgumentException>(() => new TrainerOptions { GradScalerOptions = new GradScalerOptions() }.Validate());
        Assert.Contains("UseFloat16Autocast is off", scalerOnly.Message);
    }

    [Fact]
    public void CpuAutocastAcceptsOnlyBFloat16AndCudaAutocastOnlyHalfPrecisions()
    {
        Assert.Throws<ArgumentException>(() => Torch.Autocast(Device.Cpu, ScalarType.Float16));
        Assert.Throws<ArgumentException>(() => Torch.Autocast(Device.Cuda, ScalarType.Float32));
        using var a = Torch.Randn(8, 8);
        using (Torch.Autocast(Device.Cpu, ScalarType.BFloat16))
        using (var product = a.MatMul(a))
            Assert.Equal(ScalarType.BFloat16, product.Dtype);
        using var after = a.MatMul(a);
        Assert.Equal(ScalarType.Float32, after.Dtype);
    }

    [Fact]
    public void ABatchMovedToTheDeviceItIsOnIsAnIndependentCopyOfTheSameValues()
    {
        using var batch = new Batch(Torch.Randn(4, 3, 2, 2), Torch.FromArray(new long[] { 0, 1, 2, 3 }));
        using var moved = batch.To(Device.Cpu, nonBlocking: true);
        Assert.Equal(batch.PixelValues.ToArray<float>(), moved.PixelValues.ToArray<float>());
        Assert.Equal(batch.Targets.ToArray<long>(), moved.Targets.ToArray<long>());
        moved.Dispose();
        Assert.Equal(4, batch.PixelValues.Size(0));                    // the original is still alive
    }
}

/// <summary>What a CPU-only libtorch says when asked for CUDA features.</summary>
[Trait("Category", "Unit")]
public class CpuOnlyCudaRefusalTests
{
    [CpuOnlyBuildFact]
    public void CudaFeaturesOnACpuOnlyBuildFailWithAClearMessage()
    {
        Assert.False(Cuda.IsAvailable);
        Assert.Equal(0, Cuda.DeviceCount);
        var sync = Assert.Throws<TorchException>(() => Cuda.Synchronize());
        Assert.Contains("CUDA is not available", sync.Message);
        var autocast = Assert.Throws<TorchException>(() => Torch.Autocast(Device.Cuda, ScalarType.Float16));
        Assert.Contains("CUDA is not available", autocast.Message);
        using var t = Torch.Ones(2);
        Assert.False(t.IsPinned);
        Assert.ThrowsAny<TorchException>(() => t.PinMemory());
        var options = new TrainerOptions { Device = Device.Cuda, UseFloat16Autocast = true };
        options.Validate();                                            // consistent settings; the device is checked when used
    }

    [CpuOnlyBuildFact]
    public void PinMemoryIsIgnoredWhereNoGpuIsUsableAsInPyTorch()
    {
        var dataset = new SyntheticShapesDataset(new[] { ShapeKind.Circle, ShapeKind.Square }, 8, imageSize: 16, seed: 4);
        var transform = new TransferKit.Data.Transforms.Compose(new TransferKit.Data.Transforms.HwcToChw(), new TransferKit.Data.Transforms.ToTensor());
        var pinned = new DataLoader(dataset, new DataLoaderOptions { BatchSize = 4, PinMemory = true }, transform);
        var plain = new DataLoader(dataset, new DataLoaderOptions { BatchSize = 4 }, transform);
        foreach (var (a, b) in pinned.Zip(plain))
        {
            using (a)
            using (b)
            {
                Assert.False(a.PixelValues.IsPinned);
                Assert.Equal(b.PixelValues.ToArray<float>(), a.PixelValues.ToArray<float>());
            }
        }
    }
}
