using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Tests.NN;


[Collection(SerialCollection.Name)] // one test reads the process-wide live tensor count
[Trait("Category", "Unit")]
public class LayerTests
{
    [Fact]
    public void LinearComputesXWTPlusB()
    {
        using var scope = Torch.NewDisposeScope();
        using var fc = new Linear(2, 3);
        using (Torch.NoGrad())
        {
            fc.Weight.Copy_(Torch.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2));
            fc.Bias!.Copy_(Torch.FromArray(new float[] { 0.5f, 0, -1 }));
        }
        var y = fc.Forward(Torch.FromArray(new float[] { 1, 1, 2, 0 }, 2, 2));
        Assert.Equal(new float[] { 3.5f, 7, 10, 2.5f, 6, 9 }, y.ToArray<float>());
    }

    [Fact]
    public void GeluGradientsAreRightWhenTheGradientArrivesTransposed()
    {
        // conv -> GELU -> transpose: libtorch 1.13's oneDNN GELU backward misreads a transposed gradient
        // (errors of 1 to 1e30 in float32). Compared with the same computation in float64.
        using var scope = Torch.NewDisposeScope();
        Torch.ManualSeed(5);
        var x = Torch.Randn(4, 64, 50).RequiresGrad_();
        var w = Torch.Randn(4, 50, 64);
        Functional.Gelu(x).Transpose(1, 2).Mul(w).Sum().Backward();
        var x64 = x.Detach().To(ScalarType.Float64).RequiresGrad_();
        Functional.Gelu(x64).Transpose(1, 2).Mul(w.To(ScalarType.Float64)).Sum().Backward();
        var expected = x64.Grad!.ToArray<double>();
        var actual = x.Grad!.ToArray<float>();
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst < 1e-4, $"largest gradient error {worst}");
    }

    [Fact]
    public void DefaultInitialisationFollowsPytorchsBounds()
    {
        using var fc = new Linear(400, 50);
        float bound = 1 / MathF.Sqrt(400);
        var w = fc.Weight.ToArray<float>();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.True(w.Max() > 0.9f * bound && w.Min() < -0.9f * bound, "weights should fill U(-1/sqrt(in), 1/sqrt(in))");
        using var conv = new Conv2d(8, 16, 3);
        float convBound = 1 / MathF.Sqrt(8 * 9);
        Assert.All(conv.Weight.ToArray<float>(), v => Assert.InRange(v, -convBound, convBound));
        Assert.All(conv.Bias!.ToArray<float>(), v => Assert.InRange(v, -convBound, convBound));
    }

    [Fact]
    public void Conv2dMatchesAHandComputedConvolution()
    {
        using var scope = Torch.NewDisposeScope();
        using var conv = new Conv2d(1, 1, 2, bias: true);
        using (Torch.NoGrad())
        {
            conv.Weight.Copy_(Torch.FromArray(new float[] { 1, 0, 0, -1 }, 1, 1, 2, 2));
            conv.Bias!.Fill_(10);
        }
        var x = Torch.Arange(0, 9).Reshape(1, 1, 3, 3);
        // Each output is x[i,j] - x[i+1,j+1] + 10 = -4 + 10.
        Assert.Equal(new float[] { 6, 6, 6, 6 }, conv.Forward(x).ToArray<float>());
        using var strided = new Conv2d(1, 2, 3, stride: 2, padding: 1);
        Assert.Equal(new long[] { 1, 2, 2, 2 }, strided.Forward(x).Shape);
    }

    [Fact]
    public void BatchNormTrainingNormalisesWithBatchStatsAndUpdatesRunningStats()
    {
        using var scope = Torch.NewDisposeScope();
        using var bn = new BatchNorm1d(2, momentum: 0.1);
        var x = Torch.FromArray(new float[] { 1, 10, 3, 20 }, 2, 2); // feature 0: {1,3}, feature 1: {10,20}
        var y = bn.Forward(x).ToArray<float>();
        float n0 = 1 / MathF.Sqrt(1 + 1e-5f), n1 = 5 / MathF.Sqrt(25 + 1e-5f);
        Approx.Equal(new[] { -n0, -n1, n0, n1 }, y);
        // running = 0.9 * old + 0.1 * batch (unbiased variance)
        Approx.Equal(new[] { 0.2f, 1.5f }, bn.RunningMean!.ToArray<float>());
        Approx.Equal(new[] { 0.9f + 0.1f * 2, 0.9f + 0.1f * 50 }, bn.RunningVar!.ToArray<float>());
        Assert.Equal(1L, bn.NumBatchesTracked!.Item<long>());

        bn.Eval();
        var evalOut = bn.Forward(x).ToArray<float>();
        Approx.Equal(new[] { (1 - 0.2f) / MathF.Sqrt(1.1f + 1e-5f), (10 - 1.5f) / MathF.Sqrt(5.9f + 1e-5f) }, evalOut.Take(2).ToArray(), 1e-4);
        Assert.Equal(1L, bn.NumBatchesTracked!.Item<long>());
    }

    [Fact]
    public void BatchNormInInferenceModeWhileTrainingLeavesRunningStatsAlone()
    {
        using var scope = Torch.NewDisposeScope();
        using var bn = new BatchNorm2d(3) { UseRunningStatsInTraining = true };
        bn.Train();
        var x = Torch.Randn(4, 3, 2, 2) * 5 + 3;
        var y = bn.Forward(x);
        Assert.Equal(x.ToArray<float>().Select(v => v / MathF.Sqrt(1 + 1e-5f)).ToArray(), y.ToArray<float>());
        Assert.Equal(new float[] { 0, 0, 0 }, bn.RunningMean!.ToArray<float>());
        Assert.Equal(0L, bn.NumBatchesTracked!.Item<long>());
    }

    [Fact]
    public void BatchNormRejectsTheWrongRankWithAClearMessage()
    {
        using var bn = new BatchNorm2d(3);
        using var x = Torch.Zeros(2, 3);
        var e = Assert.Throws<ArgumentException>(() => bn.Forward(x));
        Assert.Contains("BatchNorm2d expects a 4-D input; got [2, 3]", e.Message);
    }

    [Fact]
    public void PoolingLayers()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Arange(0, 16).Reshape(1, 1, 4, 4);
        using var max = new MaxPool2d(2);
        Assert.Equal(new float[] { 5, 7, 13, 15 }, max.Forward(x).ToArray<float>());
        using var avg = new AvgPool2d(2);
        Assert.Equal(new float[] { 2.5f, 4.5f, 10.5f, 12.5f }, avg.Forward(x).ToArray<float>());
        using var gap = new AdaptiveAvgPool2d(1);
        Assert.Equal(new float[] { 7.5f }, gap.Forward(x).ToArray<float>());
        using var flatten = new Flatten();
        Assert.Equal(new long[] { 1, 16 }, flatten.Forward(x).Shape);
    }

    [Fact]
    public void ActivationsMatchTheirDefinitions()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.FromArray(new float[] { -4, -1, 0, 1, 7 });
        float[] v = x.ToArray<float>();
        Assert.Equal(v.Select(a => Math.Clamp(a, 0, 6)).ToArray(), new ReLU6().Forward(x).ToArray<float>());
        Approx.Equal(v.Select(a => a / (1 + MathF.Exp(-a))).ToArray(), new SiLU().Forward(x).ToArray<float>());
        Approx.Equal(v.Select(a => a * Math.Clamp(a + 3, 0, 6) / 6).ToArray(), new Hardswish().Forward(x).ToArray<float>());
        Approx.Equal(v.Select(a => Math.Clamp(a + 3, 0, 6) / 6).ToArray(), new Hardsigmoid().Forward(x).ToArray<float>());
        // GELU(1) = 0.5 * (1 + erf(1/sqrt 2)) = 0.8413447
        Assert.Equal(0.8413447f, new GELU().Forward(x).ToArray<float>()[3], 5);
        Assert.Equal(v, new Identity().Forward(x).ToArray<float>());
    }

    [Fact]
    public void DropoutIsActiveOnlyInTraining()
    {
        using var scope = Torch.NewDisposeScope();
        using var dropout = new Dropout(0.5);
        var x = Torch.Ones(10000);
        var trained = dropout.Forward(x).ToArray<float>();
        Assert.All(trained, v => Assert.True(v == 0 || v == 2));
        Assert.InRange(trained.Count(v => v == 0), 4500, 5500);
        dropout.Eval();
        Assert.All(dropout.Forward(x).ToArray<float>(), v => Assert.Equal(1f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5));
    }

    [Fact]
    public void LayerNormNormalisesTheLastDimension()
    {
        using var scope = Torch.NewDisposeScope();
        using var ln = new LayerNorm(4);
        var y = ln.Forward(Torch.FromArray(new float[] { 1, 2, 3, 4 }, 1, 4)).ToArray<float>();
        float sd = MathF.Sqrt(1.25f + 1e-5f);
        Approx.Equal(new[] { -1.5f / sd, -0.5f / sd, 0.5f / sd, 1.5f / sd }, y);
    }

    [Fact]
    public void SequentialChainsNamesChildrenByPositionAndFreesIntermediates()
    {
        using var scope = Torch.NewDisposeScope();
        using var seq = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, seq.NamedParameters().Select(p => p.Name));
        Assert.IsType<ReLU>(seq[1]);
        var x = Torch.Randn(5, 3);
        long before = SerialCollection.SettledLiveTensorCount();
        var y = seq.Forward(x);
        Assert.Equal(new long[] { 5, 2 }, y.Shape);
        Assert.Equal(before + 1, Torch.LiveTensorCount); // only the output survives
    }
}
