using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>
/// A user-defined metric measured over each phase (training and validation) of every epoch, next to
/// the built-ins (<see cref="MetricRegistry"/>). The trainer calls <see cref="Reset"/> before a
/// phase, <see cref="Update"/> after each batch (outputs detached, no gradients) and
/// <see cref="Compute"/> at the end; the value is recorded as <c>train_</c>/<c>val_</c> +
/// <see cref="Name"/>, and can be monitored (early stopping, best weights) in the direction
/// <see cref="HigherIsBetter"/> says. One instance serves both phases, one after the other.
/// </summary>
public abstract class Metric
{
    /// <summary>Creates a metric called <paramref name="name"/> (letters, digits and '_').</summary>
    protected Metric(string name, bool higherIsBetter)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        HigherIsBetter = higherIsBetter;
    }

    /// <summary>The metric's name (without the train_/val_ prefix).</summary>
    public string Name { get; }

    /// <summary>True when larger values are better (accuracy), false for errors and losses.</summary>
    public bool HigherIsBetter { get; }

    /// <summary>Forgets everything before a phase starts.</summary>
    public abstract void Reset();

    /// <summary>Adds one batch: the model's detached float32 outputs and the batch (targets, inputs).</summary>
    public abstract void Update(Tensor outputs, Batch batch);

    /// <summary>The metric over the batches since <see cref="Reset"/>.</summary>
    public abstract double Compute();
}

/// <summary>
/// The metric names a <see cref="Trainer"/> records and can monitor, with their direction. Each is
/// read per phase as <c>train_</c> + name or <c>val_</c> + name (e.g. <c>val_accuracy</c>).
/// Built-ins: <c>loss</c> (lower is better), <c>accuracy</c>, <c>topk</c>, <c>precision</c>,
/// <c>recall</c> and <c>f1</c> (macro averages over classes; higher is better). For multi-label
/// targets (float multi-hot [N, C]) <c>accuracy</c> is the fraction of labels predicted right
/// (logit &gt; 0) and the class-index metrics (topk, precision, recall, f1, the confusion matrix) are
/// not measured. User metrics (<see cref="Metric"/>, <see cref="TrainerOptions.Metrics"/>) add names.
/// </summary>
public static class MetricRegistry
{
    /// <summary>The built-in metrics: name → true when higher is better.</summary>
    public static IReadOnlyDictionary<string, bool> BuiltIn { get; } = new Dictionary<string, bool>
    {
        ["loss"] = false,
        ["accuracy"] = true,
        ["topk"] = true,
        ["precision"] = true,
        ["recall"] = true,
        ["f1"] = true,
    };

    /// <summary>Splits a phase-qualified name (val_accuracy) into its phase prefix and metric name, or null when it has neither prefix.</summary>
    public static (string Phase, string Metric)? Split(string qualifiedName)
    {
        ArgumentNullException.ThrowIfNull(qualifiedName);
        if (qualifiedName.StartsWith("train_", StringComparison.Ordinal)) return ("train", qualifiedName[6..]);
        if (qualifiedName.StartsWith("val_", StringComparison.Ordinal)) return ("val", qualifiedName[4..]);
        return null;
    }

    /// <summary>
    /// Whether a larger value of <paramref name="qualifiedName"/> is better, given the run's user
    /// metrics; throws <see cref="ArgumentException"/> listing the known names when it is unknown.
    /// </summary>
    public static bool HigherIsBetter(string qualifiedName, IEnumerable<Metric>? custom = null)
    {
        var split = Split(qualifiedName);
        if (split is { } s)
        {
            if (BuiltIn.TryGetValue(s.Metric, out bool higher)) return higher;
            foreach (var m in custom ?? Array.Empty<Metric>())
                if (m.Name == s.Metric) return m.HigherIsBetter;
        }
        var names = BuiltIn.Keys.Concat((custom ?? Array.Empty<Metric>()).Select(m => m.Name));
        throw new ArgumentException(
            $"Unknown metric '{qualifiedName}' (known: {string.Join(", ", names.SelectMany(n => new[] { "train_" + n, "val_" + n }))}).", nameof(qualifiedName));
    }
}
