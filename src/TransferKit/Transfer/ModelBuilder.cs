using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Serialization;
using TransferKit.Engine;

namespace TransferKit.Transfer;

/// <summary>
/// The one-line entry point of transfer learning:
/// <code>
/// var model = ModelBuilder.FromPretrained("resnet18").FreezeBackbone().ReplaceHead(2).Build();
/// </code>
/// Start from pretrained weights (<see cref="FromPretrained"/>), a randomly initialised
/// architecture (<see cref="FromArchitecture"/>), your own network (<see cref="FromModel"/>) or a
/// saved model package (<see cref="FromCheckpoint"/>); choose what to freeze; replace or supply the
/// head. <see cref="Build"/> checks the result and returns a <see cref="TransferModel"/>.
/// </summary>
public sealed class ModelBuilder
{
    private readonly ClassifierModel _network;
    private IReadOnlyList<string> _labels;
    private Preprocessing _preprocessing;
    private BatchNormPolicy _policy = BatchNormPolicy.FrozenInInferenceMode;
    private bool _customHead;
    private Action<TransferModel>? _freezing;
    private bool _built;

    private ModelBuilder(ClassifierModel network, IReadOnlyList<string> labels, Preprocessing preprocessing, bool customHead = false)
    {
        _network = network;
        _labels = labels;
        _preprocessing = preprocessing;
        _customHead = customHead;
    }

    /// <summary>
    /// A zoo architecture with pretrained weights. Without <paramref name="weights"/> the published
    /// ImageNet file is resolved (PyTorch's hub cache, TransferKit's cache, then a download with
    /// SHA-256 check); with it, that <c>.pth</c>/safetensors file of the same architecture is used —
    /// whatever its number of classes. Labels and preprocessing come from the weights catalog.
    /// </summary>
    /// <param name="architecture">A zoo name, e.g. <c>resnet18</c>.</param>
    /// <param name="weights">An explicit weights file, or null for the published weights.</param>
    /// <param name="resolverOptions">Cache folders and download settings.</param>
    /// <param name="downloadProgress">Receives download progress (0..1).</param>
    public static ModelBuilder FromPretrained(string architecture, string? weights = null, WeightsResolverOptions? resolverOptions = null,
        IProgress<double>? downloadProgress = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(architecture);
        var catalog = PretrainedCatalog.Get(architecture);
        var network = PretrainedModels.CreateAsync(architecture, path => TorchSerializer.LoadStateDict(path), new WeightsResolver(resolverOptions),
            explicitFile: weights, progress: downloadProgress).GetAwaiter().GetResult();
        long classes = network.NamedParameters().First(p => p.Name == network.HeadPath + ".weight").Parameter.Size(0);
        var labels = classes == catalog.Categories.Count ? catalog.Categories : GenericLabels(classes);
        return new ModelBuilder(network, labels, new Preprocessing(catalog.InputSize, catalog.ResizeSize, catalog.Mean, catalog.Std));
    }

    /// <summary>A registered architecture with random initialisation (train from scratch).</summary>
    public static ModelBuilder FromArchitecture(string architecture, int numClasses = 1000, Preprocessing? preprocessing = null)
    {
        var network = ModelRegistry.Create(architecture, numClasses);
        return new ModelBuilder(network, GenericLabels(numClasses), preprocessing ?? Preprocessing.ImageNet());
    }

    /// <summary>Your own network (any <see cref="ClassifierModel"/>, e.g. one you trained earlier).</summary>
    public static ModelBuilder FromModel(ClassifierModel network, IReadOnlyList<string>? labels = null, Preprocessing? preprocessing = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        long classes = network.Head is Linear head ? head.OutFeatures : labels?.Count ?? throw new ArgumentException("Give the labels of a network whose head is not a Linear layer.", nameof(labels));
        if (labels is not null && labels.Count != classes)
            throw new ArgumentException($"{labels.Count} labels for a head with {classes} outputs.", nameof(labels));
        return new ModelBuilder(network, labels ?? GenericLabels(classes), preprocessing ?? Preprocessing.ImageNet());
    }

    /// <summary>A model package saved with <see cref="TransferModel.Save"/> (weights, labels, architecture, preprocessing).</summary>
    public static ModelBuilder FromCheckpoint(string path, Func<long, long, Module>? customHead = null)
    {
        var saved = ModelPackage.Load(path, customHead);
        var builder = new ModelBuilder(saved.Network, saved.Labels, saved.Preprocessing, saved.HasCustomHead) { _policy = saved.BatchNormPolicy };
        return builder;
    }

    /// <summary>Freezes everything but the head.</summary>
    public ModelBuilder FreezeBackbone() => Then(m => m.FreezeBackbone());

    /// <summary>Makes every parameter trainable.</summary>
    public ModelBuilder Unfreeze() => Then(m => m.Unfreeze());

    /// <summary>Trains only the module at <paramref name="modulePath"/> onwards (e.g. "layer4") and the head.</summary>
    public ModelBuilder UnfreezeFrom(string modulePath) => Then(m => m.UnfreezeFrom(modulePath));

    /// <summary>Trains only the last <paramref name="stages"/> backbone stages and the head.</summary>
    public ModelBuilder UnfreezeLastStages(int stages) => Then(m => m.UnfreezeLastStages(stages));

    /// <summary>A new Linear head with <paramref name="numClasses"/> outputs (labels "class_0", ...).</summary>
    public ModelBuilder ReplaceHead(int numClasses) => ReplaceHead(GenericLabels(numClasses));

    /// <summary>A new Linear head with one output per label.</summary>
    public ModelBuilder ReplaceHead(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count < 1) throw new ArgumentException("A head needs at least one class.", nameof(labels));
        if (labels.Distinct().Count() != labels.Count) throw new ArgumentException("Labels must be distinct.", nameof(labels));
        _network.ReplaceHead(new Linear(_network.HeadInFeatures, labels.Count)).Dispose();
        _labels = labels.ToArray();
        _customHead = false;
        return this;
    }

    /// <summary>
    /// Your own head module, fed the backbone's features ([N, <c>HeadInFeatures</c>]) and producing one
    /// logit per label (e.g. <c>new Sequential(new Dropout(0.2), new Linear(512, 3))</c>).
    /// </summary>
    public ModelBuilder WithHead(Module head, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(labels);
        _network.ReplaceHead(head).Dispose();
        _labels = labels.ToArray();
        _customHead = true;
        return this;
    }

    /// <summary>What BatchNorm layers do while training (default: frozen ones stay in inference mode).</summary>
    public ModelBuilder WithBatchNormPolicy(BatchNormPolicy policy)
    {
        _policy = policy;
        return this;
    }

    /// <summary>Overrides the preprocessing (e.g. for weights trained at another resolution).</summary>
    public ModelBuilder WithPreprocessing(Preprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        preprocessing.Validate();
        _preprocessing = preprocessing;
        return this;
    }

    /// <summary>
    /// Checks the configuration and returns the model, in training mode. Fails when nothing would
    /// train, or when a custom head's output count differs from the labels.
    /// </summary>
    public TransferModel Build()
    {
        if (_built) throw new InvalidOperationException("Build() was already called on this builder.");
        _built = true;
        var model = new TransferModel(_network, _labels, _preprocessing, _policy, _customHead);
        _freezing?.Invoke(model);
        model.Train();
        if (!model.Parameters().Any(p => p.RequiresGrad))
            throw new InvalidOperationException("Every parameter is frozen: nothing would train. Leave the head trainable (FreezeBackbone does).");
        if (_customHead) CheckHeadOutputs(model);
        return model;
    }

    private static void CheckHeadOutputs(TransferModel model)
    {
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        bool training = model.Head.Training;
        model.Head.Eval();
        long outputs = model.Head.Forward(Torch.Zeros(1, model.Network.HeadInFeatures)).Size(-1);
        model.Head.Train(training);
        if (outputs != model.Labels.Count)
            throw new InvalidOperationException($"The custom head produces {outputs} outputs but {model.Labels.Count} labels were given.");
    }

    private ModelBuilder Then(Action<TransferModel> step)
    {
        _freezing += step;
        return this;
    }

    private static IReadOnlyList<string> GenericLabels(long count) =>
        Enumerable.Range(0, (int)count).Select(k => $"class_{k}").ToArray();
}
