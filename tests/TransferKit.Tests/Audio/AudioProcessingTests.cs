using TransferKit.Audio;

namespace TransferKit.Tests.Audio;

[Trait("Category", "Unit")]
public class AudioProcessingTests
{
    [Fact]
    public void PadOrTruncateKeepsEachClipsLengthAndPadsWithTheValue()
    {
        using var a = Torch.FromArray(new float[] { 1, 2, 3, 4, 5 }, 5);
        using var b = Torch.FromArray(new float[] { 6, 7 }, 2);
        var (values, lengths) = Waveforms.PadOrTruncate(new[] { a, b }, maxLength: 4, padValue: -1);
        using (values)
        using (lengths)
        {
            Assert.Equal(new long[] { 2, 4 }, values.Shape);
            Assert.Equal(new float[] { 1, 2, 3, 4, 6, 7, -1, -1 }, values.ToArray<float>());
            Assert.Equal(new long[] { 4, 2 }, lengths.ToArray<long>());
        }
        var (longest, l2) = Waveforms.PadOrTruncate(new[] { b, a });
        using (longest)
        using (l2)
        {
            Assert.Equal(new float[] { 6, 7, 0, 0, 0, 1, 2, 3, 4, 5 }, longest.ToArray<float>());
            Assert.Equal(new long[] { 2, 5 }, l2.ToArray<long>());
        }
    }

    [Fact]
    public void NormalizationUsesOnlyTheValidSamplesAndZeroesThePadding()
    {
        float[] clip = { 0.5f, -0.25f, 0.125f, 1f };
        using var x = Torch.FromArray(new float[] { 0.5f, -0.25f, 0.125f, 1f, 9f, 9f, 3f, 1f, 2f, 0f, 5f, -4f }, 2, 6);
        using var lengths = Torch.FromArray(new long[] { 4, 6 }, 2);
        using var y = Waveforms.NormalizeZeroMeanUnitVariance(x, lengths);
        var v = y.ToArray<float>();
        double mean = clip.Average(c => (double)c);
        double var = clip.Average(c => (c - mean) * (c - mean));
        for (int i = 0; i < 4; i++) Assert.Equal((clip[i] - mean) / Math.Sqrt(var + 1e-7), v[i], 6);
        Assert.Equal(new float[] { 0, 0 }, v[4..6]);
        var second = v[6..];
        Assert.Equal(0, second.Average(s => (double)s), 6);
        Assert.Equal(1, second.Average(s => (double)s * s), 5);
    }

    [Fact]
    public void MasksAreReproducibleContiguousAndLeaveTheInputUnchanged()
    {
        using var spec = Torch.Ones(3, 1, 20, 30);
        var masking = new TimeMasking(10, iidMasks: true);
        using var a = masking.Apply(spec, new Random(7));
        using var b = masking.Apply(spec, new Random(7));
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        Assert.Equal(3 * 20 * 30, spec.Sum().Item<float>());
        var values = a.ToArray<float>();
        var masked = new List<string>();
        for (int n = 0; n < 3; n++)
        {
            // The same frames are masked in every frequency row of an example, and they are consecutive.
            var frames = Enumerable.Range(0, 30).Where(t => values[n * 600 + t] == 0).ToArray();
            for (int f = 1; f < 20; f++)
                Assert.Equal(frames, Enumerable.Range(0, 30).Where(t => values[n * 600 + f * 30 + t] == 0).ToArray());
            Assert.True(frames.Length <= 10);
            if (frames.Length > 0) Assert.Equal(frames.Length - 1, frames[^1] - frames[0]);
            masked.Add(string.Join(",", frames));
        }
        Assert.True(masked.Distinct().Count() > 1, "iid masks should differ between examples: " + string.Join(" | ", masked));
    }

    [Fact]
    public void FrequencyMaskSharedByTheBatchMasksWholeRowsWithTheMaskValue()
    {
        using var spec = Torch.Ones(2, 16, 5);
        using var m = new FrequencyMasking(8).Apply(spec, new Random(3), maskValue: -2);
        var v = m.ToArray<float>();
        var rows = Enumerable.Range(0, 16).Where(f => v[f * 5] == -2).ToArray();
        for (int n = 0; n < 2; n++)
            for (int f = 0; f < 16; f++)
                for (int t = 0; t < 5; t++)
                    Assert.Equal(rows.Contains(f) ? -2f : 1f, v[n * 80 + f * 5 + t]);
    }

    [Fact]
    public void ResamplerKeepsEqualRatesAndComputesOutputLengths()
    {
        using var x = Torch.Randn(2, 101);
        using (var same = new Resampler(8000, 8000))
        using (var y = same.Apply(x))
            Assert.Equal(x.ToArray<float>(), y.ToArray<float>());
        using var up = new Resampler(8000, 22050);
        using var z = up.Apply(x);
        Assert.Equal(new long[] { 2, (101 * 441 + 159) / 160 }, z.Shape);
        Assert.Equal(z.Size(1), up.OutputLength(101));
    }

    [Fact]
    public void RatesWithATinyCommonDivisorAreRefusedBeforeBuildingGiantFilters()
    {
        var e = Assert.Throws<ArgumentException>(() => new Resampler(44101, 16000));
        Assert.Contains("44101:16000", e.Message);
        using var fine = new Resampler(44100, 16000);
        Assert.Equal(16000, fine.OutputLength(44100));
    }

    [Fact]
    public void InvalidOptionsAreReportedTogether()
    {
        var e = Assert.Throws<ArgumentException>(() => new SpectrogramOptions { NFft = 0, Power = -1, Pad = -3 }.Validate());
        Assert.Contains("NFft", e.Message);
        Assert.Contains("Power", e.Message);
        Assert.Contains("Pad", e.Message);
        var r = Assert.Throws<ArgumentException>(() => new Resampler(8000, 16000, new ResampleOptions { LowpassFilterWidth = 0, Rolloff = 2 }));
        Assert.Contains("LowpassFilterWidth", r.Message);
        Assert.Contains("Rolloff", r.Message);
        var m = Assert.Throws<ArgumentException>(() => new MfccOptions { NMfcc = 200, Mel = new MelOptions { FMax = 9000, SampleRate = 16000 } }.Validate());
        Assert.Contains("NMfcc", m.Message);
        Assert.Contains("Nyquist", m.Message);
    }

    [Fact]
    public void SpectrogramShapeFollowsTheFrameCount()
    {
        using var spectrogram = new Spectrogram(new SpectrogramOptions { NFft = 64, HopLength = 16 });
        using var x = Torch.Randn(3, 2, 100);
        using var s = spectrogram.Apply(x);
        Assert.Equal(new long[] { 3, 2, 33, spectrogram.Frames(100) }, s.Shape);
        Assert.Equal(100 / 16 + 1, spectrogram.Frames(100));
        using var tooShort = Torch.Randn(20);
        Assert.Throws<ArgumentException>(() => spectrogram.Apply(tooShort));   // reflection needs more than 32 samples
    }

    [Fact]
    public void SpectrogramOfASineHasItsPeakAtTheSinesBin()
    {
        const int n = 256, bin = 20;
        var wave = Enumerable.Range(0, 2048).Select(i => (float)Math.Sin(2 * Math.PI * bin * i / n)).ToArray();
        using var x = Torch.FromArray(wave, wave.Length);
        using var spectrogram = new Spectrogram(new SpectrogramOptions { NFft = n });
        using var s = spectrogram.Apply(x);
        using var frame = s.Select(1, 5);
        Assert.Equal(bin, frame.ArgMax().Item<long>());
        // Hann window of 256: |X[k]| = 256/4 for a unit sine at bin k, so the power is 64².
        Assert.Equal(64.0 * 64.0, frame.Max().Item<float>(), 1);
    }
}
