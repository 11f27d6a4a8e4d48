using TransferKit.Tests.Fixtures;
using TransferKit.Models;
using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Tests.Models;


/// <summary>Serial: the seeded tests need the process-wide random generator to themselves.</summary>
[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public class StochasticDepthTests
{
    [Fact]
    public void IsTheIdentityInEvalModeOrWithPZero()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Randn(4, 3, 2, 2);
        var layer = new StochasticDepth(0.9, StochasticDepthMode.Row);
        layer.Eval();
        Assert.Equal(x.ToArray<float>(), layer.Forward(x).ToArray<float>());
        Assert.Equal(x.ToArray<float>(), StochasticDepth.Apply(x, 0, StochasticDepthMode.Row, training: true).ToArray<float>());
        Assert.Equal("StochasticDepth(p=0.9, mode=row)", layer.ToString());
    }

    [Fact]
    public void RowModeDropsWholeRowsWithProbabilityPAndRescalesTheRest()
    {
        using var scope = Torch.NewDisposeScope();
        Torch.ManualSeed(1);
        var y = StochasticDepth.Apply(Torch.Ones(20_000, 2, 1, 1), 0.3, StochasticDepthMode.Row).Reshape(20_000, 2).ToArray<float>();
        int dropped = 0;
        for (int row = 0; row < 20_000; row++)
        {
            Assert.Equal(y[2 * row], y[2 * row + 1]); // one draw per row
            if (y[2 * row] == 0) dropped++;
            else Assert.Equal(1 / 0.7f, y[2 * row], 5);
        }
        Assert.InRange(dropped / 20_000.0, 0.28, 0.32);
    }

    [Fact]
    public void BatchModeKeepsOrDropsEverythingAndPOneDropsAll()
    {
        using var scope = Torch.NewDisposeScope();
        for (int k = 0; k < 20; k++)
        {
            var y = StochasticDepth.Apply(Torch.Ones(8, 3), 0.5, StochasticDepthMode.Batch).ToArray<float>();
            Assert.True(y.All(v => v == 0) || y.All(v => v == 2), string.Join(", ", y));
        }
        Assert.All(StochasticDepth.Apply(Torch.Ones(8, 3), 1.0, StochasticDepthMode.Row).ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StochasticDepth(1.5, StochasticDepthMode.Row));
        Assert.Throws<ArgumentOutOfRangeException>(() => StochasticDepth.Apply(Torch.Ones(2), -0.1, StochasticDepthMode.Row));
    }

    /// <summary>The tests of this class that need the PyTorch reference (their own category).</summary>
    [Collection(SerialCollection.Name)]
    [Trait("Category", "Parity")]
    public class WithPyTorch
    {
        [PyTorchFact]
        public void DrawsTheSameMaskAsTorchvisionForTheSameSeed()
        {
            string dir = ZooFixtures.Folder("stochastic_depth", "7", "0.4", "row", "64");
            var expected = ZooFixtures.ReadJson<float[]>(Path.Combine(dir, "mask.json"));
            using var scope = Torch.NewDisposeScope();
            Torch.ManualSeed(7);
            var y = StochasticDepth.Apply(Torch.Ones(64, 2, 1, 1), 0.4, StochasticDepthMode.Row);
            Assert.Equal(expected, y.ToArray<float>());
            Assert.Contains(0f, expected); // the mask is not trivial
        }
    }
}
