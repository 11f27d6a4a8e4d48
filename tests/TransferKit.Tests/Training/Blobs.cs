using TransferKit.Data;

namespace TransferKit.Tests.Training;

/// <summary>
/// Two Gaussian blobs in 2-D (class 0 around (-1,-1), class 1 around (1,1)), fresh tensors per
/// enumeration. With <c>multiLabel</c> the targets are float multi-hot [N, 2]: label 0 = "class 1",
/// label 1 = "x above its blob's centre".
/// </summary>
internal sealed class Blobs : IEnumerable<Batch>, IReadOnlyCollection<Batch>
{
    private readonly float[] _x;
    private readonly long[] _y;
    private readonly float[] _multiHot;
    private readonly int _batchSize;
    private readonly bool _multiLabel;

    public Blobs(int samples, int batchSize, int seed, bool randomLabels = false, bool invertedLabels = false, bool multiLabel = false)
    {
        var rng = new Random(seed);
        _x = new float[samples * 2];
        _y = new long[samples];
        _multiHot = new float[samples * 2];
        for (int k = 0; k < samples; k++)
        {
            long label = k % 2;
            float centre = label == 0 ? -1 : 1;
            _x[2 * k] = centre + (float)(rng.NextDouble() - 0.5);
            _x[2 * k + 1] = centre + (float)(rng.NextDouble() - 0.5);
            _y[k] = randomLabels ? rng.Next(2) : invertedLabels ? 1 - label : label;
            _multiHot[2 * k] = label;
            _multiHot[2 * k + 1] = _x[2 * k] > centre ? 1 : 0;
        }
        _batchSize = batchSize;
        _multiLabel = multiLabel;
    }

    public int Count => (_y.Length + _batchSize - 1) / _batchSize;

    public IEnumerator<Batch> GetEnumerator()
    {
        for (int start = 0; start < _y.Length; start += _batchSize)
        {
            int n = Math.Min(_batchSize, _y.Length - start);
            var targets = _multiLabel
                ? Torch.FromArray(_multiHot.AsSpan(2 * start, 2 * n).ToArray(), n, 2)
                : Torch.FromArray(_y.AsSpan(start, n).ToArray());
            yield return new Batch(
                Torch.FromArray(_x.AsSpan(2 * start, 2 * n).ToArray(), n, 2).DetachFromDisposeScope(),
                targets.DetachFromDisposeScope());
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
