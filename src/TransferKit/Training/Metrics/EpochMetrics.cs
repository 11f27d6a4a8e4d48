namespace TransferKit.Training;

/// <summary>
/// Loss and metrics of one pass over a dataset. For multi-label targets <see cref="Confusion"/> is
/// null, <see cref="TopKAccuracy"/> is NaN and <see cref="Accuracy"/> is the fraction of labels
/// predicted right. <see cref="Custom"/> holds the user metrics (<see cref="TrainerOptions.Metrics"/>).
/// </summary>
public sealed record PhaseMetrics(double Loss, double Accuracy, double TopKAccuracy, int TopK, ConfusionMatrix? Confusion, long Samples)
{
    internal static readonly IReadOnlyDictionary<string, double> NoCustom = new Dictionary<string, double>();

    /// <summary>User metrics by name.</summary>
    public IReadOnlyDictionary<string, double> Custom { get; init; } = NoCustom;

    /// <summary>True when the targets were multi-label (no class-index metrics).</summary>
    public bool IsMultiLabel => Confusion is null;

    /// <summary>Precision of each class (empty for multi-label).</summary>
    public IReadOnlyList<double> Precision => Confusion is null ? Array.Empty<double>() : Enumerable.Range(0, Confusion.ClassCount).Select(Confusion.Precision).ToArray();
    /// <summary>Recall of each class (empty for multi-label).</summary>
    public IReadOnlyList<double> Recall => Confusion is null ? Array.Empty<double>() : Enumerable.Range(0, Confusion.ClassCount).Select(Confusion.Recall).ToArray();
    /// <summary>F1 of each class (empty for multi-label).</summary>
    public IReadOnlyList<double> F1 => Confusion is null ? Array.Empty<double>() : Enumerable.Range(0, Confusion.ClassCount).Select(Confusion.F1).ToArray();

    /// <summary>
    /// A metric by its unprefixed name (see <see cref="MetricRegistry"/>): loss, accuracy, topk,
    /// precision, recall, f1 (macro averages) or a user metric.
    /// </summary>
    public double Get(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        switch (metric)
        {
            case "loss": return Loss;
            case "accuracy": return Accuracy;
        }
        if (MetricRegistry.BuiltIn.ContainsKey(metric))
        {
            if (Confusion is null)
                throw new InvalidOperationException($"Metric '{metric}' needs class-index targets; this phase had multi-label targets (use loss, accuracy or a user metric).");
            return metric switch
            {
                "topk" => TopKAccuracy,
                "precision" => Precision.Average(),
                "recall" => Recall.Average(),
                _ => Confusion.MacroF1,
            };
        }
        if (Custom.TryGetValue(metric, out double value)) return value;
        throw new ArgumentException($"Unknown metric '{metric}' (known: {string.Join(", ", MetricRegistry.BuiltIn.Keys.Concat(Custom.Keys))}).", nameof(metric));
    }
}

/// <summary>One epoch of training: the training and (optional) validation metrics, learning rates and time.</summary>
public sealed record EpochResult(int Epoch, PhaseMetrics Train, PhaseMetrics? Validation, IReadOnlyList<double> LearningRates, TimeSpan Duration)
{
    /// <summary>
    /// Reads a metric by phase-qualified name (see <see cref="MetricRegistry"/>): train_loss,
    /// train_accuracy, val_loss, val_accuracy, val_topk, val_precision, val_recall, val_f1, or
    /// train_/val_ + a user metric's name.
    /// </summary>
    public double Get(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        var split = MetricRegistry.Split(metric)
            ?? throw new ArgumentException($"Unknown metric '{metric}': names start with train_ or val_ (e.g. val_accuracy, train_loss).", nameof(metric));
        var phase = split.Phase == "train" ? Train : Validation ?? throw new InvalidOperationException($"Metric '{metric}' needs validation data, but the trainer was given none.");
        return phase.Get(split.Metric);
    }
}

/// <summary>Per-epoch results of a run, in order.</summary>
public sealed class History
{
    private readonly List<EpochResult> _epochs = new();

    /// <summary>The epochs so far.</summary>
    public IReadOnlyList<EpochResult> Epochs => _epochs;

    /// <summary>
    /// The epoch with the best value of a metric, or null: lowest for losses, highest for the other
    /// built-ins; pass <paramref name="higherIsBetter"/> for a user metric.
    /// </summary>
    public EpochResult? Best(string metric, bool? higherIsBetter = null)
    {
        bool higher = higherIsBetter ?? MetricRegistry.HigherIsBetter(metric);
        var valid = _epochs.Where(e => !double.IsNaN(e.Get(metric))).ToList(); // a diverged epoch is never the best
        if (valid.Count == 0) return null;
        return higher ? valid.MaxBy(e => e.Get(metric)) : valid.MinBy(e => e.Get(metric));
    }

    internal void Add(EpochResult result) => _epochs.Add(result);
}
