using TransferKit.Audio;

namespace TransferKit.Tests.Audio;

[Trait("Category", "Unit")]
public class SpeedPerturbationTests
{
    private const int Rate = 16000;

    private static Tensor Sine(double hertz, int samples) =>
        Torch.FromArray(Enumerable.Range(0, samples).Select(i => (float)Math.Sin(2 * Math.PI * hertz * i / Rate)).ToArray(), samples);

    /// <summary>The frequency of a clean sine from its sign changes (two per period), away from the filter's edges.</summary>
    private static double Frequency(Tensor wave)
    {
        var v = wave.ToArray<float>();
        int from = 200, to = v.Length - 200, changes = 0, first = -1, last = -1;
        for (int i = from + 1; i < to; i++)
            if (Math.Sign(v[i]) != Math.Sign(v[i - 1]) && v[i] != 0)
            {
                changes++;
                if (first < 0) first = i;
                last = i;
            }
        return (changes - 1) / 2.0 / ((last - first) / (double)Rate);
    }

    [Theory]
    [InlineData(0.9, 14400)]
    [InlineData(1.1, 17600)]
    public void AFasterClipIsShorterAndHigherByTheFactor(double factor, int sourceRate)
    {
        using var speed = new SpeedPerturbation(Rate, [factor]);
        using var tone = Sine(1000, 8000);
        using var played = speed.Apply(tone, 0);
        Assert.Equal(sourceRate, speed.SourceRate(0));
        Assert.Equal((long)Math.Ceiling(8000.0 * Rate / sourceRate), played.Size(0));
        double hertz = Frequency(played);
        Assert.True(Math.Abs(hertz - 1000 * factor) < 5, $"expected {1000 * factor} Hz, measured {hertz:F1} Hz");
    }

    [Fact]
    public void FactorOneLeavesTheClipUnchangedAndKeepsLeadingDimensions()
    {
        using var speed = new SpeedPerturbation(Rate, [1.0, 0.9]);
        using var stereo = Torch.Stack([Sine(300, 1600), Sine(700, 1600)]);
        using var same = speed.Apply(stereo, 0);
        Assert.Equal(stereo.ToArray<float>(), same.ToArray<float>());
        using var slower = speed.Apply(stereo, 1);
        Assert.Equal(new long[] { 2, (long)Math.Ceiling(1600.0 * Rate / 14400) }, slower.Shape);
    }

    [Fact]
    public void TheDrawnFactorFollowsTheGeneratorAndCoversEveryFactor()
    {
        using var speed = new SpeedPerturbation(Rate, [0.9, 1.0, 1.1]);
        using var tone = Sine(500, 1600);
        var lengths = new HashSet<long>();
        for (int seed = 0; seed < 30; seed++)
        {
            using var a = speed.Apply(tone, new Random(seed));
            using var b = speed.Apply(tone, new Random(seed));
            Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
            lengths.Add(a.Size(0));
        }
        Assert.Equal(new long[] { 1455, 1600, 1778 }, lengths.Order().ToArray());
    }

    [Fact]
    public void InvalidFactorsAreAllListedAndAnOutOfRangeIndexIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new SpeedPerturbation(Rate, [0.0, double.NaN, -1.1]));
        Assert.Contains("0 must", error.Message);
        Assert.Contains("NaN", error.Message);
        Assert.Contains("-1.1", error.Message);
        Assert.Throws<ArgumentException>(() => new SpeedPerturbation(Rate, []));
        using var speed = new SpeedPerturbation(Rate, [0.9]);
        using var tone = Sine(500, 160);
        Assert.Throws<ArgumentOutOfRangeException>(() => speed.Apply(tone, 1));
    }
}
