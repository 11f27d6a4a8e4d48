using System.Collections;
using System.Collections.Concurrent;
using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Audio;

/// <summary>Settings of <see cref="AudioDataLoader"/>.</summary>
public sealed record AudioLoaderOptions
{
    /// <summary>Clips per batch. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Shuffle the order each epoch (reproducibly, from <see cref="Seed"/> and the epoch). Default false.</summary>
    public bool Shuffle { get; init; }

    /// <summary>Seed of the shuffling and of each clip's augmentation generator.</summary>
    public ulong Seed { get; init; }

    /// <summary>Drop a last, incomplete batch. Default false.</summary>
    public bool DropLast { get; init; }

    /// <summary>Resample every clip to this rate (Hz) with torchaudio's default filter; null keeps the rates (which must then all be equal).</summary>
    public int? SampleRate { get; init; }

    /// <summary>Cut clips to at most this many samples (after resampling); null pads to the longest clip of each batch.</summary>
    public long? MaxLength { get; init; }

    /// <summary>Normalise each clip to zero mean and unit variance over its valid samples (wav2vec2's feature extractor). Default false.</summary>
    public bool Normalize { get; init; }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate() => new OptionsCheck(nameof(AudioLoaderOptions))
        .Require(BatchSize > 0, $"BatchSize must be positive; got {BatchSize}.")
        .Require(SampleRate is null or > 0, $"SampleRate must be positive; got {SampleRate}.")
        .Require(MaxLength is null or > 0, $"MaxLength must be positive; got {MaxLength}.")
        .ThrowIfAny();
}

/// <summary>
/// Turns an <see cref="IAudioDataset"/> into mini-batches for the trainer. Each clip is decoded,
/// mixed down to mono, resampled to <see cref="AudioLoaderOptions.SampleRate"/>, optionally
/// augmented (<c>waveformAugment</c>, given the clip's reproducible <see cref="Random"/>), and the
/// batch is padded or truncated (<see cref="Waveforms.PadOrTruncate"/>) and optionally normalised.
/// Without a feature transform a batch holds <see cref="ModelInputs.InputValues"/> [N, L] and
/// <see cref="ModelInputs.Lengths"/> [N] (for wav2vec2-style models); with one (e.g. a
/// <see cref="MelSpectrogram"/> followed by <see cref="AmplitudeToDB"/>, applied to [N, 1, L]) it
/// holds <see cref="ModelInputs.PixelValues"/> [N, 1, F, T] for image backbones, plus the lengths.
/// Targets are int64 [N]. Each enumeration is one epoch; the consumer disposes the batches.
/// Batches are prepared on the enumerating thread (no workers yet); <see cref="MakeBatch"/> may be
/// called from several threads. Dispose the loader to free its resampling filters.
/// </summary>
public sealed class AudioDataLoader : IReadOnlyCollection<Batch>, IEpochAware, IDisposable
{
    private readonly IAudioDataset _dataset;
    private readonly Func<Tensor, Tensor>? _features;
    private readonly Func<Tensor, Random, Tensor>? _waveformAugment;
    private readonly Func<Tensor, Random, Tensor>? _featureAugment;
    private readonly ConcurrentDictionary<int, Lazy<Resampler>> _resamplers = new();  // by source rate; Lazy so a race builds one
    private int _nextEpoch = 1;

    /// <summary>Creates the loader.</summary>
    /// <param name="dataset">The clips.</param>
    /// <param name="options">Batching, resampling and normalisation settings.</param>
    /// <param name="features">
    /// Computes features from the padded waveforms given as [N, 1, L] (e.g.
    /// <c>w => db.Apply(mel.Apply(w))</c>), giving the image batch [N, C, F, T] (C = 1 for a
    /// spectrogram). The channel dimension keeps per-clip reductions per clip: torchaudio's
    /// <c>AmplitudeToDB</c> floors each [C, F, T] block of a 4-D input at its own maximum, but a 3-D
    /// [N, F, T] input at the maximum of the whole batch. Null yields waveform batches.
    /// </param>
    /// <param name="waveformAugment">Applied to each clip's mono waveform [L] with the clip's generator; null for none.</param>
    /// <param name="featureAugment">Applied to each clip's features [C, F, T] with the clip's generator (e.g. <see cref="TimeMasking"/>); null for none.</param>
    public AudioDataLoader(IAudioDataset dataset, AudioLoaderOptions? options = null, Func<Tensor, Tensor>? features = null,
        Func<Tensor, Random, Tensor>? waveformAugment = null, Func<Tensor, Random, Tensor>? featureAugment = null)
    {
        _dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        Options = options ?? new AudioLoaderOptions();
        Options.Validate();
        if (featureAugment is not null && features is null)
            throw new ArgumentException("A feature augmentation needs a feature transform.", nameof(featureAugment));
        _features = features;
        _waveformAugment = waveformAugment;
        _featureAugment = featureAugment;
    }

    /// <summary>The settings.</summary>
    public AudioLoaderOptions Options { get; }

    /// <summary>The dataset.</summary>
    public IAudioDataset Dataset => _dataset;

    /// <summary>Batches per epoch.</summary>
    public int Count => EpochPlan.BatchCount(_dataset.Count, Options.BatchSize, Options.DropLast);

    /// <inheritdoc />
    public void SetEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epoch);
        _nextEpoch = epoch;
    }

    /// <summary>Enumerates one epoch (the next one, or the one given to <see cref="SetEpoch"/>).</summary>
    public IEnumerator<Batch> GetEnumerator()
    {
        int epoch = _nextEpoch++;
        foreach (var indices in EpochPlan.Batches(_dataset.Count, Options.BatchSize, Options.Shuffle, Options.Seed, Options.DropLast, epoch))
            yield return MakeBatch(indices, epoch);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The batch of the given samples, augmented as in <paramref name="epoch"/>.</summary>
    public Batch MakeBatch(IReadOnlyList<int> indices, int epoch = 1)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Count == 0) throw new ArgumentException("A batch needs at least one sample.", nameof(indices));
        using var scope = Torch.NewDisposeScope();
        var clips = new Tensor[indices.Count];
        var targets = new long[indices.Count];
        var randoms = new Random[indices.Count];
        var rates = new int[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            randoms[k] = new Random(SeedMixer.Mix(Options.Seed, epoch, indices[k]));
            using var sample = _dataset.Get(indices[k]);
            targets[k] = sample.Label;
            rates[k] = sample.SampleRate;
            clips[k] = Waveforms.MixToMono(sample.Waveform);
            if (Options.SampleRate is null && rates[k] != rates[0])
                throw new InvalidOperationException($"Sample {indices[k]} is {rates[k]} Hz but sample {indices[0]} is {rates[0]} Hz: set AudioLoaderOptions.SampleRate to resample them to one rate.");
        }
        if (Options.SampleRate is { } target)
            foreach (var group in Enumerable.Range(0, clips.Length).GroupBy(k => rates[k]).Where(g => g.Key != target))
                ResampleTogether(clips, group.ToArray(), _resamplers.GetOrAdd(group.Key, r => new Lazy<Resampler>(() => new Resampler(r, target))).Value);
        if (_waveformAugment is not null)
            for (int k = 0; k < clips.Length; k++) clips[k] = _waveformAugment(clips[k], randoms[k]);
        var (values, lengths) = Waveforms.PadOrTruncate(clips, Options.MaxLength);
        if (Options.Normalize) values = Waveforms.NormalizeZeroMeanUnitVariance(values, lengths);
        var inputs = new ModelInputs();
        if (_features is null)
        {
            inputs.Add(ModelInputs.InputValues, values);
        }
        else
        {
            var features = _features(values.Unsqueeze(1));
            if (features.NDim != 4 || features.Size(0) != indices.Count)
                throw new InvalidOperationException($"The feature function must return [N, C, F, T] with N = {indices.Count}; it returned [{string.Join(", ", features.Shape)}].");
            if (_featureAugment is not null)
                features = Torch.Stack(Enumerable.Range(0, indices.Count).Select(k => _featureAugment(features[k], randoms[k])).ToArray());
            inputs.Add(ModelInputs.PixelValues, features);
        }
        inputs.Add(ModelInputs.Lengths, lengths);
        var batch = new Batch(inputs, Torch.FromArray(targets, targets.Length));
        foreach (var t in batch.Inputs.Values.Append(batch.Targets)) t.DetachFromDisposeScope();
        return batch;
    }

    /// <summary>
    /// Resamples the clips at <paramref name="members"/> in one call: zero-padded to the longest, stacked, resampled,
    /// and each cut back to its own resampled length. Every kept output sample depends only on the clip's samples and
    /// the zeros that resampling it alone pads with, so the result is that of resampling each clip by itself.
    /// </summary>
    private static void ResampleTogether(Tensor[] clips, int[] members, Resampler resampler)
    {
        if (members.Length == 1)
        {
            clips[members[0]] = resampler.Apply(clips[members[0]]);
            return;
        }
        long longest = members.Max(k => clips[k].Size(0));
        var stacked = Torch.Stack(members.Select(k => clips[k].Size(0) == longest ? clips[k] : AudioOps.ConstantPadLast(clips[k], 0, longest - clips[k].Size(0))).ToArray());
        var resampled = resampler.Apply(stacked);
        for (int m = 0; m < members.Length; m++)
        {
            int k = members[m];
            clips[k] = resampled[m].Narrow(0, 0, resampler.OutputLength(clips[k].Size(0)));
        }
    }

    /// <summary>Frees the resampling filters.</summary>
    public void Dispose()
    {
        foreach (var r in _resamplers.Values)
            if (r.IsValueCreated) r.Value.Dispose();
        _resamplers.Clear();
    }
}
