using TransferKit.Audio;
using TransferKit.Data;
using TransferKit.NN;

namespace TransferKit.Tests.Audio;

[Trait("Category", "Unit")]
public class AudioFolderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"tk-audio-{Guid.NewGuid():N}");

    public AudioFolderTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "yes"));
        Directory.CreateDirectory(Path.Combine(_root, "no"));
        Directory.CreateDirectory(Path.Combine(_root, "empty"));
        File.WriteAllBytes(Path.Combine(_root, "yes", "b.wav"), WavBytes.Pcm16(1, 8000, 100, 200, 300));
        File.WriteAllBytes(Path.Combine(_root, "yes", "a.WAV"), WavBytes.Pcm16(2, 8000, 1, 2, 3, 4));
        File.WriteAllBytes(Path.Combine(_root, "yes", "notes.txt"), new byte[] { 1 });
        File.WriteAllBytes(Path.Combine(_root, "no", "c.wav"), WavBytes.Pcm16(1, 16000, 5, 6, 7, 8, 9, 10));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void SubfoldersAreClassesInOrdinalOrder()
    {
        var ds = AudioFileDataset.FromFolder(_root);
        Assert.Equal(new[] { "no", "yes" }, ds.Classes);
        Assert.Equal(new[] { "c.wav", "a.WAV", "b.wav" }, ds.Files.Select(Path.GetFileName));
        Assert.Equal(new long[] { 0, 1, 1 }, Enumerable.Range(0, 3).Select(ds.GetLabel));
        using var s = ds.Get(1);
        Assert.Equal(new long[] { 2, 2 }, s.Waveform.Shape);
        Assert.Equal((8000, 1L), (s.SampleRate, s.Label));
    }

    [Fact]
    public void LoaderResamplesMixesPadsAndNormalises()
    {
        var ds = AudioFileDataset.FromFolder(_root);
        using var loader = new AudioDataLoader(ds, new AudioLoaderOptions { BatchSize = 2, SampleRate = 16000, Normalize = true });
        var batches = loader.ToList();
        try
        {
            Assert.Equal(2, batches.Count);
            var first = batches[0];
            Assert.Equal(new long[] { 2, 6 }, first[ModelInputs.InputValues].Shape);   // 6 samples at 16 kHz; 2 frames at 8 kHz → 4
            Assert.Equal(new long[] { 6, 4 }, first[ModelInputs.Lengths].ToArray<long>());
            Assert.Equal(new long[] { 0, 1 }, first.Targets.ToArray<long>());
            var v = first[ModelInputs.InputValues].ToArray<float>();
            Assert.Equal(0, v[..6].Average(s => (double)s), 5);
            Assert.Equal(new float[] { 0, 0 }, v[10..]);
        }
        finally
        {
            foreach (var b in batches) b.Dispose();
        }
    }

    [Fact]
    public void LoaderRefusesMixedRatesWithoutResampling()
    {
        var ds = AudioFileDataset.FromFolder(_root);
        using var loader = new AudioDataLoader(ds, new AudioLoaderOptions { BatchSize = 3 });
        var e = Assert.Throws<InvalidOperationException>(() => loader.MakeBatch(new[] { 0, 1 }));
        Assert.Contains("SampleRate", e.Message);
    }
}

/// <summary>The spoken-digits recordings of ../shared/data (Free Spoken Digit Dataset, CC BY-SA 4.0).</summary>
[Trait("Category", "Integration")]
public class SpokenDigitsTests
{
    private static string Root => AudioReference.SpokenDigits;

    [SpokenDigitsFact]
    public void SplitBySpeakerHoldsOutOneVoiceCompletely()
    {
        var speakers = SpokenDigits.Speakers(Root);
        Assert.Equal(5, speakers.Count);
        var (train, test) = SpokenDigits.SplitBySpeaker(Root, speakers[^1]);
        Assert.Equal(2500, train.Count + test.Count);
        Assert.All(test.Files, f => Assert.Equal(speakers[^1], SpokenDigitName.TryParse(f)!.Speaker));
        Assert.DoesNotContain(train.Files, f => SpokenDigitName.TryParse(f)!.Speaker == speakers[^1]);
        Assert.Equal(Enumerable.Range(0, 10).Select(d => (long)d), Enumerable.Range(0, test.Count).Select(test.GetLabel).Distinct().Order());
        var ex = Assert.Throws<ArgumentException>(() => SpokenDigits.SplitBySpeaker(Root, "nobody"));
        Assert.Contains(speakers[0], ex.Message);
    }

    [SpokenDigitsFact]
    public void LogMelBatchesForImageBackbones()
    {
        var (_, test) = SpokenDigits.SplitBySpeaker(Root, SpokenDigits.Speakers(Root)[0]);
        using var mel = new MelSpectrogram(new MelOptions { SampleRate = 16000, NMels = 64 }, new SpectrogramOptions { NFft = 400, HopLength = 160 });
        var db = new AmplitudeToDB(topDb: 80);
        var mask = new TimeMasking(10);
        using var loader = new AudioDataLoader(test, new AudioLoaderOptions { BatchSize = 8, SampleRate = 16000, MaxLength = 16000, Shuffle = true, Seed = 5 },
            features: w => { using var m = mel.Apply(w); return db.Apply(m); }, featureAugment: (f, r) => mask.Apply(f, r));
        using var batch = loader.First();
        Assert.Equal(new long[] { 8, 1, 64, 101 }, batch.PixelValues.Shape);
        Assert.All(batch[ModelInputs.Lengths].ToArray<long>(), l => Assert.InRange(l, 1, 16000));
        using var again = loader.MakeBatch(Enumerable.Range(0, 8).ToArray(), epoch: 3);
        using var same = loader.MakeBatch(Enumerable.Range(0, 8).ToArray(), epoch: 3);
        Assert.Equal(again.PixelValues.ToArray<float>(), same.PixelValues.ToArray<float>());
        Assert.Equal(again.Targets.ToArray<long>(), Enumerable.Range(0, 8).Select(test.GetLabel));
    }
}
