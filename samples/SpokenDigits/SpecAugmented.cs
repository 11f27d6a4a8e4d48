using System.Collections;
using TransferKit.Audio;
using TransferKit.Data;
using TransferKit.Engine;

/// <summary>
/// SpecAugment on spectrograms already in memory: wraps image <see cref="DataLoader"/>s over
/// <see cref="TensorImageDataset"/>s of spectrograms [N, C, F, T] and masks one frequency band and one
/// time span of each clip (the same mask on its C channels), drawn from a Random seeded by (seed, epoch).
/// With several loaders (the same clips in the same order, e.g. the spectrograms of the clips played at
/// speeds 0.9, 1.0 and 1.1 by <see cref="SpeedPerturbation"/>), each clip of each epoch first takes the
/// version of a loader drawn uniformly; with one loader nothing is drawn for it.
/// (AudioDataLoader's waveformAugment and featureAugment do the same but recompute the features every epoch.)
/// </summary>
internal sealed class SpecAugmented : IReadOnlyCollection<Batch>, IEpochAware
{
    private readonly DataLoader[] _versions;
    private readonly FrequencyMasking _freq;
    private readonly TimeMasking _time;
    private readonly int _seed;
    private int _nextEpoch = 1;

    public SpecAugmented(IReadOnlyList<DataLoader> versions, int freqMask, int timeMask, int seed)
    {
        if (versions.Count == 0 || versions.Any(v => v.Count != versions[0].Count))
            throw new ArgumentException("Need at least one loader, all with the same number of batches.", nameof(versions));
        _versions = versions.ToArray();
        _freq = new FrequencyMasking(freqMask);
        _time = new TimeMasking(timeMask);
        _seed = seed;
    }

    public int Count => _versions[0].Count;

    public void SetEpoch(int epoch)
    {
        _nextEpoch = epoch;
        foreach (var v in _versions) v.SetEpoch(epoch);
    }

    public IEnumerator<Batch> GetEnumerator()
    {
        var random = new Random(unchecked(_seed * 1_000_003 + _nextEpoch++));
        var enumerators = _versions.Select(v => v.GetEnumerator()).ToArray();
        try
        {
            while (enumerators.All(e => e.MoveNext()))
            {
                Batch augmented;
                var batches = enumerators.Select(e => e.Current).ToArray();
                try
                {
                    using var scope = Torch.NewDisposeScope();
                    var first = batches[0];
                    var clips = new Tensor[first.PixelValues.Size(0)];
                    for (int k = 0; k < clips.Length; k++)
                    {
                        var version = batches.Length == 1 ? first : batches[random.Next(batches.Length)];
                        clips[k] = _time.Apply(_freq.Apply(version.PixelValues.Select(0, k), random), random);
                    }
                    var masked = scope.MoveToOuter(Torch.Stack(clips)).DetachFromDisposeScope();
                    var targets = scope.MoveToOuter(first.Targets.Clone()).DetachFromDisposeScope();
                    augmented = new Batch(masked, targets);
                }
                finally
                {
                    foreach (var b in batches) b.Dispose();
                }
                yield return augmented;
            }
        }
        finally
        {
            foreach (var e in enumerators) e.Dispose();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
