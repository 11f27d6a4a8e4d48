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

    /// <summary>
    /// Other trainer settings (monitoring, early stopping, checkpoints, callbacks, loss, metrics...);
    /// the epochs, optimizer and schedule are FineTune's own.
    /// </summary>
    public TrainerOptions Trainer { get; init; } = new();

    /// <summary>Throws one <see cref="ArgumentException"/> listing every inconsistent setting.</summary>
    public void Validate()
    {
        new Engine.OptionsCheck(nameof(FineTuneOptions))
            .Require(FreezeEpochs >= 1, $"FreezeEpochs must be at least 1 (was {FreezeEpochs}).")
            .Require(Epochs >= 1, $"Epochs must be at least 1 (was {Epochs}).")
            .Require(BaseLearningRate > 0, $"BaseLearningRate must be positive (was {BaseLearningRate}).")
            .Require(EarliestLayerDivisor >= 1, $"EarliestLayerDivisor must be at least 1 (was {EarliestLayerDivisor}).")
            .Require(Trainer is not null, "Trainer must not be null.")
            .ThrowIfAny();
    }
}

/// <summary>What <see cref="FineTuning.FineTune"/> returns.</summary>
/// <param name="Training">The single run: one history over both stages (epochs 1..FreezeEpochs train the head).</param>
/// <param name="UnfrozeAtEpoch">The epoch at which the backbone was unfrozen, or null when the run stopped before it.</param>
public sealed record FineTuneResult(TrainingResult Training, int? UnfrozeAtEpoch);

/// <summary>Transfer-learning recipes.</summary>
public static class FineTuning
{
    /// <summary>
    /// fastai's <c>fine_tune</c> (and the Keras two-stage guide) as one <see cref="Trainer"/> run:
    /// train the head with the backbone frozen for <see cref="FineTuneOptions.FreezeEpochs"/>, then
    /// (Lightning's <c>BackboneFinetuning</c>) unfreeze everything at the start of epoch
    /// FreezeEpochs + 1, set the head's rate to half the base rate, add the backbone's stages to the
    /// optimizer as parameter groups whose rates fall geometrically to
    /// 1/<see cref="FineTuneOptions.EarliestLayerDivisor"/> of the head's for the earliest stage,
    /// and anneal every rate with a cosine schedule over the <see cref="FineTuneOptions.Epochs"/>
    /// remaining epochs. The head keeps its optimizer state across the switch. BatchNorm follows the
    /// model's <see cref="BatchNormPolicy"/> (use <see cref="BatchNormPolicy.AlwaysInferenceMode"/>
    /// for the Keras recipe). With <see cref="TrainerOptions.CheckpointPath"/> set, an interrupted run
    /// continues with <see cref="Resume"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled (the checkpoint was written first when configured).</exception>
    public static FineTuneResult FineTune(TransferModel model, IEnumerable<Batch> train, IEnumerable<Batch>? validation = null, FineTuneOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new FineTuneOptions();
        options.Validate();
        model.FreezeBackbone();
        var (trainer, unfreezing) = Create(model, options);
        var result = trainer.Fit(model, train, validation, progress, cancellationToken);
        return new FineTuneResult(result, unfreezing.UnfrozeAtEpoch);
    }

    /// <summary>
    /// Continues a <see cref="FineTune"/> run from its checkpoint (<see cref="TrainerOptions.CheckpointPath"/>),
    /// also after the unfreeze: the optimizer's groups, the schedule and the frozen state are restored.
    /// Pass the same options and data; in deterministic mode the result equals an uninterrupted run.
    /// </summary>
    public static FineTuneResult Resume(string checkpointPath, TransferModel model, IEnumerable<Batch> train, IEnumerable<Batch>? validation = null,
        FineTuneOptions? options = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        ArgumentNullException.ThrowIfNull(model);
        options ??= new FineTuneOptions();
        options.Validate();
        model.FreezeBackbone();
        var (trainer, unfreezing) = Create(model, options);
        var result = trainer.Resume(checkpointPath, model, train, validation, progress, cancellationToken);
        return new FineTuneResult(result, unfreezing.UnfrozeAtEpoch);
    }

    private static (Trainer, BackboneUnfreezing) Create(TransferModel model, FineTuneOptions options)
    {
        var unfreezing = new BackboneUnfreezing(model, options);
        var trainer = new Trainer(options.Trainer with
        {
            Epochs = options.FreezeEpochs + options.Epochs,
            // The head's parameters by name, not "whatever is trainable": a resumed run after the
            // unfreeze must rebuild the same first group.
            OptimizerFactory = _ => CreateOptimizer(options.Optimizer, new ParamGroup(model.Head.Parameters(), name: "head"), options.BaseLearningRate),
            SchedulerFactory = null,
            Callbacks = options.Trainer.Callbacks.Prepend(unfreezing).ToArray(),
        });
        return (trainer, unfreezing);
    }

    private static Optimizer CreateOptimizer(FineTuneOptimizer kind, ParamGroup head, double lr) => kind switch
    {
        FineTuneOptimizer.Sgd => new SGD(new[] { head }, lr, momentum: 0.9),
        _ => new AdamW(new[] { head }, lr),
    };

    /// <summary>Unfreezes the backbone at epoch FreezeEpochs + 1 with discriminative rates and a cosine schedule.</summary>
    private sealed class BackboneUnfreezing : TrainerCallback, IStatefulCallback
    {
        private readonly TransferModel _model;
        private readonly FineTuneOptions _options;
        private CosineAnnealingLR? _schedule;

        public BackboneUnfreezing(TransferModel model, FineTuneOptions options)
        {
            _model = model;
            _options = options;
        }

        public int? UnfrozeAtEpoch { get; private set; }

        public string StateKey => "fine_tune_unfreezing";

        private int UnfreezeEpoch => _options.FreezeEpochs + 1;

        public override void OnFitStart(TrainerContext context)
        {
            UnfrozeAtEpoch = null;
            _schedule = null;
        }

        public override void OnEpochStart(TrainerContext context)
        {
            if (UnfrozeAtEpoch is not null || context.Epoch != UnfreezeEpoch) return;
            _model.Unfreeze();
            double headLr = _options.BaseLearningRate / 2;
            var head = context.ParamGroups[0];
            head.LearningRate = headLr;
            head.InitialLearningRate = headLr;
            var held = new HashSet<Engine.Tensor>(context.ParamGroups.SelectMany(g => g.Parameters), ReferenceEqualityComparer.Instance);
            foreach (var group in _model.DiscriminativeGroups(headLr / _options.EarliestLayerDivisor, headLr))
            {
                var fresh = group.Parameters.Where(p => !held.Contains(p)).ToArray();
                if (fresh.Length > 0) context.AddParamGroup(new ParamGroup(fresh, group.RequestedLearningRate, name: group.Name));
            }
            _schedule = new CosineAnnealingLR(context.Optimizer, _options.Epochs);
            UnfrozeAtEpoch = context.Epoch;
        }

        public override void OnEpochEnd(TrainerContext context) => _schedule?.Step();

        public IReadOnlyDictionary<string, object?> ExportState(TrainerContext context) => new Dictionary<string, object?>
        {
            ["unfroze_at_epoch"] = UnfrozeAtEpoch is { } e ? (long)e : null,
            ["schedule_step"] = (long)(_schedule?.LastStep ?? 0),
        };

        public void ImportState(IReadOnlyDictionary<string, object?> state, TrainerContext context)
        {
            if (state["unfroze_at_epoch"] is not long epoch) return;
            // The trainer has restored the frozen state and the optimizer's groups (with their initial rates).
            UnfrozeAtEpoch = (int)epoch;
            _model.Train(_model.Training);
            _schedule = new CosineAnnealingLR(context.Optimizer, _options.Epochs);
            _schedule.SetStep((int)(long)state["schedule_step"]!);
        }
    }
}
