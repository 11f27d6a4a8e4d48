using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>
/// Parameters trained with the same learning rate and weight decay, PyTorch's parameter group:
/// for example a small rate for a pretrained backbone and a larger one for a new head.
/// </summary>
public sealed class ParamGroup
{
    /// <summary>Creates a group.</summary>
    /// <param name="parameters">Leaf tensors that require gradients.</param>
    /// <param name="learningRate">Learning rate; null takes the optimizer's default.</param>
    /// <param name="weightDecay">Weight decay; null takes the optimizer's default.</param>
    /// <param name="name">An optional label for messages ("backbone", "head").</param>
    public ParamGroup(IEnumerable<Tensor> parameters, double? learningRate = null, double? weightDecay = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToArray();
        RequestedLearningRate = learningRate;
        RequestedWeightDecay = weightDecay;
        Name = name;
    }

    /// <summary>The parameters of this group.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>An optional label.</summary>
    public string? Name { get; }

    /// <summary>The current learning rate (schedulers change it).</summary>
    public double LearningRate { get; set; }

    /// <summary>The learning rate the group started with (PyTorch's <c>initial_lr</c>), the base of schedules.</summary>
    public double InitialLearningRate { get; internal set; }

    /// <summary>Weight decay (L2 for SGD/Adam, decoupled for AdamW).</summary>
    public double WeightDecay { get; set; }

    internal double? RequestedLearningRate { get; }
    internal double? RequestedWeightDecay { get; }
}
