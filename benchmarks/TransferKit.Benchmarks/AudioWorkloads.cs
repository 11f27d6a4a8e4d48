using TransferKit.Audio;

namespace Benchmarks;

/// <summary>
/// The audio workload compared with torchaudio (<c>audio_batch</c> in benchmarks/pytorch/workloads_bench.py):
/// one batch of 32 spoken-digit clips (8 kHz WAV) read from disk, resampled to 16 kHz, cut or padded
/// to one second, turned into log-mel spectrograms (64 mels, n_fft 400, hop 160, power → dB with
/// top_db 80) and stacked into [32, 1, 64, 101], through <see cref="AudioDataLoader"/>.
/// </summary>
public static class AudioWorkloads
{
    /// <summary>Clips per batch.</summary>
    public const int Batch = 32;

    /// <summary>
    /// Every (files / <paramref name="count"/>)-th <c>.wav</c> file of <paramref name="root"/> in ordinal
    /// name order (the PyTorch script's <c>audio_clips</c> picks the same files).
    /// </summary>
    public static string[] Clips(string root, int count = Batch)
    {
        var files = Directory.GetFiles(root).Where(f => f.EndsWith(".wav", StringComparison.OrdinalIgnoreCase))
            .Select(Path.GetFileName).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        if (files.Length < count) throw new InvalidOperationException($"{root} holds {files.Length} .wav files; the audio workload needs {count}.");
        return Enumerable.Range(0, count).Select(k => Path.Combine(root, files[k * (files.Length / count)]!)).ToArray();
    }

    /// <summary>One repetition: the whole batch of <see cref="Clips"/> through an <see cref="AudioDataLoader"/> built once.</summary>
    public static Workload LogMelBatch(string root)
    {
        var files = Clips(root);
        var dataset = new AudioFileDataset(files, new long[files.Length], ["clip"]);
        var mel = new MelSpectrogram(new MelOptions { SampleRate = 16000, NMels = 64 }, new SpectrogramOptions { NFft = 400, HopLength = 160 });
        var db = new AmplitudeToDB(topDb: 80);
        var loader = new AudioDataLoader(dataset, new AudioLoaderOptions { BatchSize = Batch, SampleRate = 16000, MaxLength = 16000 },
            features: w =>
            {
                using var power = mel.Apply(w);
                return db.Apply(power);
            });
        var indices = Enumerable.Range(0, files.Length).ToArray();
        using (var first = loader.MakeBatch(indices))
        {
            long[] shape = first.PixelValues.Shape;
            if (!shape.SequenceEqual(new long[] { Batch, 1, 64, 101 }))
                throw new InvalidOperationException($"The audio batch is [{string.Join(", ", shape)}], not [32, 1, 64, 101].");
        }
        return new Workload(() => loader.MakeBatch(indices).Dispose(), () =>
        {
            loader.Dispose();
            mel.Dispose();
        });
    }
}
