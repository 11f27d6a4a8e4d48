using TransferKit.Audio;
using TransferKit.NN;

namespace TransferKit.Tests.Audio;

/// <summary>
/// The loader resamples the clips of one source rate together (padded to the longest, cut back after);
/// each clip must come out as if resampled alone.
/// </summary>
[Trait("Category", "Unit")]
public class AudioLoaderResamplingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"tk-audio-resample-{Guid.NewGuid():N}");

    public AudioLoaderResamplingTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ClipsResampledTogetherEqualEachClipResampledAlone()
    {
        // Three 8 kHz clips of different lengths, two at 11025 Hz, one already at 16 kHz (kept as it is).
        var rng = new Random(12);
        var spec = new (int Rate, int Frames)[] { (8000, 1200), (11025, 900), (8000, 3001), (16000, 2000), (8000, 17), (11025, 2500) };
        var files = new List<string>();
        foreach (var (rate, frames) in spec)
        {
            string path = Path.Combine(_root, $"clip{files.Count}.wav");
            File.WriteAllBytes(path, WavBytes.Pcm16(1, rate, Enumerable.Range(0, frames).Select(_ => (short)rng.Next(-20000, 20000)).ToArray()));
            files.Add(path);
        }
        var dataset = new AudioFileDataset(files, new long[files.Count], ["x"]);
        using var loader = new AudioDataLoader(dataset, new AudioLoaderOptions { BatchSize = files.Count, SampleRate = 16000 });

        using var batch = loader.MakeBatch(Enumerable.Range(0, files.Count).ToArray());

        var values = batch[ModelInputs.InputValues];
        long[] lengths = batch[ModelInputs.Lengths].ToArray<long>();
        for (int k = 0; k < files.Count; k++)
        {
            using var clip = WavReader.Read(files[k]);
            using var alone = Resampler.Resample(clip.Samples.Squeeze(0), clip.SampleRate, 16000);
            Assert.Equal(alone.Size(0), lengths[k]);
            using var kept = values[k].Narrow(0, 0, lengths[k]);
            TensorDiff.AssertNear(alone, kept, 1e-6, $"clip {k} ({spec[k].Rate} Hz, {spec[k].Frames} frames)");
            using var rest = values[k].Narrow(0, lengths[k], values.Size(1) - lengths[k]);
            Assert.True(rest.Numel == 0 || rest.Abs().Max().Item<float>() == 0, $"clip {k}: padding is not zero");
        }
    }
}
