namespace TransferKit.NN;

/// <summary>A key whose tensor has a different shape in the module than in the loaded dictionary.</summary>
public sealed record ShapeMismatch(string Key, long[] ModuleShape, long[] LoadedShape)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Key}: module has [{string.Join(", ", ModuleShape)}], loaded [{string.Join(", ", LoadedShape)}]";
}

/// <summary>
/// What <see cref="Module.LoadStateDict"/> did: keys the module expected but the dictionary
/// lacked, keys the dictionary had that the module does not know, and keys whose shapes differ.
/// </summary>
public sealed record StateDictReport(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys,
    IReadOnlyList<ShapeMismatch> ShapeMismatches, IReadOnlyList<string> LoadedKeys)
{
    /// <summary>True when every key matched in name and shape.</summary>
    public bool IsExactMatch => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0 && ShapeMismatches.Count == 0;

    /// <inheritdoc />
    public override string ToString()
    {
        var lines = new List<string> { $"loaded {LoadedKeys.Count} keys" };
        if (MissingKeys.Count > 0) lines.Add($"missing keys ({MissingKeys.Count}): {string.Join(", ", MissingKeys)}");
        if (UnexpectedKeys.Count > 0) lines.Add($"unexpected keys ({UnexpectedKeys.Count}): {string.Join(", ", UnexpectedKeys)}");
        if (ShapeMismatches.Count > 0) lines.Add($"shape mismatches ({ShapeMismatches.Count}): {string.Join("; ", ShapeMismatches)}");
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Thrown by a strict <see cref="Module.LoadStateDict"/> when keys or shapes do not match; nothing was loaded.</summary>
public sealed class StateDictMismatchException : Exception
{
    /// <summary>Creates the exception from a report.</summary>
    public StateDictMismatchException(string moduleName, StateDictReport report)
        : base($"The state dict does not match {moduleName} (nothing was loaded):{Environment.NewLine}{report}") => Report = report;

    /// <summary>The keys that did not match.</summary>
    public StateDictReport Report { get; }
}
