using TransferKit.Engine;
namespace TransferKit.Tests.Engine;


[Trait("Category", "Unit")]
public class AutogradTests
{
    [Fact]
    public void GradientOfASumOfSquaresIsTwiceTheInput()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.FromArray(new[] { 1f, -2f, 3f }).RequiresGrad_();
        var loss = (x * x).Sum();
        loss.Backward();
        Assert.Equal(new float[] { 2, -4, 6 }, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void GradientsOfAMatmulAreTheTransposedOperands()
    {
        using var scope = Torch.NewDisposeScope();
        // L = sum(A @ B): dL/dA = 1 @ B^T (row sums of B), dL/dB = A^T @ 1 (column sums of A).
        var a = Torch.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3).RequiresGrad_();
        var b = Torch.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2).RequiresGrad_();
        a.MatMul(b).Sum().Backward();
        Assert.Equal(new float[] { 3, 7, 11, 3, 7, 11 }, a.Grad!.ToArray<float>());
        Assert.Equal(new float[] { 5, 5, 7, 7, 9, 9 }, b.Grad!.ToArray<float>());
    }

    [Fact]
    public void GradientOfCrossEntropyBuiltFromLogSoftmaxIsSoftmaxMinusOneHot()
    {
        using var scope = Torch.NewDisposeScope();
        var logits = Torch.FromArray(new float[] { 1, 2, 3 }).RequiresGrad_();
        // loss = -log(softmax(z)[target]) for target 0
        var loss = -logits.LogSoftmax(0).Select(0, 0);
        loss.Backward();
        float z = MathF.Exp(1) + MathF.Exp(2) + MathF.Exp(3);
        var expected = new[] { MathF.Exp(1) / z - 1, MathF.Exp(2) / z, MathF.Exp(3) / z };
        Approx.Equal(expected, logits.Grad!.ToArray<float>());
        Assert.Equal(-MathF.Log(MathF.Exp(1) / z), loss.Item<float>(), 5);
    }

    [Fact]
    public void GradientThroughSoftmaxThenLogMatchesLogSoftmax()
    {
        using var scope = Torch.NewDisposeScope();
        var a = Torch.FromArray(new float[] { 0.5f, -1, 2 }).RequiresGrad_();
        var weights = Torch.FromArray(new float[] { 1, 2, 3 });
        (a.Softmax(0).Log() * weights).Sum().Backward();
        var viaSoftmaxLog = a.Grad!.ToArray<float>();

        var b = Torch.FromArray(new float[] { 0.5f, -1, 2 }).RequiresGrad_();
        (b.LogSoftmax(0) * weights).Sum().Backward();
        // Analytic: d/dz_i sum_j w_j log p_j = w_i - p_i * sum_j w_j
        float[] z = { 0.5f, -1, 2 };
        float s = z.Sum(MathF.Exp);
        var analytic = z.Select((v, i) => (i + 1) - MathF.Exp(v) / s * 6).ToArray();
        Approx.Equal(analytic, viaSoftmaxLog, 1e-5);
        Approx.Equal(analytic, b.Grad!.ToArray<float>(), 1e-5);
    }

    [Fact]
    public void BackwardWithAnExplicitGradientForANonScalarOutput()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.FromArray(new[] { 1f, 2f }).RequiresGrad_();
        var y = x * 3;
        y.Backward(Torch.FromArray(new[] { 1f, 10f }));
        Assert.Equal(new float[] { 3, 30 }, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void GradientsAccumulateUntilCleared()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.FromArray(new[] { 2f }).RequiresGrad_();
        Assert.Null(x.Grad);
        (x * x).Sum().Backward();
        (x * x).Sum().Backward();
        Assert.Equal(8f, x.Grad!.Item<float>());
        x.ClearGrad();
        Assert.Null(x.Grad);
        (x * 5).Sum().Backward();
        Assert.Equal(5f, x.Grad!.Item<float>());
        x.Grad!.Zero_();
        Assert.Equal(0f, x.Grad!.Item<float>());
    }

    [Fact]
    public void NoGradStopsRecordingAndRestoresThePreviousMode()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Ones(new long[] { 2 }, ScalarType.Float32, requiresGrad: true);
        Assert.True(Torch.IsGradEnabled);
        using (Torch.NoGrad())
        {
            Assert.False(Torch.IsGradEnabled);
            Assert.False((x * 2).RequiresGrad);
            using (Torch.EnableGrad())
                Assert.True((x * 2).RequiresGrad);
            Assert.False(Torch.IsGradEnabled);
        }
        Assert.True(Torch.IsGradEnabled);
        Assert.True((x * 2).RequiresGrad);
    }

    [Fact]
    public void DetachCutsTheGraphButSharesData()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.FromArray(new[] { 1f, 2f }).RequiresGrad_();
        var y = (x * 2).Detach();
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
        Assert.False((x * 2).IsLeaf);
        var d = x.Detach();
        using (Torch.NoGrad()) d.Add_(1);
        Assert.Equal(new float[] { 2, 3 }, x.ToArray<float>());
    }

    [Fact]
    public void BackwardOnATensorWithoutGradRaisesLibtorchsMessage()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Ones(2);
        var e = Assert.Throws<TorchException>(() => x.Sum().Backward());
        Assert.Contains("does not require grad", e.Message);
    }
}

/// <summary>
/// Deterministic mode and the intra-op thread count are process-wide settings: switching them beside
/// other tests would change how those run, so this runs in the serial collection.
/// </summary>
[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public class ProcessSettingsTests
{
    [Fact]
    public void DeterministicModeAndThreadCountCanBeSwitched()
    {
        bool before = Torch.AreDeterministicAlgorithmsEnabled;
        try
        {
            Torch.UseDeterministicAlgorithms(true);
            Assert.True(Torch.AreDeterministicAlgorithmsEnabled);
        }
        finally
        {
            Torch.UseDeterministicAlgorithms(before);
        }

        int threads = Torch.NumThreads;
        Assert.Equal(ExpectedDefaultThreads(), threads);
        try
        {
            Torch.NumThreads = 1;
            Assert.Equal(1, Torch.NumThreads);
        }
        finally
        {
            Torch.NumThreads = threads;
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Torch.NumThreads = 0);
    }

    /// <summary>TransferKit's start-up thread count: TRANSFERKIT_NUM_THREADS, else OMP_NUM_THREADS (OpenMP's), else every logical core.</summary>
    private static int ExpectedDefaultThreads() =>
        int.TryParse(Environment.GetEnvironmentVariable("TRANSFERKIT_NUM_THREADS"), out int requested) && requested > 0 ? requested
        : int.TryParse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), out int omp) && omp > 0 ? omp
        : Environment.ProcessorCount;
}
