using System.Collections;
using TransferKit.Audio;
using TransferKit.Data;
using TransferKit.Engine;

/// <summary>
/// SpecAugment on spectrograms already in memory: wraps an image <see cref="DataLoader"/> over a
/// <see cref="TensorImageDataset"/> of spectrograms [N, C, F, T] and masks one frequency band and one
/// time span of each clip (the same mask on its C channels), drawn from a Random seeded by (seed, epoch).
/// (AudioDataLoader's featureAugment does the same but recomputes the features every epoch.)
/// </summary>
internal sealed class SpecAugmented(DataLoader inner, int freqMask, int timeMask, int seed) : IReadOnlyCollection<Batch>, IEpochAware
{
    private readonly FrequencyMasking _freq = new(freqMask);
    private readonly TimeMasking _time = new(timeMask);
    private int _nextEpoch = 1;

    public int Count => inner.Count;

    public void SetEpoch(int epoch)
    {
        _nextEpoch = epoch;
        inner.SetEpoch(epoch);
    }

    public IEnumerator<Batch> GetEnumerator()
    {
        var random = new Random(unchecked(seed * 1_000_003 + _nextEpoch++));
        foreach (var batch in inner)
        {
            Batch augmented;
            using (batch)
            using (var scope = Torch.NewDisposeScope())
            {
                var x = batch.PixelValues;
                var clips = new Tensor[x.Size(0)];
                for (int k = 0; k < clips.Length; k++) clips[k] = _time.Apply(_freq.Apply(x.Select(0, k), random), random);
                var masked = scope.MoveToOuter(Torch.Stack(clips)).DetachFromDisposeScope();
                var targets = scope.MoveToOuter(batch.Targets.Clone()).DetachFromDisposeScope();
                augmented = new Batch(masked, targets);
            }
            yield return augmented;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
