using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Tests.NN;


[Trait("Category", "Unit")]
public class LossTests
{
    private static readonly float[] Logits = { 1, 2, 3, 1, 1, 1 };

    private static float LogSoftmax(float[] row, int k) => row[k] - MathF.Log(row.Sum(MathF.Exp));

    [Fact]
    public void CrossEntropyIsTheMeanNegativeLogLikelihood()
    {
        using var scope = Torch.NewDisposeScope();
        var logits = Torch.FromArray(Logits, 2, 3);
        var target = Torch.FromArray(new long[] { 2, 0 });
        float expected = -(LogSoftmax(new float[] { 1, 2, 3 }, 2) + LogSoftmax(new float[] { 1, 1, 1 }, 0)) / 2;
        Assert.Equal(expected, Functional.CrossEntropy(logits, target).Item<float>(), 5);
        Assert.Equal(expected * 2, Functional.CrossEntropy(logits, target, reduction: Reduction.Sum).Item<float>(), 5);
        Assert.Equal(new long[] { 2 }, Functional.CrossEntropy(logits, target, reduction: Reduction.None).Shape);
        Assert.Equal(expected, Functional.NllLoss(logits.LogSoftmax(1), target).Item<float>(), 5);
    }

    [Fact]
    public void CrossEntropyWithClassWeightsIgnoreIndexAndLabelSmoothing()
    {
        using var scope = Torch.NewDisposeScope();
        var logits = Torch.FromArray(Logits, 2, 3);
        var target = Torch.FromArray(new long[] { 2, 0 });
        var weights = Torch.FromArray(new float[] { 3, 1, 1 });
        float l0 = -LogSoftmax(new float[] { 1, 2, 3 }, 2), l1 = -LogSoftmax(new float[] { 1, 1, 1 }, 0);
        // weighted mean: sum(w_t * l) / sum(w_t)
        Assert.Equal((1 * l0 + 3 * l1) / 4, Functional.CrossEntropy(logits, target, weights).Item<float>(), 5);
        // ignoring the second sample leaves only the first
        var ignored = Torch.FromArray(new long[] { 2, -100 });
        Assert.Equal(l0, Functional.CrossEntropy(logits, ignored).Item<float>(), 5);
        // label smoothing ε: (1-ε) * nll + ε * mean over classes of -log p
        float eps = 0.1f;
        float[] row0 = { 1, 2, 3 };
        float smooth0 = (1 - eps) * l0 + eps * -Enumerable.Range(0, 3).Average(k => LogSoftmax(row0, k));
        float smooth1 = (1 - eps) * l1 + eps * l1; // uniform row: every class has the same log-prob
        Assert.Equal((smooth0 + smooth1) / 2, Functional.CrossEntropy(logits, target, labelSmoothing: eps).Item<float>(), 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.CrossEntropy(logits, target, labelSmoothing: 2));
    }

    [Fact]
    public void CrossEntropyWithABadTargetRaisesLibtorchsMessage()
    {
        using var scope = Torch.NewDisposeScope();
        var logits = Torch.FromArray(Logits, 2, 3);
        var e = Assert.Throws<TorchException>(() => Functional.CrossEntropy(logits, Torch.FromArray(new long[] { 2, 7 })));
        Assert.Contains("out of bounds", e.Message);
    }

    [Fact]
    public void BceWithLogitsAndMse()
    {
        using var scope = Torch.NewDisposeScope();
        var logits = Torch.FromArray(new float[] { 0, 2 });
        var target = Torch.FromArray(new float[] { 1, 0 });
        float expected = (MathF.Log(2) + (2 + MathF.Log(1 + MathF.Exp(-2)))) / 2;
        Assert.Equal(expected, Functional.BinaryCrossEntropyWithLogits(logits, target).Item<float>(), 5);
        Assert.Equal((1 + 4) / 2f, Functional.MseLoss(logits, target).Item<float>());
    }

    [Fact]
    public void GradientOfCrossEntropyIsSoftmaxMinusOneHotOverBatch()
    {
        using var scope = Torch.NewDisposeScope();
        var logits = Torch.FromArray(Logits, 2, 3).RequiresGrad_();
        Functional.CrossEntropy(logits, Torch.FromArray(new long[] { 2, 0 })).Backward();
        var g = logits.Grad!.ToArray<float>();
        float z = MathF.Exp(1) + MathF.Exp(2) + MathF.Exp(3);
        var expected = new[]
        {
            MathF.Exp(1) / z / 2, MathF.Exp(2) / z / 2, (MathF.Exp(3) / z - 1) / 2,
            (1 / 3f - 1) / 2, 1 / 6f, 1 / 6f,
        };
        Approx.Equal(expected, g);
    }
}
