using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>
/// Accumulates the metrics of one phase over its batches: loss, top-1/top-k hits and the confusion
/// matrix for class-index targets, per-label accuracy for multi-label targets, and user metrics.
/// </summary>
internal sealed class PhaseAccumulator
{
    private readonly int _topK;
    private readonly IReadOnlyList<Metric> _custom;
    private double _lossSum;
    private long _topKHits, _labelHits, _labels;
    private ConfusionMatrix? _confusion;
    private bool? _multiLabel;

    public PhaseAccumulator(int topK, IReadOnlyList<Metric> custom)
    {
        _topK = topK;
        _custom = custom;
        foreach (var m in custom) m.Reset();
    }

    public long Samples { get; private set; }

    public double MeanLoss => Samples == 0 ? 0 : _lossSum / Samples;

    public double Accuracy => _multiLabel == true ? (_labels == 0 ? 0 : (double)_labelHits / _labels) : _confusion?.Accuracy ?? 0;

    /// <summary>Adds a batch's detached outputs [N, C], the batch and its mean loss.</summary>
    public void Add(Tensor outputs, Batch batch, double meanLoss)
    {
        using var scope = Torch.NewDisposeScope();
        var targets = batch.Targets;
        long n = targets.Size(0);
        bool multiLabel = targets.NDim == 2 && targets.Dtype.IsFloatingPoint();
        if (_multiLabel is { } before && before != multiLabel)
            throw new InvalidOperationException("A phase mixed class-index targets [N] with multi-label targets [N, C].");
        _multiLabel = multiLabel;
        int classes = (int)outputs.Size(1);
        if (multiLabel)
        {
            // One host read per batch, as for the confusion matrix: labels whose logit sign matches the target.
            _labelHits += outputs.Gt(0).Eq(targets.Gt(0.5)).Sum().Item<long>();
            _labels += n * classes;
        }
        else
        {
            _confusion ??= new ConfusionMatrix(classes);
            if (_confusion.ClassCount != classes)
                throw new InvalidOperationException($"The model produced {classes} logits per sample, but earlier batches had {_confusion.ClassCount}.");
            _confusion.Add(outputs, targets);
            int k = Math.Min(_topK, classes);
            var (_, top) = outputs.TopK(k, dim: 1);
            _topKHits += top.Eq(targets.To(ScalarType.Int64).Unsqueeze(1)).Sum().Item<long>();
        }
        foreach (var m in _custom) m.Update(outputs, batch);
        _lossSum += meanLoss * n;
        Samples += n;
    }

    /// <summary>
    /// Sums the counts, losses and confusion matrix over the ranks of a data-parallel run, so every
    /// rank reports (and decides on) the metrics of the whole data. User metrics stay per rank.
    /// </summary>
    public void AllReduce(DistributedContext distributed)
    {
        var rows = _confusion?.ToRows();
        var packed = new List<double> { _lossSum, _topKHits, _labelHits, _labels, Samples };
        if (rows is not null) packed.AddRange(rows.SelectMany(r => r.Select(v => (double)v)));
        var sums = distributed.AllReduceSum(packed.ToArray());
        _lossSum = sums[0];
        _topKHits = (long)sums[1];
        _labelHits = (long)sums[2];
        _labels = (long)sums[3];
        Samples = (long)sums[4];
        if (rows is not null)
        {
            int classes = rows.Length, at = 5;
            _confusion = ConfusionMatrix.FromRows(Enumerable.Range(0, classes).Select(_ => Enumerable.Range(0, classes).Select(_ => (long)sums[at++]).ToArray()).ToArray());
        }
    }

    public PhaseMetrics Result()
    {
        var custom = _custom.Count == 0 ? PhaseMetrics.NoCustom : _custom.ToDictionary(m => m.Name, m => m.Compute());
        if (_multiLabel == true)
            return new PhaseMetrics(MeanLoss, Accuracy, double.NaN, 0, null, Samples) { Custom = custom };
        var confusion = _confusion ?? new ConfusionMatrix(1);
        int k = Math.Min(_topK, confusion.ClassCount);
        return new PhaseMetrics(MeanLoss, Accuracy, Samples == 0 ? 0 : (double)_topKHits / Samples, k, confusion, Samples) { Custom = custom };
    }
}
