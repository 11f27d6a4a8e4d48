namespace TransferKit.Training;

/// <summary>Loss and classification metrics of one pass over a dataset.</summary>
public sealed record PhaseMetrics(double Loss, double Accuracy, double TopKAccuracy, int TopK, ConfusionMatrix Confusion, long Samples)
{
    /// <summary>Precision of each class.</summary>
    public IReadOnlyList<double> Precision => Enumerable.Range(0, Confusion.ClassCount).Select(Confusion.Precision).ToArray();
    /// <summary>Recall of each class.</summary>
    public IReadOnlyList<double> Recall => Enumerable.Range(0, Confusion.ClassCount).Select(Confusion.Recall).ToArray();
    /// <summary>F1 of each class.</summary>
    public IReadOnlyList<double> F1 => Enumerable.Range(0, Confusion.ClassCount).Select(Confusion.F1).ToArray();
}

/// <summary>One epoch of training: the training and (optional) validation metrics, learning rates and time.</summary>
public sealed record EpochResult(int Epoch, PhaseMetrics Train, PhaseMetrics? Validation, IReadOnlyList<double> LearningRates, TimeSpan Duration)
{
    /// <summary>Reads a metric by name: train_loss, train_accuracy, val_loss, val_accuracy, val_topk, val_f1.</summary>
    public double Get(string metric) => metric switch
    {
        "train_loss" => Train.Loss,
        "train_accuracy" => Train.Accuracy,
        "val_loss" => Validation?.Loss ?? throw NoValidation(metric),
        "val_accuracy" => Validation?.Accuracy ?? throw NoValidation(metric),
        "val_topk" => Validation?.TopKAccuracy ?? throw NoValidation(metric),
        "val_f1" => Validation?.Confusion.MacroF1 ?? throw NoValidation(metric),
        _ => throw new ArgumentException($"Unknown metric '{metric}' (known: train_loss, train_accuracy, val_loss, val_accuracy, val_topk, val_f1).", nameof(metric)),
    };

    private static InvalidOperationException NoValidation(string metric) =>
        new($"Metric '{metric}' needs validation data, but the trainer was given none.");
}

/// <summary>Per-epoch results of a run, in order.</summary>
public sealed class History
{
    private readonly List<EpochResult> _epochs = new();

    /// <summary>The epochs so far.</summary>
    public IReadOnlyList<EpochResult> Epochs => _epochs;

    /// <summary>The epoch with the best value of a metric (lowest for losses, highest otherwise), or null.</summary>
    public EpochResult? Best(string metric)
    {
        var valid = _epochs.Where(e => !double.IsNaN(e.Get(metric))).ToList(); // a diverged epoch is never the best
        if (valid.Count == 0) return null;
        return MetricDirection.IsLowerBetter(metric) ? valid.MinBy(e => e.Get(metric)) : valid.MaxBy(e => e.Get(metric));
    }

    internal void Add(EpochResult result) => _epochs.Add(result);
}

internal static class MetricDirection
{
    public static bool IsLowerBetter(string metric) => metric.EndsWith("loss", StringComparison.Ordinal);
}
