using TransferKit.NN;
using TransferKit.Training;

namespace TransferKit.CudaTests;

/// <summary>Tensors, copies, autocast, loss scaling and errors on a CUDA device.</summary>
[Trait("Category", "Integration")]
public class CudaEngineTests
{
    private static readonly Device Gpu = Device.Cuda;

    [CudaFact]
    public void ATensorGoesToTheGpuAndComesBackUnchanged()
    {
        using var cpu = Torch.Arange(0, 1000).Reshape(10, 100);
        using var gpu = cpu.To(Gpu);
        Assert.Equal(DeviceType.Cuda, gpu.Device.Type);
        Assert.Equal(0, gpu.Device.Index);
        using var back = gpu.Mul(2.0).To(Device.Cpu);
        Assert.Equal(cpu.ToArray<float>().Select(v => v * 2), back.ToArray<float>());
    }

    [CudaFact]
    public void APinnedTensorCopiesToTheGpuWithoutBlockingAndArrivesIntact()
    {
        using var cpu = Torch.Randn(64, 3, 32, 32);
        Assert.False(cpu.IsPinned);
        using var pinned = cpu.PinMemory();
        Assert.True(pinned.IsPinned);
        using var gpu = pinned.To(Gpu, nonBlocking: true);
        Cuda.Synchronize();
        using var back = gpu.To(Device.Cpu);
        Assert.Equal(cpu.ToArray<float>(), back.ToArray<float>());
    }

    [CudaFact]
    public void CudaAutocastRunsConvolutionsInTheRequestedPrecisionAndRestoresTheStateAfterwards()
    {
        using var conv = new Conv2d(3, 8, 3);
        conv.To(Gpu);
        using var x = Torch.Randn(new long[] { 2, 3, 16, 16 }, ScalarType.Float32, Gpu);
        using (Torch.Autocast(Gpu, ScalarType.Float16))
        {
            using var y = conv.Forward(x);
            Assert.Equal(ScalarType.Float16, y.Dtype);
            using (Torch.Autocast(Gpu, ScalarType.BFloat16))
            {
                using var z = conv.Forward(x);
                Assert.Equal(ScalarType.BFloat16, z.Dtype);
            }
            using var again = conv.Forward(x);
            Assert.Equal(ScalarType.Float16, again.Dtype);
        }
        using var plain = conv.Forward(x);
        Assert.Equal(ScalarType.Float32, plain.Dtype);
    }

    [CudaFact]
    public void TheGradScalerUnscalesOnTheGpuAndSkipsTheStepWhenAGradientOverflows()
    {
        using var w = Torch.Ones(new long[] { 4 }, ScalarType.Float32, Gpu, requiresGrad: true);
        using var optimizer = new SGD(new[] { w }, 0.1);
        using var scaler = new GradScaler(new GradScalerOptions { InitialScale = 1024, GrowthInterval = 1 });

        using (var loss = w.Sum()) scaler.Scale(loss).Backward();
        using (var g = w.Grad!) Assert.All(g.To(Device.Cpu).ToArray<float>(), v => Assert.Equal(1024f, v));
        Assert.True(scaler.Step(optimizer));
        scaler.Update();
        Assert.Equal(2048, scaler.CurrentScale);                 // grew after one clean step (GrowthInterval = 1)
        using (var moved = w.To(Device.Cpu)) Assert.All(moved.ToArray<float>(), v => Assert.Equal(0.9f, v, 1e-6f));

        optimizer.ZeroGrad();
        using (var loss = w.Mul(float.PositiveInfinity).Sum()) scaler.Scale(loss).Backward();
        Assert.False(scaler.Step(optimizer));
        scaler.Update();
        Assert.Equal(1024, scaler.CurrentScale);                 // backed off after the overflow
        Assert.Equal(1, scaler.SkippedSteps);
        using (var unchanged = w.To(Device.Cpu)) Assert.All(unchanged.ToArray<float>(), v => Assert.Equal(0.9f, v, 1e-6f));
    }

    [CudaFact]
    public void AskingForMoreMemoryThanTheGpuHasThrowsOutOfMemoryAndTheGpuStaysUsable()
    {
        var e = Assert.Throws<TorchOutOfMemoryException>(() => Torch.Empty(new long[] { 1L << 40 }, ScalarType.Float32, Gpu));
        Assert.Contains("out of memory", e.Message, StringComparison.OrdinalIgnoreCase);
        using var small = Torch.Ones(new long[] { 1000 }, ScalarType.Float32, Gpu);
        Assert.Equal(1000.0, small.Sum().Item<float>(), 3);
    }

    [CudaFact]
    public void CudnnBenchmarkCanBeSwitchedOnAndOff()
    {
        bool before = Cuda.CudnnBenchmark;
        try
        {
            Cuda.CudnnBenchmark = true;
            Assert.True(Cuda.CudnnBenchmark);
            Cuda.CudnnBenchmark = false;
            Assert.False(Cuda.CudnnBenchmark);
        }
        finally
        {
            Cuda.CudnnBenchmark = before;
        }
    }
}
