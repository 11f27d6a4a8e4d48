using TransferKit.Audio;
using TransferKit.Data;
using TransferKit.NN;
using TransferKit.Tests.Audio;
using TransferKit.Training;

namespace TransferKit.Tests.Training;

/// <summary>
/// <see cref="FeatureCache"/> over batch sources other than the image <see cref="DataLoader"/>: an
/// <see cref="AudioDataLoader"/> of log-mel spectrograms or of waveforms, and plain batch sequences.
/// </summary>
[Trait("Category", "Unit")]
public class FeatureCacheSourceTests : IDisposable
{
    private static readonly string[] Classes = ["low", "mid", "high"];
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"tk-featcache-{Guid.NewGuid():N}");
    private readonly AudioFileDataset _clips;

    public FeatureCacheSourceTests()
    {
        // Seven 8 kHz tones of different pitch and length (0.3 to 0.6 s), labelled by pitch band.
        Directory.CreateDirectory(_root);
        var files = new List<string>();
        var labels = new List<long>();
        for (int k = 0; k < 7; k++)
        {
            int label = k % 3;
            double hz = 200 + 700 * label + 37 * k;
            int frames = 2400 + 350 * k;
            var samples = Enumerable.Range(0, frames).Select(n => (short)(8000 * Math.Sin(2 * Math.PI * hz * n / 8000))).ToArray();
            string path = Path.Combine(_root, $"clip{k}.wav");
            File.WriteAllBytes(path, WavBytes.Pcm16(1, 8000, samples));
            files.Add(path);
            labels.Add(label);
        }
        _clips = new AudioFileDataset(files, labels, Classes);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void CachedFeaturesOfAnAudioLoaderEqualEachClipComputedAloneWithItsLabel()
    {
        using var mel = new MelSpectrogram(new MelOptions { SampleRate = 16000, NMels = 32 }, new SpectrogramOptions { NFft = 400, HopLength = 160 });
        var db = new AmplitudeToDB(topDb: 80);
        using var loader = new AudioDataLoader(_clips, new AudioLoaderOptions { BatchSize = 3, SampleRate = 16000, MaxLength = 8000 },
            features: w =>
            {
                using var power = mel.Apply(w);
                return db.Apply(power);
            });
        Func<Tensor, Tensor> backbone = x => x.Mean(3);   // [N, 1, 32, T] → [N, 1, 32]: a frozen "backbone" without weights
        var progress = new Recorder();

        using var cache = FeatureCache.Compute(backbone, loader, _clips.Classes, progress);

        Assert.Equal(7, cache.Count);
        Assert.Equal(Classes, cache.Classes);
        Assert.Equal(new[] { 1 / 3.0, 2 / 3.0, 1.0 }, progress.Values);
        for (int k = 0; k < _clips.Count; k++)
        {
            using var sample = cache.Get(k);
            using var alone = loader.MakeBatch(new[] { k });
            using var expected = backbone(alone.PixelValues);
            Assert.Equal(_clips.GetLabel(k), sample.Label);
            Assert.Equal(new long[] { 1, 32 }, sample.Image.Shape);
            // Decibels of float32 power: a batch of 3 and a batch of 1 round the STFT, mel and resampling sums
            // differently (a relative 1e-6 in power is 4e-6 dB); 1e-3 dB is far below any difference of clip or order.
            TensorDiff.AssertNear(expected.Squeeze(0), sample.Image, 1e-3, $"clip {k}");
        }
    }

    [Fact]
    public void WaveformBatchesAreCachedFromTheirInputValues()
    {
        using var loader = new AudioDataLoader(_clips, new AudioLoaderOptions { BatchSize = 4, MaxLength = 2000 });
        using var cache = FeatureCache.Compute(w => w.Narrow(1, 100, 50), loader, _clips.Classes);
        Assert.Equal(7, cache.Count);
        using var clip = _clips.Get(5);
        using var sample = cache.Get(5);
        TensorDiff.AssertIdentical(clip.Waveform.Narrow(1, 100, 50).Squeeze(0), sample.Image, "clip 5, samples 100..149");
        Assert.Equal(2L, sample.Label);
    }

    [Fact]
    public void APlainBatchSequenceIsCachedInTheOrderItYieldsAndEachBatchIsDisposed()
    {
        var yielded = new List<Batch>();
        IEnumerable<Batch> Batches()
        {
            for (int b = 0; b < 3; b++)
            {
                var batch = new Batch(Torch.Full(new long[] { 2, 4 }, (double)b).DetachFromDisposeScope(),
                    Torch.FromArray(new long[] { b, 2 - b }, 2).DetachFromDisposeScope());
                yielded.Add(batch);
                yield return batch;
            }
        }
        using var cache = FeatureCache.Compute(x => x * 2, Batches(), Classes);
        Assert.Equal(6, cache.Count);
        Assert.Equal(new long[] { 0, 2, 1, 1, 2, 0 }, Enumerable.Range(0, 6).Select(k => cache.GetLabel(k)));
        using (var fifth = cache.Get(4)) Assert.Equal(new float[] { 4, 4, 4, 4 }, fifth.Image.ToArray<float>());
        Assert.All(yielded, b => Assert.True(b.Targets.IsDisposed));
    }

    [Fact]
    public void ACancelledTokenStopsBeforeTheFirstBatch()
    {
        using var loader = new AudioDataLoader(_clips, new AudioLoaderOptions { BatchSize = 2, MaxLength = 2000 });
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        int calls = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => FeatureCache.Compute(w => { calls++; return w; }, loader, _clips.Classes, cancellationToken: cts.Token));
        Assert.Equal(0, calls);
    }

    [Fact]
    public void TargetsThatAreNotClassIndicesAreRefusedWithAReason()
    {
        IEnumerable<Batch> MultiHot()
        {
            yield return new Batch(Torch.Zeros(2, 3).DetachFromDisposeScope(), Torch.Ones(2, 3).DetachFromDisposeScope());
        }
        var e = Assert.Throws<InvalidOperationException>(() => FeatureCache.Compute(x => x, MultiHot(), Classes));
        Assert.Contains("class-index targets", e.Message);
    }

    private sealed class Recorder : IProgress<double>
    {
        public List<double> Values { get; } = [];

        public void Report(double value) => Values.Add(value);
    }
}
