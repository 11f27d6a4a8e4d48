namespace TransferKit.Training;

/// <summary>Multiplies the rate by <c>gamma</c> every <c>stepSize</c> steps (PyTorch's StepLR).</summary>
public sealed class StepLR : LRScheduler
{
    private readonly int _stepSize;
    private readonly double _gamma;

    /// <summary>Creates the schedule.</summary>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        _stepSize = stepSize;
        _gamma = gamma;
        Apply();
    }

    /// <inheritdoc />
    public override double LearningRateAt(int step, int group) => BaseLearningRates[group] * Math.Pow(_gamma, step / _stepSize);
}

/// <summary>Multiplies the rate by <c>gamma</c> at each milestone (PyTorch's MultiStepLR).</summary>
public sealed class MultiStepLR : LRScheduler
{
    private readonly int[] _milestones;
    private readonly double _gamma;

    /// <summary>Creates the schedule.</summary>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        _milestones = milestones.OrderBy(m => m).ToArray();
        _gamma = gamma;
        Apply();
    }

    /// <inheritdoc />
    public override double LearningRateAt(int step, int group) =>
        BaseLearningRates[group] * Math.Pow(_gamma, _milestones.Count(m => m <= step));
}

/// <summary>Cosine annealing from the base rate to <c>etaMin</c> over <c>tMax</c> steps (PyTorch's CosineAnnealingLR).</summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    private readonly int _tMax;
    private readonly double _etaMin;

    /// <summary>Creates the schedule.</summary>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tMax, 1);
        _tMax = tMax;
        _etaMin = etaMin;
        Apply();
    }

    /// <inheritdoc />
    public override double LearningRateAt(int step, int group) =>
        _etaMin + (BaseLearningRates[group] - _etaMin) * (1 + Math.Cos(Math.PI * step / _tMax)) / 2;
}

/// <summary>
/// Linear warm-up over the first <c>warmupSteps</c> steps from <c>startFactor</c> × the base rate to
/// the base rate, then hands over to another schedule counted from the end of the warm-up
/// (PyTorch's SequentialLR of LinearLR and the other schedule). Without a following schedule the
/// rate stays at the base rate.
/// </summary>
public sealed class WarmupLR : LRScheduler
{
    private readonly int _warmupSteps;
    private readonly double _startFactor;
    private readonly Func<Optimizer, LRScheduler>? _after;
    private LRScheduler? _next;

    /// <summary>Creates the schedule.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="warmupSteps">Length of the warm-up.</param>
    /// <param name="startFactor">Fraction of the base rate at step 0.</param>
    /// <param name="after">Creates the schedule that follows (given the same optimizer), e.g. <c>o =&gt; new CosineAnnealingLR(o, 90)</c>.</param>
    public WarmupLR(Optimizer optimizer, int warmupSteps, double startFactor = 1.0 / 3, Func<Optimizer, LRScheduler>? after = null) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(warmupSteps, 1);
        if (startFactor is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "must be in (0, 1]");
        _warmupSteps = warmupSteps;
        _startFactor = startFactor;
        _after = after;
        Apply();
    }

    /// <inheritdoc />
    public override double LearningRateAt(int step, int group)
    {
        if (step < _warmupSteps || _after is null)
        {
            double progress = Math.Min(step, _warmupSteps) / (double)_warmupSteps;
            return BaseLearningRates[group] * (_startFactor + (1 - _startFactor) * progress);
        }
        return Following().LearningRateAt(step - _warmupSteps, group);
    }

    private LRScheduler Following()
    {
        if (_next is not null) return _next;
        // The following schedule reads the groups' initial rates, which the warm-up never changes.
        var saved = Optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();
        _next = _after!(Optimizer);
        for (int g = 0; g < saved.Length; g++) Optimizer.ParamGroups[g].LearningRate = saved[g];
        return _next;
    }
}

/// <summary>
/// The one-cycle policy (Smith): the rate rises from <c>maxLr / divFactor</c> to <c>maxLr</c> over
/// <c>pctStart</c> of the steps, then anneals (cosine or linear) to <c>initial / finalDivFactor</c>;
/// PyTorch's OneCycleLR with two phases. Step it once per batch. Momentum is not cycled.
/// </summary>
public sealed class OneCycleLR : LRScheduler
{
    private readonly double[] _maxLr;
    private readonly int _totalSteps;
    private readonly double _pctStart, _divFactor, _finalDivFactor;
    private readonly bool _cosine;

    /// <summary>Creates the schedule; it overwrites the groups' initial rates with maxLr / divFactor.</summary>
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3, bool cosineAnnealing = true,
        double divFactor = 25, double finalDivFactor = 1e4) : base(PrepareInitialRates(optimizer, maxLr, divFactor))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 2);
        if (pctStart is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, "must be in (0, 1)");
        _maxLr = Enumerable.Repeat(maxLr, optimizer.ParamGroups.Count).ToArray();
        _totalSteps = totalSteps;
        _pctStart = pctStart;
        _cosine = cosineAnnealing;
        _divFactor = divFactor;
        _finalDivFactor = finalDivFactor;
        Apply();
    }

    private static Optimizer PrepareInitialRates(Optimizer optimizer, double maxLr, double divFactor)
    {
        foreach (var g in optimizer.ParamGroups) g.InitialLearningRate = maxLr / divFactor;
        return optimizer;
    }

    /// <inheritdoc />
    public override double LearningRateAt(int step, int group)
    {
        if (step > _totalSteps)
            throw new InvalidOperationException($"OneCycleLR was stepped {step} times but was created for {_totalSteps} steps.");
        double initial = _maxLr[group] / _divFactor;
        double min = initial / _finalDivFactor;
        double warmEnd = _pctStart * _totalSteps - 1;
        double end = _totalSteps - 1;
        return step <= warmEnd
            ? Anneal(initial, _maxLr[group], step / warmEnd)
            : Anneal(_maxLr[group], min, (step - warmEnd) / (end - warmEnd));
    }

    private double Anneal(double start, double end, double pct) =>
        _cosine ? end + (start - end) / 2 * (Math.Cos(Math.PI * pct) + 1) : (end - start) * pct + start;
}
