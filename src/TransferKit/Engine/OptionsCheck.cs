namespace TransferKit.Engine;

/// <summary>
/// Validation of an options object that reports every problem at once: call <see cref="Require"/>
/// for each rule, then <see cref="ThrowIfAny"/>, which throws one <see cref="ArgumentException"/>
/// naming the options type and listing each broken rule (not only the first).
/// </summary>
internal sealed class OptionsCheck
{
    private readonly string _owner;
    private readonly List<string> _problems = new();

    /// <summary>Starts checking the options called <paramref name="owner"/> (e.g. "TrainerOptions").</summary>
    public OptionsCheck(string owner) => _owner = owner;

    /// <summary>The problems found so far.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Records <paramref name="problem"/> (say what was expected and what was found) when <paramref name="condition"/> is false.</summary>
    public OptionsCheck Require(bool condition, string problem)
    {
        if (!condition) _problems.Add(problem);
        return this;
    }

    /// <summary>
    /// Runs another validation that throws <see cref="ArgumentException"/> (nested options, a name
    /// lookup) and records its message, prefixed with <paramref name="prefix"/> and ": " when given,
    /// instead of stopping at it.
    /// </summary>
    public OptionsCheck Include(Action validate, string? prefix = null)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            _problems.Add(prefix is null ? e.Message : $"{prefix}: {e.Message}");
        }
        return this;
    }

    /// <summary>Throws one exception listing every recorded problem; does nothing when there are none.</summary>
    public void ThrowIfAny()
    {
        if (_problems.Count == 0) return;
        throw new ArgumentException(_problems.Count == 1
            ? $"{_owner}: {_problems[0]}"
            : $"{_owner} has {_problems.Count} invalid settings:{Environment.NewLine}- {string.Join(Environment.NewLine + "- ", _problems)}");
    }
}
