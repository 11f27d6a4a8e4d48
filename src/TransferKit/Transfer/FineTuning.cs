using TransferKit.Training;
using TransferKit.Data;

namespace TransferKit.Transfer;

/// <summary>Optimizer used by <see cref="FineTuning.FineTune"/>.</summary>
public enum FineTuneOptimizer
{
    /// <summary>AdamW (weight decay 0.01), fastai's default family.</summary>
    AdamW,
    /// <summary>SGD with momentum 0.9, the PyTorch tutorial's.</summary>
    Sgd,
}

/// <summary>Settings of <see cref="FineTuning.FineTune"/>.</summary>
public sealed record FineTuneOptions
{
    /// <summary>Epochs training only the head (default 1).</summary>
    public int FreezeEpochs { get; init; } = 1;

    /// <summary>Epochs training everything afterwards (default 5).</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Learning rate of the head stage; the unfrozen stage uses half of it for the head (default 2e-3).</summary>
    public double BaseLearningRate { get; init; } = 2e-3;

    /// <summary>How much lower the earliest backbone stage's rate is than the head's in the unfrozen stage (default 100).</summary>
    public double EarliestLayerDivisor { get; init; } = 100;

    /// <summary>The optimizer (default AdamW).</summary>
    public FineTuneOptimizer Optimizer { get; init; } = FineTuneOptimizer.AdamW;

    /// <summary>Other trainer settings (monitoring, early stopping, checkpoints...); epochs and optimizer are set per stage.</summary>
    public TrainerOptions Trainer { get; init; } = new();
}

/// <summary>The two stages' results.</summary>
/// <param name="HeadStage">Training the new head on the frozen backbone.</param>
/// <param name="FullStage">Training everything with discriminative rates.</param>
public sealed record FineTuneResult(TrainingResult HeadStage, TrainingResult FullStage);

/// <summary>Transfer-learning recipes.</summary>
public static class FineTuning
{
    /// <summary>
    /// fastai's <c>fine_tune</c> (and the Keras two-stage guide): train the head with the backbone
    /// frozen for <see cref="FineTuneOptions.FreezeEpochs"/>, then unfreeze everything and train for
    /// <see cref="FineTuneOptions.Epochs"/> with half the rate, spread over the backbone's stages so
    /// earlier layers learn <see cref="FineTuneOptions.EarliestLayerDivisor"/> times slower, annealed
    /// with a cosine schedule. BatchNorm follows the model's <see cref="BatchNormPolicy"/> (use
    /// <see cref="BatchNormPolicy.AlwaysInferenceMode"/> for the Keras recipe).
    /// </summary>
    public static FineTuneResult FineTune(TransferModel model, IEnumerable<Batch> train, IEnumerable<Batch>? validation = null, FineTuneOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new FineTuneOptions();
        if (options.FreezeEpochs < 1 || options.Epochs < 1) throw new ArgumentException("FreezeEpochs and Epochs must be at least 1.");
        if (options.EarliestLayerDivisor < 1) throw new ArgumentException("EarliestLayerDivisor must be at least 1.");

        model.FreezeBackbone();
        var head = new Trainer(options.Trainer with
        {
            Epochs = options.FreezeEpochs,
            OptimizerFactory = m => Create(options.Optimizer, new[] { new ParamGroup(model.TrainableParameters()) }, options.BaseLearningRate),
            SchedulerFactory = null,
        }).Fit(model, train, validation, progress, cancellationToken);
        if (head.Cancelled) return new FineTuneResult(head, head);

        model.Unfreeze();
        double headLr = options.BaseLearningRate / 2;
        var full = new Trainer(options.Trainer with
        {
            Epochs = options.Epochs,
            OptimizerFactory = m => Create(options.Optimizer, model.DiscriminativeGroups(headLr / options.EarliestLayerDivisor, headLr), headLr),
            SchedulerFactory = o => new CosineAnnealingLR(o, options.Epochs),
        }).Fit(model, train, validation, progress, cancellationToken);
        return new FineTuneResult(head, full);
    }

    private static Optimizer Create(FineTuneOptimizer kind, IEnumerable<ParamGroup> groups, double lr) => kind switch
    {
        FineTuneOptimizer.Sgd => new SGD(groups, lr, momentum: 0.9),
        _ => new AdamW(groups, lr),
    };
}
