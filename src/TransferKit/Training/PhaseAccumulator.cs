using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>Accumulates loss, top-1/top-k hits and the confusion matrix over the batches of one phase.</summary>
internal sealed class PhaseAccumulator
{
    private readonly int _topK;
    private double _lossSum;
    private long _topKHits;
    private ConfusionMatrix? _confusion;

    public PhaseAccumulator(int topK) => _topK = topK;

    public long Samples { get; private set; }

    public double MeanLoss => Samples == 0 ? 0 : _lossSum / Samples;

    public double Accuracy => _confusion?.Accuracy ?? 0;

    /// <summary>Adds a batch's detached logits [N, C], targets [N] and mean loss.</summary>
    public void Add(Tensor logits, Tensor targets, double meanLoss)
    {
        using var scope = Torch.NewDisposeScope();
        long n = targets.Size(0);
        int classes = (int)logits.Size(1);
        _confusion ??= new ConfusionMatrix(classes);
        if (_confusion.ClassCount != classes)
            throw new InvalidOperationException($"The model produced {classes} logits per sample, but earlier batches had {_confusion.ClassCount}.");
        _confusion.Add(logits, targets);
        int k = Math.Min(_topK, classes);
        var (_, top) = logits.TopK(k, dim: 1);
        _topKHits += top.Eq(targets.To(ScalarType.Int64).Unsqueeze(1)).Sum().Item<long>();
        _lossSum += meanLoss * n;
        Samples += n;
    }

    public PhaseMetrics Result()
    {
        var confusion = _confusion ?? new ConfusionMatrix(1);
        int k = Math.Min(_topK, confusion.ClassCount);
        return new PhaseMetrics(MeanLoss, Accuracy, Samples == 0 ? 0 : (double)_topKHits / Samples, k, confusion, Samples);
    }
}
