namespace TransferKit.Training;

/// <summary>Whether <see cref="ReduceLROnPlateau"/> waits for a metric to fall (losses) or to rise (accuracies).</summary>
public enum PlateauMode
{
    /// <summary>Lower is better (PyTorch's <c>mode="min"</c>).</summary>
    Min,
    /// <summary>Higher is better (<c>mode="max"</c>).</summary>
    Max,
}

/// <summary>How <see cref="ReduceLROnPlateau"/>'s threshold defines an improvement.</summary>
public enum ThresholdMode
{
    /// <summary>Better than best × (1 ∓ threshold) (PyTorch's <c>threshold_mode="rel"</c>).</summary>
    Relative,
    /// <summary>Better than best ∓ threshold (<c>threshold_mode="abs"</c>).</summary>
    Absolute,
}

/// <summary>
/// Lowers the learning rates by <c>factor</c> when a monitored metric has not improved for more than
/// <c>patience</c> epochs, with a cooldown after each reduction and a floor per group: PyTorch's
/// <c>torch.optim.lr_scheduler.ReduceLROnPlateau</c>, step for step. Call <see cref="Step(double)"/>
/// once per epoch with the metric, or plug it into a <see cref="Trainer"/> with
/// <see cref="ReduceLROnPlateauCallback"/>.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private readonly double[] _minLrs;
    private readonly double _defaultMinLr;

    /// <summary>Creates the scheduler (PyTorch's defaults).</summary>
    /// <param name="optimizer">The optimizer whose rates are lowered.</param>
    /// <param name="mode">Whether the metric should fall or rise.</param>
    /// <param name="factor">Multiplier of the rates at each reduction, in (0, 1).</param>
    /// <param name="patience">Epochs without improvement tolerated before reducing.</param>
    /// <param name="threshold">Smallest change that counts as an improvement.</param>
    /// <param name="thresholdMode">Relative or absolute threshold.</param>
    /// <param name="cooldown">Epochs after a reduction during which bad epochs are not counted.</param>
    /// <param name="minLr">Lower bound of every group's rate.</param>
    /// <param name="eps">Reductions smaller than this are skipped.</param>
    /// <param name="minLrs">Lower bound per group (overrides <paramref name="minLr"/> for the groups it covers).</param>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1, int patience = 10,
        double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Relative, int cooldown = 0, double minLr = 0, double eps = 1e-8,
        IReadOnlyList<double>? minLrs = null)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        var check = new Engine.OptionsCheck(nameof(ReduceLROnPlateau))
            .Require(factor is > 0 and < 1, $"factor must be in (0, 1) (was {factor}).")
            .Require(patience >= 0, $"patience must be >= 0 (was {patience}).")
            .Require(threshold >= 0, $"threshold must be >= 0 (was {threshold}).")
            .Require(cooldown >= 0, $"cooldown must be >= 0 (was {cooldown}).")
            .Require(minLr >= 0 && (minLrs?.All(m => m >= 0) ?? true), "minimum learning rates must be >= 0.")
            .Require(minLrs is null || minLrs.Count == optimizer.ParamGroups.Count,
                $"minLrs has {minLrs?.Count} values but the optimizer has {optimizer.ParamGroups.Count} parameter groups.");
        check.ThrowIfAny();
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        Eps = eps;
        _defaultMinLr = minLr;
        _minLrs = minLrs?.ToArray() ?? Array.Empty<double>();
        Best = mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;
    }

    /// <summary>The optimizer whose rates are lowered.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Whether the metric should fall or rise.</summary>
    public PlateauMode Mode { get; }

    /// <summary>Multiplier applied at each reduction.</summary>
    public double Factor { get; }

    /// <summary>Epochs without improvement tolerated.</summary>
    public int Patience { get; }

    /// <summary>Improvement threshold.</summary>
    public double Threshold { get; }

    /// <summary>Relative or absolute threshold.</summary>
    public ThresholdMode ThresholdMode { get; }

    /// <summary>Epochs of cooldown after a reduction.</summary>
    public int Cooldown { get; }

    /// <summary>Reductions smaller than this are skipped.</summary>
    public double Eps { get; }

    /// <summary>Best metric seen.</summary>
    public double Best { get; private set; }

    /// <summary>Epochs since the last improvement (PyTorch's <c>num_bad_epochs</c>).</summary>
    public int BadEpochs { get; private set; }

    /// <summary>Epochs of cooldown left.</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>Steps taken (PyTorch's <c>last_epoch</c>).</summary>
    public int LastStep { get; private set; }

    /// <summary>True when <paramref name="value"/> improves on <paramref name="best"/> by more than the threshold.</summary>
    public bool IsBetter(double value, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Relative) => value < best * (1 - Threshold),
        (PlateauMode.Min, ThresholdMode.Absolute) => value < best - Threshold,
        (PlateauMode.Max, ThresholdMode.Relative) => value > best * (Threshold + 1),
        _ => value > best + Threshold,
    };

    /// <summary>Records one epoch's metric; lowers the rates after more than <see cref="Patience"/> epochs without improvement.</summary>
    public void Step(double metric)
    {
        LastStep++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            BadEpochs = 0;
        }
        else
        {
            BadEpochs++;
        }
        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            BadEpochs = 0;
        }
        if (BadEpochs > Patience)
        {
            for (int g = 0; g < Optimizer.ParamGroups.Count; g++)
            {
                var group = Optimizer.ParamGroups[g];
                double lowered = Math.Max(group.LearningRate * Factor, g < _minLrs.Length ? _minLrs[g] : _defaultMinLr);
                if (group.LearningRate - lowered > Eps) group.LearningRate = lowered;
            }
            CooldownCounter = Cooldown;
            BadEpochs = 0;
        }
    }

    internal IReadOnlyDictionary<string, object?> ExportState() => new Dictionary<string, object?>
    {
        ["best"] = Best,
        ["bad_epochs"] = (long)BadEpochs,
        ["cooldown_counter"] = (long)CooldownCounter,
        ["last_step"] = (long)LastStep,
    };

    internal void ImportState(IReadOnlyDictionary<string, object?> state)
    {
        Best = (double)state["best"]!;
        BadEpochs = (int)(long)state["bad_epochs"]!;
        CooldownCounter = (int)(long)state["cooldown_counter"]!;
        LastStep = (int)(long)state["last_step"]!;
    }
}
