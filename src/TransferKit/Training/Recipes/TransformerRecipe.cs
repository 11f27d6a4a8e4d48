using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Training;

/// <summary>
/// The Hugging Face Trainer's fine-tuning recipe for transformers, on <see cref="Trainer"/>: AdamW
/// (β 0.9 / 0.999, ε 1e-8) whose weight decay spares biases and LayerNorm weights, a linear warm-up
/// then linear decay to 0 stepped after every optimizer step (<see cref="LinearWarmupDecayLR"/>),
/// gradient clipping to a global norm of 1, and optionally layer-wise learning-rate decay (each
/// layer's rate is the next deeper one's × <see cref="LayerDecay"/>, the head at the full rate).
/// The defaults are the HF Trainer's (<c>learning_rate</c> 5e-5, <c>weight_decay</c> 0,
/// <c>warmup_ratio</c> 0, <c>max_grad_norm</c> 1).
/// </summary>
/// <example><code>
/// var recipe = new TransformerRecipe { LearningRate = 5e-5, WeightDecay = 0.01, WarmupRatio = 0.1 };
/// var result = new Trainer(recipe.TrainerOptions(model, epochs: 4, batchesPerEpoch: train.Count())).Fit(model, train, val);
/// </code></example>
public sealed record TransformerRecipe
{
    /// <summary>Peak learning rate (default 5e-5).</summary>
    public double LearningRate { get; init; } = 5e-5;

    /// <summary>Decoupled weight decay of the parameters that decay (default 0, as the HF Trainer; 0.01 is common).</summary>
    public double WeightDecay { get; init; }

    /// <summary>AdamW's β1 (default 0.9).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW's β2 (default 0.999).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>AdamW's ε (default 1e-8).</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Warm-up length as a fraction of the run's optimizer steps (default 0); ignored when <see cref="WarmupSteps"/> is set.</summary>
    public double WarmupRatio { get; init; }

    /// <summary>Warm-up length in optimizer steps; overrides <see cref="WarmupRatio"/> when set.</summary>
    public int? WarmupSteps { get; init; }

    /// <summary>Clip the global gradient norm to this before each step (default 1); null disables clipping.</summary>
    public double? MaxGradientNorm { get; init; } = 1.0;

    /// <summary>
    /// Layer-wise learning-rate decay in (0, 1], or null for none: a parameter at depth d (see
    /// <see cref="LayerDepth"/>) trains at LearningRate × LayerDecay^(maxDepth − d).
    /// </summary>
    public double? LayerDecay { get; init; }

    /// <summary>
    /// Depth of a parameter by name, 0 (embeddings) .. <see cref="NumLayers"/> + 1 (head), for
    /// <see cref="LayerDecay"/>; null uses <see cref="TransformerLayerDepth.ForEncoder"/>.
    /// </summary>
    public Func<string, int>? LayerDepth { get; init; }

    /// <summary>Encoder layers of the model (needed with <see cref="LayerDecay"/>).</summary>
    public int? NumLayers { get; init; }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every inconsistent setting.</summary>
    public void Validate() => new OptionsCheck(nameof(TransformerRecipe))
        .Require(LearningRate > 0, $"LearningRate must be positive (was {LearningRate}).")
        .Require(WeightDecay >= 0, $"WeightDecay must be >= 0 (was {WeightDecay}).")
        .Require(Beta1 is >= 0 and < 1, $"Beta1 must be in [0, 1) (was {Beta1}).")
        .Require(Beta2 is >= 0 and < 1, $"Beta2 must be in [0, 1) (was {Beta2}).")
        .Require(Eps >= 0, $"Eps must be >= 0 (was {Eps}).")
        .Require(WarmupRatio is >= 0 and <= 1, $"WarmupRatio must be in [0, 1] (was {WarmupRatio}).")
        .Require(WarmupSteps is not < 0, $"WarmupSteps must be >= 0 (was {WarmupSteps}).")
        .Require(MaxGradientNorm is not <= 0, $"MaxGradientNorm must be positive or null (was {MaxGradientNorm}).")
        .Require(LayerDecay is null or (> 0 and <= 1), $"LayerDecay must be in (0, 1] (was {LayerDecay}).")
        .Require(LayerDecay is null || NumLayers is >= 1, "LayerDecay needs NumLayers (the encoder's layer count), at least 1.")
        .ThrowIfAny();

    /// <summary>
    /// True for the parameters the HF Trainer exempts from weight decay: biases and every parameter
    /// of a <see cref="LayerNorm"/> module. <paramref name="model"/> supplies the module types.
    /// </summary>
    public static ISet<string> NoDecayNames(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (prefix, module) in model.NamedModules())
            foreach (var (name, _) in module.NamedParameters(recurse: false))
            {
                string full = prefix.Length == 0 ? name : prefix + "." + name;
                if (module is LayerNorm || name == "bias") names.Add(full);
            }
        return names;
    }

    /// <summary>
    /// The trainable parameters of <paramref name="model"/> in AdamW groups, in order of first
    /// appearance in the state dict: per depth (only when <see cref="LayerDecay"/> is set) one group
    /// with <see cref="WeightDecay"/> and one with none. Groups are named
    /// <c>decay</c> / <c>no_decay</c>, with <c>.depthN</c> under layer-wise decay.
    /// </summary>
    public IReadOnlyList<ParamGroup> ParamGroups(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Validate();
        var noDecay = NoDecayNames(model);
        var depthOf = LayerDecay is null ? null : LayerDepth ?? TransformerLayerDepth.ForEncoder(NumLayers!.Value);
        int maxDepth = (NumLayers ?? 0) + 1;
        var groups = new List<(int Depth, bool Decay, List<Tensor> Parameters)>();
        foreach (var (name, p) in model.NamedParameters())
        {
            if (!p.RequiresGrad) continue;
            int depth = depthOf?.Invoke(name) ?? maxDepth;
            if (depth < 0 || depth > maxDepth)
                throw new ArgumentException($"LayerDepth gave {depth} for '{name}'; depths must be in [0, {maxDepth}] (NumLayers + 1).");
            bool decay = !noDecay.Contains(name);
            int index = groups.FindIndex(g => g.Depth == depth && g.Decay == decay);
            if (index < 0)
            {
                groups.Add((depth, decay, new List<Tensor>()));
                index = groups.Count - 1;
            }
            groups[index].Parameters.Add(p);
        }
        return groups.Select(g => new ParamGroup(g.Parameters,
            learningRate: LearningRate * Math.Pow(LayerDecay ?? 1, maxDepth - g.Depth),
            weightDecay: g.Decay ? WeightDecay : 0,
            name: (g.Decay ? "decay" : "no_decay") + (LayerDecay is null ? "" : ".depth" + g.Depth))).ToArray();
    }

    /// <summary>AdamW over <see cref="ParamGroups"/>.</summary>
    public AdamW CreateOptimizer(Module model) => new(ParamGroups(model), LearningRate, Beta1, Beta2, Eps, WeightDecay);

    /// <summary>The warm-up length for a run of <paramref name="totalSteps"/> optimizer steps (HF: ⌈ratio × total⌉).</summary>
    public int WarmupStepsFor(int totalSteps) => WarmupSteps ?? (int)Math.Ceiling(WarmupRatio * totalSteps);

    /// <summary>The linear warm-up / decay schedule for a run of <paramref name="totalSteps"/> optimizer steps.</summary>
    public LinearWarmupDecayLR CreateScheduler(Optimizer optimizer, int totalSteps) =>
        new(optimizer, Math.Min(WarmupStepsFor(totalSteps), totalSteps), totalSteps);

    /// <summary>
    /// Trainer settings running this recipe for <paramref name="epochs"/> epochs of
    /// <paramref name="batchesPerEpoch"/> batches: the optimizer, the per-step schedule (its length
    /// counts optimizer steps, i.e. divides by the gradient accumulation of <paramref name="baseOptions"/>)
    /// and the clipping, over <paramref name="baseOptions"/>' other settings.
    /// </summary>
    public TrainerOptions TrainerOptions(Module model, int epochs, int batchesPerEpoch, TrainerOptions? baseOptions = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchesPerEpoch, 1);
        Validate();
        var options = baseOptions ?? new TrainerOptions();
        int stepsPerEpoch = (batchesPerEpoch + options.GradientAccumulationSteps - 1) / Math.Max(1, options.GradientAccumulationSteps);
        int totalSteps = epochs * stepsPerEpoch;
        return options with
        {
            Epochs = epochs,
            LearningRate = LearningRate,
            OptimizerFactory = CreateOptimizer,
            SchedulerFactory = o => CreateScheduler(o, totalSteps),
            StepSchedulerPerBatch = true,
            MaxGradientNorm = MaxGradientNorm,
        };
    }
}
