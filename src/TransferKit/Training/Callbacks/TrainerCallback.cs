namespace TransferKit.Training;

/// <summary>
/// Hooks into a <see cref="Trainer"/> run (fastai's <c>Callback</c>, Lightning's <c>Callback</c>,
/// Keras's <c>Callback</c>). Override the events you need; every method does nothing by default.
/// Each receives the run's <see cref="TrainerContext"/>, through which a callback reads the model,
/// optimizer, batch, loss and metrics, changes learning rates or parameter groups, freezes or
/// unfreezes modules, and stops training. Callbacks run in the order they were given, after the
/// built-ins that <see cref="TrainerOptions"/> adds (scheduling, best weights, early stopping);
/// the checkpoint writer runs last so it records what every callback did.
/// A callback that must survive a resume implements <see cref="IStatefulCallback"/>.
/// </summary>
public abstract class TrainerCallback
{
    /// <summary>Once, before the first epoch (after a resume has restored the model and optimizer, before callback states are imported).</summary>
    public virtual void OnFitStart(TrainerContext context) { }

    /// <summary>Once, after the last epoch (not when the run is cancelled or fails).</summary>
    public virtual void OnFitEnd(TrainerContext context) { }

    /// <summary>Before each epoch's training phase; <see cref="TrainerContext.Epoch"/> is the epoch starting.</summary>
    public virtual void OnEpochStart(TrainerContext context) { }

    /// <summary>After each epoch, once its <see cref="EpochResult"/> is in the history (<see cref="TrainerContext.LastEpoch"/>).</summary>
    public virtual void OnEpochEnd(TrainerContext context) { }

    /// <summary>Before the forward pass of a training batch (<see cref="TrainerContext.Batch"/>).</summary>
    public virtual void OnBatchStart(TrainerContext context) { }

    /// <summary>After the loss of a training batch is computed, before backward; <see cref="TrainerContext.Loss"/> may be replaced.</summary>
    public virtual void OnAfterLoss(TrainerContext context) { }

    /// <summary>Before the optimizer step: the (accumulated) gradients are ready, not yet clipped (<see cref="TrainerOptions.MaxGradientNorm"/>).</summary>
    public virtual void OnBeforeOptimizerStep(TrainerContext context) { }

    /// <summary>After the optimizer step and the gradients' reset.</summary>
    public virtual void OnAfterOptimizerStep(TrainerContext context) { }

    /// <summary>After a training batch; <see cref="TrainerContext.BatchLoss"/> holds its loss value.</summary>
    public virtual void OnBatchEnd(TrainerContext context) { }

    /// <summary>After each validation batch (<see cref="TrainerContext.Phase"/> is <see cref="TrainingPhase.Validate"/>).</summary>
    public virtual void OnValidationBatchEnd(TrainerContext context) { }

    /// <summary>After the validation phase of an epoch (<see cref="TrainerContext.ValidationMetrics"/>).</summary>
    public virtual void OnValidationEnd(TrainerContext context) { }

    /// <summary>
    /// When the cancellation token stops the run (after the current batch), before the trainer
    /// throws <see cref="OperationCanceledException"/>; the checkpoint writer saves the resume
    /// checkpoint here.
    /// </summary>
    public virtual void OnCancelled(TrainerContext context) { }
}

/// <summary>
/// A callback whose state must be saved in the training checkpoint so that
/// <see cref="Trainer.Resume"/> continues it exactly (a schedule position, a best value, a flag
/// such as "already unfroze"). The state is a small tree of values that <c>torch.save</c> can
/// hold: <see cref="string"/>, <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>, null,
/// tensors, lists and string-keyed dictionaries of those.
/// </summary>
public interface IStatefulCallback
{
    /// <summary>The key of this callback's state in the checkpoint; unique within a run.</summary>
    string StateKey { get; }

    /// <summary>
    /// The callback's current state. Tensors in it stay owned by the callback (the checkpoint
    /// writer only reads them).
    /// </summary>
    IReadOnlyDictionary<string, object?> ExportState(TrainerContext context);

    /// <summary>
    /// Restores what <see cref="ExportState"/> returned, when resuming (after
    /// <see cref="TrainerCallback.OnFitStart"/>). Integers arrive as <see cref="long"/>, numbers as
    /// <see cref="double"/>, lists as <see cref="IList{T}"/> of object and dictionaries with string
    /// keys. The tensors are freed after the call: clone what you keep.
    /// </summary>
    void ImportState(IReadOnlyDictionary<string, object?> state, TrainerContext context);
}
