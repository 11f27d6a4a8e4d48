using TransferKit.Training;
using TransferKit.Engine;

namespace TransferKit.Tests.Training;


[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public class OptimizerTests
{
    [Fact]
    public void FrozenParametersHandedToAnOptimizerAreRejectedWithAdvice()
    {
        using var trainable = Torch.Zeros(new long[] { 2 }, ScalarType.Float32, requiresGrad: true);
        using var frozen = Torch.Zeros(2);
        var e = Assert.Throws<ArgumentException>(() => new SGD(new[] { trainable, frozen }, 0.1));
        Assert.Contains("1 of 2 parameters do not require gradients", e.Message);
        Assert.Contains("TrainableParameters()", e.Message);
    }

    [Fact]
    public void AnEmptyTrainableSetIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new Adam(Array.Empty<Tensor>()));
        Assert.Contains("no parameters to train", e.Message);
    }

    [Fact]
    public void AParameterInTwoGroupsIsRejected()
    {
        using var p = Torch.Zeros(new long[] { 2 }, ScalarType.Float32, requiresGrad: true);
        Assert.Throws<ArgumentException>(() => new SGD(new[] { new ParamGroup(new[] { p }), new ParamGroup(new[] { p }) }, 0.1));
    }

    [Fact]
    public void ParametersWithoutGradientsAreSkippedAndGroupsKeepTheirRates()
    {
        using var a = Torch.Ones(new long[] { 1 }, ScalarType.Float32, requiresGrad: true);
        using var b = Torch.Ones(new long[] { 1 }, ScalarType.Float32, requiresGrad: true);
        using var sgd = new SGD(new[] { new ParamGroup(new[] { a }, learningRate: 0.5, name: "head"), new ParamGroup(new[] { b }) }, learningRate: 0.1);
        Assert.Equal(0.5, sgd.ParamGroups[0].LearningRate);
        Assert.Equal(0.1, sgd.ParamGroups[1].LearningRate);
        using (var scope = Torch.NewDisposeScope()) (a * 2).Sum().Backward();
        sgd.Step();
        Assert.Equal(0f, a.Item<float>());  // 1 - 0.5 * 2
        Assert.Equal(1f, b.Item<float>());  // no gradient: untouched
    }

    [Fact]
    public void StepsDoNotLeakTensors()
    {
        using var p = Torch.Randn(new long[] { 10 }, ScalarType.Float32, requiresGrad: true);
        using var adam = new AdamW(new[] { p });
        Step(adam, p);
        long live = SerialCollection.SettledLiveTensorCount();
        for (int k = 0; k < 50; k++) Step(adam, p);
        Assert.Equal(live, Torch.LiveTensorCount);
    }

    private static void Step(Optimizer optimizer, Tensor p)
    {
        using (var scope = Torch.NewDisposeScope()) (p * p).Sum().Backward();
        optimizer.Step();
        optimizer.ZeroGrad();
    }
}
