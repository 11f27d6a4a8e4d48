using System.Globalization;

namespace TransferKit.Data;

/// <summary>
/// Turns the label column of a file into class indices: class names given by the caller, else
/// integer labels 0..K-1 as they are (named "0".."K-1"), else text labels as classes sorted ordinally.
/// A label that is neither a class name nor a valid index is reported with its line.
/// </summary>
internal static class ClassLabels
{
    /// <summary>The classes and each row's class index.</summary>
    /// <param name="raw">Each row's label text (trimmed).</param>
    /// <param name="lines">Each row's line in the file, for messages.</param>
    /// <param name="given">Class names in label order, or null to infer them.</param>
    /// <param name="error">Makes the exception for a reason (the caller names the file).</param>
    public static (IReadOnlyList<string> Classes, long[] Labels) Resolve(IReadOnlyList<string> raw, IReadOnlyList<int> lines,
        IReadOnlyList<string>? given, Func<string, Exception> error)
    {
        IReadOnlyList<string> classes;
        if (given is not null)
        {
            classes = given.ToArray();
        }
        else if (raw.All(r => long.TryParse(r, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
        {
            long max = raw.Count == 0 ? -1 : raw.Max(r => long.Parse(r, CultureInfo.InvariantCulture));
            if (max >= 100_000) throw error($"integer labels go up to {max}: give the class names instead");
            classes = Enumerable.Range(0, (int)Math.Max(0, max + 1)).Select(k => k.ToString(CultureInfo.InvariantCulture)).ToArray();
        }
        else
        {
            classes = raw.Distinct().OrderBy(c => c, StringComparer.Ordinal).ToArray();
        }
        var index = classes.Select((c, k) => (c, k)).ToDictionary(p => p.c, p => (long)p.k);
        var labels = new long[raw.Count];
        for (int k = 0; k < raw.Count; k++)
            labels[k] = IndexOf(raw[k], index, classes.Count)
                ?? throw error($"line {lines[k]} has label '{raw[k]}', which is not one of the {classes.Count} classes ({string.Join(", ", classes.Take(10))})");
        return (classes, labels);
    }

    /// <summary>The class index of a label: its name, or an integer index in range; null otherwise.</summary>
    public static long? IndexOf(string label, IReadOnlyDictionary<string, long> byName, int classCount) =>
        byName.TryGetValue(label, out long named) ? named
        : long.TryParse(label, NumberStyles.Integer, CultureInfo.InvariantCulture, out long number) && number >= 0 && number < classCount ? number
        : null;
}
