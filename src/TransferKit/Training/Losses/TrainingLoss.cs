using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Training;

/// <summary>
/// The loss a <see cref="Trainer"/> minimizes, computed from the model's outputs and the batch (its
/// targets, and any other input a task needs). Set <see cref="TrainerOptions.Loss"/> to replace the
/// default (<see cref="CrossEntropyLoss"/> built from <see cref="TrainerOptions.LabelSmoothing"/> and
/// <see cref="TrainerOptions.ClassWeights"/>). A loss that holds tensors frees them in
/// <c>Dispose</c>; the trainer disposes the losses it creates, never one you pass in.
/// </summary>
public abstract class TrainingLoss : IDisposable
{
    /// <summary>The mean loss of a batch, a scalar tensor (differentiable when training).</summary>
    /// <param name="outputs">The model's outputs (float32).</param>
    /// <param name="batch">The batch (targets and inputs).</param>
    /// <param name="phase">Training or validation (e.g. label smoothing applies only while training).</param>
    public abstract Tensor Compute(Tensor outputs, Batch batch, TrainingPhase phase);

    private readonly Dictionary<(Tensor Weights, Device Device), Tensor> _onDevice = new();

    /// <summary>
    /// <paramref name="weights"/> on <paramref name="outputs"/>' device: itself when already there, else a
    /// copy made on first use and kept by the loss (losses hold CPU weights; training may run on a
    /// GPU), so that a step does not copy them again.
    /// </summary>
    protected Tensor? OnDeviceOf(Tensor? weights, Tensor outputs)
    {
        if (weights is null || weights.Device == outputs.Device) return weights;
        var key = (weights, outputs.Device);
        if (!_onDevice.TryGetValue(key, out var moved))
        {
            using (Torch.NoGrad()) moved = weights.To(outputs.Device).DetachFromDisposeScope();
            _onDevice[key] = moved;
        }
        return moved;
    }

    /// <summary>Frees tensors the loss holds.</summary>
    public void Dispose()
    {
        foreach (var moved in _onDevice.Values) moved.Dispose();
        _onDevice.Clear();
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Override to free tensors.</summary>
    protected virtual void Dispose(bool disposing) { }
}

/// <summary>
/// Cross-entropy between logits [N, C] and class indices [N], with optional label smoothing (applied
/// while training only, as the reported validation loss is the plain one) and per-class weights.
/// The weight tensor is built once, when the loss is created.
/// </summary>
public sealed class CrossEntropyLoss : TrainingLoss
{
    private readonly Tensor? _weights;

    /// <summary>Creates the loss.</summary>
    /// <param name="labelSmoothing">Label smoothing in [0, 1).</param>
    /// <param name="classWeights">Per-class weights, or null.</param>
    public CrossEntropyLoss(double labelSmoothing = 0, IReadOnlyList<float>? classWeights = null)
    {
        if (labelSmoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label smoothing must be in [0, 1)");
        LabelSmoothing = labelSmoothing;
        if (classWeights is not null)
        {
            if (classWeights.Count == 0) throw new ArgumentException("Class weights are empty.", nameof(classWeights));
            _weights = Torch.FromArray(classWeights.ToArray()).DetachFromDisposeScope();
        }
    }

    /// <summary>Label smoothing used while training.</summary>
    public double LabelSmoothing { get; }

    /// <inheritdoc />
    public override Tensor Compute(Tensor outputs, Batch batch, TrainingPhase phase)
    {
        if (_weights is not null && outputs.NDim == 2 && outputs.Size(1) != _weights.Size(0))
            throw new InvalidOperationException($"There are {_weights.Size(0)} class weights but the model produces {outputs.Size(1)} outputs per sample.");
        return Functional.CrossEntropy(outputs, batch.Targets, OnDeviceOf(_weights, outputs), labelSmoothing: phase == TrainingPhase.Train ? LabelSmoothing : 0);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing) => _weights?.Dispose();
}

/// <summary>
/// Multi-label loss: binary cross-entropy on logits [N, C] against float multi-hot targets [N, C]
/// (PyTorch's <c>BCEWithLogitsLoss</c>), with an optional positive-class weight per label.
/// </summary>
public sealed class BinaryCrossEntropyWithLogitsLoss : TrainingLoss
{
    private readonly Tensor? _positiveWeights;

    /// <summary>Creates the loss.</summary>
    /// <param name="positiveWeights">Weight of positive examples per label (PyTorch's <c>pos_weight</c>), or null.</param>
    public BinaryCrossEntropyWithLogitsLoss(IReadOnlyList<float>? positiveWeights = null)
    {
        if (positiveWeights is not null) _positiveWeights = Torch.FromArray(positiveWeights.ToArray()).DetachFromDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor Compute(Tensor outputs, Batch batch, TrainingPhase phase)
    {
        var targets = batch.Targets;
        if (targets.NDim != 2 || !targets.Dtype.IsFloatingPoint())
            throw new InvalidOperationException(
                $"Multi-label training needs float multi-hot targets [N, C]; the batch has {targets.Dtype.PyTorchName()} targets of shape [{string.Join(", ", targets.Shape)}].");
        return Functional.BinaryCrossEntropyWithLogits(outputs, targets, posWeight: OnDeviceOf(_positiveWeights, outputs));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing) => _positiveWeights?.Dispose();
}
