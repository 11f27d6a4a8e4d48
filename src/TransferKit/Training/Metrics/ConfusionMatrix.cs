using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>
/// Counts of (true class, predicted class) pairs, with the metrics derived from them: accuracy
/// and per-class precision, recall and F1. Rows are true classes, columns predictions.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[,] _counts;

    /// <summary>Creates an empty matrix for <paramref name="classCount"/> classes.</summary>
    public ConfusionMatrix(int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        ClassCount = classCount;
        _counts = new long[classCount, classCount];
    }

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>Samples counted.</summary>
    public long Total { get; private set; }

    /// <summary>Samples of true class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _counts[actual, predicted];

    /// <summary>The counts row by row (for saving).</summary>
    internal long[][] ToRows() => Enumerable.Range(0, ClassCount).Select(a => Enumerable.Range(0, ClassCount).Select(p => _counts[a, p]).ToArray()).ToArray();

    /// <summary>Rebuilds a matrix from <see cref="ToRows"/>.</summary>
    internal static ConfusionMatrix FromRows(long[][] rows)
    {
        var m = new ConfusionMatrix(rows.Length);
        for (int a = 0; a < rows.Length; a++)
            for (int p = 0; p < rows.Length; p++)
            {
                m._counts[a, p] = rows[a][p];
                m.Total += rows[a][p];
            }
        return m;
    }

    /// <summary>Adds one sample.</summary>
    public void Add(int actual, int predicted)
    {
        if ((uint)actual >= (uint)ClassCount || (uint)predicted >= (uint)ClassCount)
            throw new ArgumentOutOfRangeException(nameof(actual), $"class ({actual}, {predicted}) outside 0..{ClassCount - 1}");
        _counts[actual, predicted]++;
        Total++;
    }

    /// <summary>Adds a batch: int64 targets [N] and logits [N, C] (the prediction is the arg-max).</summary>
    public void Add(Tensor logits, Tensor targets)
    {
        using var scope = Torch.NewDisposeScope();
        long[] predicted = logits.ArgMax(1).ToArray<long>();
        long[] actual = targets.To(ScalarType.Int64).ToArray<long>();
        for (int k = 0; k < actual.Length; k++) Add((int)actual[k], (int)predicted[k]);
    }

    /// <summary>Fraction of samples predicted correctly (0 when empty).</summary>
    public double Accuracy
    {
        get
        {
            long correct = 0;
            for (int c = 0; c < ClassCount; c++) correct += _counts[c, c];
            return Total == 0 ? 0 : (double)correct / Total;
        }
    }

    /// <summary>Of the samples predicted as class <paramref name="c"/>, the fraction that were (0 when none).</summary>
    public double Precision(int c)
    {
        long predicted = 0;
        for (int a = 0; a < ClassCount; a++) predicted += _counts[a, c];
        return predicted == 0 ? 0 : (double)_counts[c, c] / predicted;
    }

    /// <summary>Of the samples of class <paramref name="c"/>, the fraction found (0 when none).</summary>
    public double Recall(int c)
    {
        long actual = 0;
        for (int p = 0; p < ClassCount; p++) actual += _counts[c, p];
        return actual == 0 ? 0 : (double)_counts[c, c] / actual;
    }

    /// <summary>Harmonic mean of precision and recall of class <paramref name="c"/>.</summary>
    public double F1(int c)
    {
        double p = Precision(c), r = Recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /// <summary>Unweighted mean F1 over classes.</summary>
    public double MacroF1 => Enumerable.Range(0, ClassCount).Average(F1);

    /// <summary>The matrix as text, with optional class names.</summary>
    public string ToString(IReadOnlyList<string>? classNames)
    {
        var names = Enumerable.Range(0, ClassCount).Select(c => classNames is not null && c < classNames.Count ? classNames[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        int width = Math.Max(6, names.Max(n => n.Length) + 1);
        var sb = new System.Text.StringBuilder();
        sb.Append("actual \\ predicted".PadRight(width + 2));
        foreach (var n in names) sb.Append(n.PadLeft(width));
        sb.AppendLine();
        for (int a = 0; a < ClassCount; a++)
        {
            sb.Append(names[a].PadRight(width + 2));
            for (int p = 0; p < ClassCount; p++) sb.Append(_counts[a, p].ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width));
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => ToString(null);
}
