namespace TransferKit.Training;

/// <summary>
/// Linear warm-up from 0 to the base rate over <c>warmupSteps</c> steps, then linear decay to 0 at
/// <c>totalSteps</c>: Hugging Face's <c>get_linear_schedule_with_warmup</c> (the Trainer's default
/// schedule), a <c>LambdaLR</c> whose factor at step s is s / max(1, warmup) during the warm-up and
/// max(0, (total − s) / max(1, total − warmup)) after it. Step it once per optimizer step.
/// </summary>
public sealed class LinearWarmupDecayLR : LRScheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="warmupSteps">Steps of linear warm-up (0 for none).</param>
    /// <param name="totalSteps">Optimizer steps of the whole run (the rate reaches 0 there).</param>
    public LinearWarmupDecayLR(Optimizer optimizer, int warmupSteps, int totalSteps) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (warmupSteps > totalSteps)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"the warm-up must not be longer than the run ({totalSteps} steps)");
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
        Apply();
    }

    /// <summary>Steps of linear warm-up.</summary>
    public int WarmupSteps { get; }

    /// <summary>Steps of the whole run.</summary>
    public int TotalSteps { get; }

    /// <summary>The multiplier of the base rate at <paramref name="step"/>.</summary>
    public double Factor(int step) => step < WarmupSteps
        ? step / (double)Math.Max(1, WarmupSteps)
        : Math.Max(0.0, (TotalSteps - step) / (double)Math.Max(1, TotalSteps - WarmupSteps));

    /// <inheritdoc />
    public override double LearningRateAt(int step, int group) => BaseLearningRates[group] * Factor(step);
}
