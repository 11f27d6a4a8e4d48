namespace TransferKit.Training;

/// <summary>
/// Base of the learning-rate schedules. A schedule is a function of the step count applied to
/// each group's initial learning rate; call <see cref="Step"/> once per epoch or once per batch,
/// whichever the schedule was designed for (PyTorch's convention: after the optimizer step).
/// Construction sets step 0's rates, as PyTorch does.
/// </summary>
public abstract class LRScheduler
{
    /// <summary>Binds the schedule to an optimizer and applies step 0.</summary>
    protected LRScheduler(Optimizer optimizer)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        BaseLearningRates = optimizer.ParamGroups.Select(g => g.InitialLearningRate).ToArray();
    }

    /// <summary>The optimizer whose rates are set.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Each group's initial learning rate.</summary>
    public IReadOnlyList<double> BaseLearningRates { get; }

    /// <summary>Steps taken (PyTorch's <c>last_epoch</c>).</summary>
    public int LastStep { get; private set; }

    /// <summary>The learning rates set by the last step, one per group.</summary>
    public IReadOnlyList<double> LastLearningRates => Optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();

    /// <summary>The learning rate of group <paramref name="group"/> at step <paramref name="step"/>.</summary>
    public abstract double LearningRateAt(int step, int group);

    /// <summary>Advances one step and sets every group's learning rate.</summary>
    public virtual void Step()
    {
        LastStep++;
        Apply();
    }

    /// <summary>Sets the rates for <see cref="LastStep"/> (used by constructors and checkpoint restore).</summary>
    protected void Apply()
    {
        for (int g = 0; g < Optimizer.ParamGroups.Count; g++)
            Optimizer.ParamGroups[g].LearningRate = LearningRateAt(LastStep, g);
    }

    /// <summary>Jumps to a step (when resuming from a checkpoint) and applies its rates.</summary>
    public void SetStep(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        LastStep = step;
        Apply();
    }
}
