using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>
/// Accumulates the metrics of one phase over its batches: loss, top-1/top-k hits and the confusion
/// matrix for class-index targets, per-label accuracy for multi-label targets, and user metrics.
/// The loss, predictions and hits stay on the batches' device until someone reads a value
/// (<see cref="MeanLoss"/>, <see cref="Accuracy"/>, <see cref="Result"/>), so that training on a GPU
/// does not wait for the device after every step; reading copies everything pending to the host at once.
/// </summary>
internal sealed class PhaseAccumulator : IDisposable
{
    private readonly int _topK;
    private readonly IReadOnlyList<Metric> _custom;
    private readonly List<Tensor> _pendingLoss = new(), _pendingPredicted = new(), _pendingActual = new(), _pendingHits = new();
    private double _lossSum;
    private long _topKHits, _labelHits, _labels;
    private ConfusionMatrix? _confusion;
    private int _classes;
    private bool? _multiLabel;

    public PhaseAccumulator(int topK, IReadOnlyList<Metric> custom)
    {
        _topK = topK;
        _custom = custom;
        foreach (var m in custom) m.Reset();
    }

    public long Samples { get; private set; }

    public double MeanLoss
    {
        get
        {
            Flush();
            return Samples == 0 ? 0 : _lossSum / Samples;
        }
    }

    public double Accuracy
    {
        get
        {
            Flush();
            return _multiLabel == true ? (_labels == 0 ? 0 : (double)_labelHits / _labels) : _confusion?.Accuracy ?? 0;
        }
    }

    /// <summary>Adds a batch's detached outputs [N, C], the batch and its mean loss (a scalar tensor, read later).</summary>
    public void Add(Tensor outputs, Batch batch, Tensor meanLoss)
    {
        using var scope = Torch.NewDisposeScope();
        var targets = batch.Targets;
        long n = targets.Size(0);
        bool multiLabel = targets.NDim == 2 && targets.Dtype.IsFloatingPoint();
        if (_multiLabel is { } before && before != multiLabel)
            throw new InvalidOperationException("A phase mixed class-index targets [N] with multi-label targets [N, C].");
        _multiLabel = multiLabel;
        int classes = (int)outputs.Size(1);
        if (_classes != 0 && _classes != classes)
            throw new InvalidOperationException($"The model produced {classes} logits per sample, but earlier batches had {_classes}.");
        _classes = classes;
        Keep(_pendingLoss, meanLoss.Detach().To(ScalarType.Float64).Mul((double)n));
        if (multiLabel)
        {
            // Labels whose logit sign matches the target.
            Keep(_pendingHits, outputs.Gt(0).Eq(targets.Gt(0.5)).Sum());
            _labels += n * classes;
        }
        else
        {
            var actual = targets.To(ScalarType.Int64);
            Keep(_pendingPredicted, outputs.ArgMax(1));
            Keep(_pendingActual, actual);
            int k = Math.Min(_topK, classes);
            var (_, top) = outputs.TopK(k, dim: 1);
            Keep(_pendingHits, top.Eq(actual.Unsqueeze(1)).Sum());
        }
        foreach (var m in _custom) m.Update(outputs, batch);
        Samples += n;
    }

    /// <summary>
    /// Sums the counts, losses and confusion matrix over the ranks of a data-parallel run, so every
    /// rank reports (and decides on) the metrics of the whole data. User metrics stay per rank.
    /// </summary>
    public void AllReduce(DistributedContext distributed)
    {
        Flush();
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
        Flush();
        var custom = _custom.Count == 0 ? PhaseMetrics.NoCustom : _custom.ToDictionary(m => m.Name, m => m.Compute());
        if (_multiLabel == true)
            return new PhaseMetrics(MeanLoss, Accuracy, double.NaN, 0, null, Samples) { Custom = custom };
        var confusion = _confusion ?? new ConfusionMatrix(Math.Max(_classes, 1));
        int k = Math.Min(_topK, confusion.ClassCount);
        return new PhaseMetrics(MeanLoss, Accuracy, Samples == 0 ? 0 : (double)_topKHits / Samples, k, confusion, Samples) { Custom = custom };
    }

    /// <summary>Copies what is pending to the host: one read per kind of value, however many batches.</summary>
    private void Flush()
    {
        if (_pendingLoss.Count == 0) return;
        using (var scope = Torch.NewDisposeScope())
        {
            _lossSum += Torch.Stack(_pendingLoss).Sum().To(Device.Cpu).Item<double>();
            long hits = Torch.Stack(_pendingHits).Sum().To(Device.Cpu).Item<long>();
            if (_multiLabel == true) _labelHits += hits;
            else
            {
                _topKHits += hits;
                long[] predicted = Torch.Cat(_pendingPredicted).ToArray<long>();
                long[] actual = Torch.Cat(_pendingActual).ToArray<long>();
                _confusion ??= new ConfusionMatrix(_classes);
                for (int i = 0; i < actual.Length; i++) _confusion.Add((int)actual[i], (int)predicted[i]);
            }
        }
        DisposeAll(_pendingLoss, _pendingHits, _pendingPredicted, _pendingActual);
    }

    private static void Keep(List<Tensor> list, Tensor value) => list.Add(value.DetachFromDisposeScope());

    private static void DisposeAll(params List<Tensor>[] lists)
    {
        foreach (var list in lists)
        {
            foreach (var t in list) t.Dispose();
            list.Clear();
        }
    }

    /// <summary>Frees what is still pending (an interrupted phase).</summary>
    public void Dispose() => DisposeAll(_pendingLoss, _pendingHits, _pendingPredicted, _pendingActual);
}
