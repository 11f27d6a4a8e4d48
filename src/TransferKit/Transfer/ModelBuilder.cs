using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Serialization;
using TransferKit.Engine;

namespace TransferKit.Transfer;

/// <summary>
/// Full control over a transfer-learning model (for the one-line path see <see cref="ImageClassifier"/>):
/// <code>
/// var model = ModelBuilder.FromPretrained("resnet18", new[] { "ants", "bees" }).FreezeBackbone().Build();
/// </code>
/// Start from pretrained weights (<see cref="FromPretrained(string, IReadOnlyList{string}?, string?, string?, WeightsResolverOptions?, IProgress{double}?)"/>),
/// a randomly initialised architecture (<see cref="FromArchitecture"/>), your own network
/// (<see cref="FromModel"/>) or a saved model package (<see cref="FromPackage"/>); choose what to
/// freeze; replace or supply the head. <see cref="Build"/> checks the result and returns a
/// <see cref="TransferModel"/>.
/// </summary>
/// <remarks>
/// Every step (<see cref="FreezeBackbone"/>, <see cref="Unfreeze"/>, <see cref="UnfreezeFrom"/>,
/// <see cref="UnfreezeLastStages"/>, <see cref="ReplaceHead(IReadOnlyList{string})"/>,
/// <see cref="WithHead"/>) is recorded and applied by <see cref="Build"/>, in call order: a later
/// freezing step overrides an earlier one (<c>FreezeBackbone().Unfreeze()</c> trains everything,
/// <c>Unfreeze().FreezeBackbone()</c> only the head), and a new head is always trainable, whatever
/// was frozen before it. Arguments are checked when a step is called. Settings
/// (<see cref="WithBatchNormPolicy"/>, <see cref="WithPreprocessing"/>) are values, not steps: the
/// last one given wins.
/// </remarks>
public sealed class ModelBuilder
{
    private readonly ClassifierModel _network;
    private readonly IReadOnlyList<string> _labels;
    private readonly bool _customHead;
    private readonly List<Action<TransferModel>> _steps = new();
    private Preprocessing _preprocessing;
    private BatchNormPolicy _policy = BatchNormPolicy.FrozenInInferenceMode;
    private bool _built;

    private ModelBuilder(ClassifierModel network, IReadOnlyList<string> labels, Preprocessing preprocessing, bool customHead = false)
    {
        _network = network;
        _labels = labels;
        _preprocessing = preprocessing;
        _customHead = customHead;
    }

    /// <summary>
    /// A zoo architecture with pretrained weights: the catalog's weights entry
    /// <paramref name="weightsTag"/> (torchvision's default for the architecture when null), found
    /// in PyTorch's hub cache or TransferKit's cache, else downloaded with a SHA-256 check; or
    /// <paramref name="weightsFile"/>, a <c>.pth</c>/safetensors file of the same architecture,
    /// whatever its number of classes. Preprocessing (sizes, statistics, interpolation) comes from the
    /// weights entry. With <paramref name="labels"/> the model gets a new head for them (the first
    /// step, see the remarks on the class); otherwise it keeps the weights' classes.
    /// </summary>
    /// <param name="architecture">A zoo name, e.g. <c>resnet18</c>.</param>
    /// <param name="labels">Class names for a new head, or null to keep the weights' head.</param>
    /// <param name="weightsTag">A catalog tag (<see cref="PretrainedCatalog"/>, e.g. <c>IMAGENET1K_V2</c>), or null / <c>DEFAULT</c>.</param>
    /// <param name="weightsFile">An explicit weights file, or null for the catalog's.</param>
    /// <param name="resolverOptions">Cache folders and download settings.</param>
    /// <param name="downloadProgress">Receives download progress (0..1).</param>
    /// <exception cref="PretrainedWeightsNotFoundException">The weights are not cached and cannot be downloaded.</exception>
    public static ModelBuilder FromPretrained(string architecture, IReadOnlyList<string>? labels = null, string? weightsTag = null,
        string? weightsFile = null, WeightsResolverOptions? resolverOptions = null, IProgress<double>? downloadProgress = null)
    {
        var weights = StartPretrained(architecture, labels, weightsTag);
        string path = new WeightsResolver(resolverOptions).Resolve(weights, weightsFile, downloadProgress);
        return FromWeightsFile(weights, path, labels);
    }

    /// <summary>
    /// <see cref="FromPretrained(string, IReadOnlyList{string}?, string?, string?, WeightsResolverOptions?, IProgress{double}?)"/>
    /// with a new head of <paramref name="numClasses"/> outputs (labels "class_0", ...).
    /// </summary>
    public static ModelBuilder FromPretrained(string architecture, int numClasses, string? weightsTag = null, string? weightsFile = null,
        WeightsResolverOptions? resolverOptions = null, IProgress<double>? downloadProgress = null) =>
        FromPretrained(architecture, TransferModel.GenericLabels(numClasses), weightsTag, weightsFile, resolverOptions, downloadProgress);

    /// <summary>
    /// <see cref="FromPretrained(string, IReadOnlyList{string}?, string?, string?, WeightsResolverOptions?, IProgress{double}?)"/>
    /// with an asynchronous download that <paramref name="cancellationToken"/> stops
    /// (<see cref="OperationCanceledException"/>; no partial file is left). Reading the file is synchronous.
    /// </summary>
    public static async Task<ModelBuilder> FromPretrainedAsync(string architecture, IReadOnlyList<string>? labels = null, string? weightsTag = null,
        string? weightsFile = null, WeightsResolverOptions? resolverOptions = null, IProgress<double>? downloadProgress = null,
        CancellationToken cancellationToken = default)
    {
        var weights = StartPretrained(architecture, labels, weightsTag);
        string path = await new WeightsResolver(resolverOptions).ResolveAsync(weights, weightsFile, downloadProgress, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return FromWeightsFile(weights, path, labels);
    }

    /// <summary><see cref="FromPretrainedAsync(string, IReadOnlyList{string}?, string?, string?, WeightsResolverOptions?, IProgress{double}?, CancellationToken)"/> with <paramref name="numClasses"/> new outputs.</summary>
    public static Task<ModelBuilder> FromPretrainedAsync(string architecture, int numClasses, string? weightsTag = null, string? weightsFile = null,
        WeightsResolverOptions? resolverOptions = null, IProgress<double>? downloadProgress = null, CancellationToken cancellationToken = default) =>
        FromPretrainedAsync(architecture, TransferModel.GenericLabels(numClasses), weightsTag, weightsFile, resolverOptions, downloadProgress, cancellationToken);

    private static PretrainedWeights StartPretrained(string architecture, IReadOnlyList<string>? labels, string? weightsTag)
    {
        ArgumentException.ThrowIfNullOrEmpty(architecture);
        if (labels is not null) TransferModel.CheckLabels(labels);
        return PretrainedCatalog.Get(architecture, weightsTag);
    }

    private static ModelBuilder FromWeightsFile(PretrainedWeights weights, string path, IReadOnlyList<string>? labels)
    {
        var network = PretrainedModels.Create(weights, path, p => TorchSerializer.LoadStateDict(p));
        long classes = network.HeadOutFeatures();
        var fileLabels = classes == weights.Categories.Count ? weights.Categories : TransferModel.GenericLabels(classes);
        // Hugging Face ViT weights expect Hugging Face's preprocessing, whatever the catalog entry's.
        var preprocessing = network is VisionTransformer { LoadedLayout: VitKeyLayout.HuggingFace } vit
            ? Preprocessing.HuggingFaceVit(vit.Config.ImageSize)
            : Preprocessing.For(weights);
        var builder = new ModelBuilder(network, fileLabels, preprocessing);
        return labels is null ? builder : builder.ReplaceHead(labels);
    }

    /// <summary>A registered architecture with random initialisation (train from scratch).</summary>
    public static ModelBuilder FromArchitecture(string architecture, int numClasses = 1000, Preprocessing? preprocessing = null)
    {
        preprocessing?.Validate();
        var network = ModelRegistry.Create(architecture, numClasses);
        return new ModelBuilder(network, TransferModel.GenericLabels(numClasses), preprocessing ?? Preprocessing.ImageNet());
    }

    /// <summary>Your own network (any <see cref="ClassifierModel"/>, e.g. one you trained earlier); the model takes ownership of it.</summary>
    public static ModelBuilder FromModel(ClassifierModel network, IReadOnlyList<string>? labels = null, Preprocessing? preprocessing = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        preprocessing?.Validate();
        long classes = network.Head is Linear head ? head.OutFeatures : labels?.Count ?? throw new ArgumentException("Give the labels of a network whose head is not a Linear layer.", nameof(labels));
        if (labels is not null && labels.Count != classes)
            throw new ArgumentException($"{labels.Count} labels for a head with {classes} outputs.", nameof(labels));
        return new ModelBuilder(network, labels ?? TransferModel.GenericLabels(classes), preprocessing ?? Preprocessing.ImageNet());
    }

    /// <summary>
    /// A model package saved with <see cref="TransferModel.Save"/> (weights, labels, architecture,
    /// preprocessing, BatchNorm policy), to continue from: freeze, replace the head, train again.
    /// A package with a custom head needs <paramref name="customHead"/> (see <see cref="ModelPackage.Load"/>).
    /// </summary>
    /// <exception cref="CheckpointFormatException">The file is not a model package (the message names it).</exception>
    public static ModelBuilder FromPackage(string path, Func<long, long, Module>? customHead = null)
    {
        var saved = ModelPackage.Load(path, customHead);
        return new ModelBuilder(saved.Network, saved.Labels, saved.Preprocessing, saved.HasCustomHead) { _policy = saved.BatchNormPolicy };
    }

    /// <summary>Step: freezes everything but the head.</summary>
    public ModelBuilder FreezeBackbone() => Then(m => m.FreezeBackbone());

    /// <summary>Step: makes every parameter trainable.</summary>
    public ModelBuilder Unfreeze() => Then(m => m.Unfreeze());

    /// <summary>Step: trains only the module at <paramref name="modulePath"/> onwards (e.g. "layer4") and the head.</summary>
    /// <exception cref="KeyNotFoundException">No such module (the message lists the children).</exception>
    public ModelBuilder UnfreezeFrom(string modulePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modulePath);
        _network.GetSubmodule(modulePath);
        return Then(m => m.UnfreezeFrom(modulePath));
    }

    /// <summary>Step: trains only the last <paramref name="stages"/> backbone stages and the head.</summary>
    public ModelBuilder UnfreezeLastStages(int stages)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        return Then(m => m.UnfreezeLastStages(stages));
    }

    /// <summary>Step: a new Linear head with <paramref name="numClasses"/> outputs (labels "class_0", ...).</summary>
    public ModelBuilder ReplaceHead(int numClasses) => ReplaceHead(TransferModel.GenericLabels(numClasses));

    /// <summary>Step: a new Linear head with one output per label.</summary>
    public ModelBuilder ReplaceHead(IReadOnlyList<string> labels)
    {
        TransferModel.CheckLabels(labels);
        var copy = labels.ToArray();
        return Then(m => m.ReplaceHead(copy));
    }

    /// <summary>
    /// Step: your own head module, fed the backbone's features ([N, <c>HeadInFeatures</c>]) and
    /// producing one logit per label (e.g. <c>new Sequential(new Dropout(0.2), new Linear(512, 3))</c>).
    /// The model takes ownership of it; <see cref="Build"/> checks its output count.
    /// </summary>
    public ModelBuilder WithHead(Module head, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(head);
        TransferModel.CheckLabels(labels);
        var copy = labels.ToArray();
        return Then(m => m.SetHead(head, copy, custom: true));
    }

    /// <summary>Setting: what BatchNorm layers do while training (default: frozen ones stay in inference mode).</summary>
    public ModelBuilder WithBatchNormPolicy(BatchNormPolicy policy)
    {
        if (!Enum.IsDefined(policy)) throw new ArgumentOutOfRangeException(nameof(policy), policy, "not a BatchNormPolicy");
        _policy = policy;
        return this;
    }

    /// <summary>Setting: the preprocessing (e.g. for weights trained at another resolution).</summary>
    public ModelBuilder WithPreprocessing(Preprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        preprocessing.Validate();
        _preprocessing = preprocessing;
        return this;
    }

    /// <summary>
    /// Applies the steps in call order and returns the model, in training mode. Fails when nothing
    /// would train, or when a custom head's output count differs from its labels.
    /// </summary>
    public TransferModel Build()
    {
        if (_built) throw new InvalidOperationException("Build() was already called on this builder.");
        _built = true;
        var model = new TransferModel(_network, _labels, _preprocessing, _policy, _customHead);
        try
        {
            foreach (var step in _steps) step(model);
            model.Train();
            if (!model.Parameters().Any(p => p.RequiresGrad))
                throw new InvalidOperationException("Every parameter is frozen: nothing would train. Leave the head trainable (FreezeBackbone does).");
            if (model.HasCustomHead) CheckHeadOutputs(model);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static void CheckHeadOutputs(TransferModel model)
    {
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        bool training = model.Head.Training;
        model.Head.Eval();
        long outputs = model.Head.Forward(Torch.Zeros(1, model.HeadInFeatures)).Size(-1);
        model.Head.Train(training);
        if (outputs != model.Labels.Count)
            throw new InvalidOperationException($"The custom head produces {outputs} outputs but {model.Labels.Count} labels were given.");
    }

    private ModelBuilder Then(Action<TransferModel> step)
    {
        if (_built) throw new InvalidOperationException("Build() was already called on this builder.");
        _steps.Add(step);
        return this;
    }
}
