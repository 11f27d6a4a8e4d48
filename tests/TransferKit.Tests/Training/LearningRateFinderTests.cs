using TransferKit.Data;
using TransferKit.NN;
using TransferKit.Training;
using TransferKit.Engine;

namespace TransferKit.Tests.Training;


[Trait("Category", "Unit")]
[Collection(SerialCollection.Name)] // Torch.ManualSeed is process-wide
public class LearningRateFinderTests
{
    [Fact]
    public void SuggestsTheRateOfSteepestDescent()
    {
        // A loss that falls like a logistic curve centred at 1e-2 (in log-rate), then explodes.
        var rates = Enumerable.Range(0, 81).Select(k => 1e-6 * Math.Pow(10, k / 10.0)).ToArray();
        var losses = rates.Select(r => 2 - 1.5 / (1 + Math.Exp(-3 * (Math.Log10(r) + 2))) + (r > 1 ? r : 0)).ToArray();
        double suggested = LearningRateFinder.Suggest(rates, losses);
        Assert.InRange(suggested, 0.6e-2, 1.6e-2);
    }

    [Fact]
    public void RunsARangeTestAndRestoresTheModel()
    {
        Torch.ManualSeed(4);
        using var x = Torch.Randn(256, 4);
        long[] labels = x.Select(1, 0).Gt(0).To(ScalarType.Int64).ToArray<long>();
        using var data = new TensorImageDataset(x.Alias(), labels, new[] { "neg", "pos" });
        using var model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
        var before = model.Parameters().Select(p => p.ToArray<float>()).ToArray();

        var result = LearningRateFinder.Run(model, new DataLoader(data, new DataLoaderOptions { BatchSize = 16, Shuffle = true }),
            m => new SGD(m.TrainableParameters(), 1e-7, momentum: 0.9), startLr: 1e-5, endLr: 100, steps: 60);

        Assert.Equal(result.LearningRates.Count, result.Losses.Count);
        Assert.Equal(1e-5, result.LearningRates[0], 12);
        Assert.True(result.LearningRates.Zip(result.LearningRates.Skip(1)).All(p => p.Second > p.First));
        Assert.True(result.Diverged, "a rate of 100 should make the loss explode");
        Assert.InRange(result.Suggested, 1e-4, 10);
        Assert.Equal(before, model.Parameters().Select(p => p.ToArray<float>()).ToArray());
    }
}
