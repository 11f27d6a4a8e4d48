using TransferKit.Onnx;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Engine;
using TransferKit.Training;

namespace TransferKit.Transfer;

/// <summary>
/// A classifier prepared for transfer learning by <see cref="ModelBuilder"/>: a zoo (or user)
/// network, its class labels, the preprocessing its weights expect, and the freezing state of its
/// backbone and head. It is a <see cref="Module"/> with exactly the network's state-dict keys
/// (torchvision's, for zoo models), so it trains with <see cref="Trainer"/> and saves to files
/// PyTorch loads. Frozen BatchNorm layers follow <see cref="BatchNormPolicy"/> while training.
/// </summary>
/// <remarks>
/// The model is the single owner of its network: the network's top-level modules are this model's
/// children (so the keys carry no prefix), and the network itself is not exposed, so the head can
/// only change through <see cref="ReplaceHead(IReadOnlyList{string})"/>, which keeps
/// <see cref="Module.Parameters"/>, the state dict and <see cref="Forward(Tensor)"/> in step
/// (other top-level modules through <see cref="ReplaceChild"/>).
/// Reach layers with <see cref="Module.GetSubmodule"/> (e.g. <c>model.GetSubmodule("layer4")</c>).
/// </remarks>
public sealed class TransferModel : Module
{
    internal TransferModel(ClassifierModel network, IReadOnlyList<string> labels, Preprocessing preprocessing, BatchNormPolicy policy, bool customHead)
    {
        Network = network;
        Labels = labels.ToArray();
        Preprocessing = preprocessing;
        BatchNormPolicy = policy;
        HasCustomHead = customHead;
        SyncChildren();
        Train(network.Training);
    }

    /// <summary>The underlying network (internal: its children are this model's, see the remarks).</summary>
    internal ClassifierModel Network { get; }

    /// <summary>Architecture name (a <see cref="ModelRegistry"/> name).</summary>
    public string Architecture => Network.Architecture;

    /// <summary>Class names, index = class.</summary>
    public IReadOnlyList<string> Labels { get; private set; }

    /// <summary>Input preprocessing expected by the weights.</summary>
    public Preprocessing Preprocessing { get; }

    /// <summary>What BatchNorm layers do while training (see <see cref="Transfer.BatchNormPolicy"/>).</summary>
    public BatchNormPolicy BatchNormPolicy { get; set; }

    /// <summary>True when the head was supplied with <see cref="ModelBuilder.WithHead"/> rather than a Linear layer.</summary>
    public bool HasCustomHead { get; private set; }

    /// <summary>The classifier head.</summary>
    public Module Head => Network.Head;

    /// <summary>Module path of the head (e.g. <c>fc</c>, <c>classifier.1</c>).</summary>
    public string HeadPath => Network.HeadPath;

    /// <summary>Size of the backbone's feature vector, the head's input.</summary>
    public long HeadInFeatures => Network.HeadInFeatures;

    /// <inheritdoc />
    public override string TypeName => $"TransferModel[{Architecture}]";

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        SyncOwnParameters();
        return Network.Forward(input);
    }

    /// <summary>The backbone's output (the head's input) for a batch.</summary>
    public Tensor ForwardFeatures(Tensor input)
    {
        SyncOwnParameters();
        return Network.ForwardFeatures(input);
    }

    /// <summary>
    /// Sets training mode and applies <see cref="BatchNormPolicy"/>. Unless the policy is
    /// <see cref="BatchNormPolicy.FollowTrainingMode"/>, a completely frozen backbone runs entirely in
    /// evaluation mode while the head trains (Keras's <c>base_model(x, training=False)</c>): no
    /// dropout or stochastic depth in it, so its features are deterministic (and cacheable).
    /// </summary>
    public override Module Train(bool mode = true)
    {
        base.Train(mode);
        Network.Train(mode);
        if (mode && BatchNormPolicy != BatchNormPolicy.FollowTrainingMode && IsBackboneFrozen)
        {
            Network.Train(false);
            Network.Head.Train(true);
        }
        foreach (var (_, m) in Network.NamedModules())
        {
            if (m is not BatchNorm bn) continue;
            bn.UseRunningStatsInTraining = BatchNormPolicy switch
            {
                BatchNormPolicy.AlwaysInferenceMode => true,
                BatchNormPolicy.FrozenInInferenceMode => bn.Parameters().Any() && bn.Parameters().All(p => !p.RequiresGrad),
                _ => false,
            };
        }
        return this;
    }

    /// <summary>Freezes every backbone parameter (the head stays trainable). Returns this.</summary>
    public TransferModel FreezeBackbone()
    {
        foreach (var (_, p) in Network.BackboneParameters()) p.RequiresGrad = false;
        foreach (var (_, p) in Network.HeadParameters()) p.RequiresGrad = true;
        return Refresh();
    }

    /// <summary>Makes every parameter trainable. Returns this.</summary>
    public TransferModel Unfreeze()
    {
        RequiresGrad_(true);
        return Refresh();
    }

    /// <summary>
    /// Makes trainable the module at <paramref name="modulePath"/> (e.g. "layer4", "features.12")
    /// and every parameter after it in the network's order, and the head; earlier ones are frozen.
    /// </summary>
    public TransferModel UnfreezeFrom(string modulePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modulePath);
        Network.GetSubmodule(modulePath); // throws with the available children when the path is wrong
        bool reached = false;
        foreach (var (name, p) in Network.NamedParameters())
        {
            reached |= name.StartsWith(modulePath + ".", StringComparison.Ordinal);
            p.RequiresGrad = reached;
        }
        if (!reached) throw new ArgumentException($"Module '{modulePath}' has no parameters to unfreeze.", nameof(modulePath));
        foreach (var (_, p) in Network.HeadParameters()) p.RequiresGrad = true;
        return Refresh();
    }

    /// <summary>Makes the last <paramref name="count"/> backbone stages (see <see cref="Stages"/>) and the head trainable.</summary>
    public TransferModel UnfreezeLastStages(int count)
    {
        var stages = Stages();
        if (count < 1 || count > stages.Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{Architecture} has {stages.Count} stages: {string.Join(", ", stages)}.");
        return UnfreezeFrom(stages[^count]);
    }

    /// <summary>
    /// The backbone's stages in order, as module paths: the children of <c>features</c> for
    /// VGG/MobileNet/EfficientNet-style networks, otherwise the top-level children that hold
    /// parameters (e.g. conv1, bn1, layer1..layer4 for ResNet), the head excluded.
    /// </summary>
    public IReadOnlyList<string> Stages()
    {
        string headTop = Network.HeadPath.Split('.')[0];
        bool hasFeatures = Network.NamedChildren().Any(c => c.Name == "features");
        var candidates = hasFeatures
            ? Network.GetSubmodule("features").NamedChildren().Select(c => ("features." + c.Name, c.Module))
            : Network.NamedChildren().Where(c => c.Name != headTop).Select(c => (c.Name, c.Module));
        return candidates.Where(c => c.Module.Parameters().Any()).Select(c => c.Item1).ToArray();
    }

    /// <summary>True when no backbone parameter requires gradients.</summary>
    public bool IsBackboneFrozen => Network.BackboneParameters().All(p => !p.Parameter.RequiresGrad);

    /// <summary>
    /// Parameter groups with discriminative learning rates (fastai's <c>slice(lo, hi)</c>): the
    /// trainable parameters of each backbone stage get rates spread geometrically from
    /// <paramref name="earliestLr"/> (first stage) to <paramref name="headLr"/> (the head).
    /// Frozen parameters are left out.
    /// </summary>
    public IReadOnlyList<ParamGroup> DiscriminativeGroups(double earliestLr, double headLr)
    {
        if (earliestLr <= 0 || headLr < earliestLr) throw new ArgumentException($"Need 0 < earliestLr <= headLr (got {earliestLr}, {headLr}).");
        var stages = Stages();
        int levels = stages.Count + 1;
        var groups = new List<ParamGroup>();
        var assigned = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int k = 0; k < stages.Count; k++)
        {
            var trainable = Network.GetSubmodule(stages[k]).Parameters().Where(p => p.RequiresGrad).ToList();
            foreach (var p in trainable) assigned.Add(p);
            if (trainable.Count == 0) continue;
            double lr = earliestLr * Math.Pow(headLr / earliestLr, (double)k / (levels - 1));
            groups.Add(new ParamGroup(trainable, lr, name: stages[k]));
        }
        var rest = Network.Parameters().Where(p => p.RequiresGrad && !assigned.Contains(p)).ToList();
        if (rest.Count > 0) groups.Add(new ParamGroup(rest, headLr, name: "head"));
        return groups;
    }

    /// <summary>
    /// Replaces the head with a new (trainable) Linear layer for <paramref name="labels"/>; the old
    /// head is disposed. Returns this.
    /// </summary>
    public TransferModel ReplaceHead(IReadOnlyList<string> labels)
    {
        CheckLabels(labels);
        return SetHead(new Linear(Network.HeadInFeatures, labels.Count), labels, custom: false);
    }

    /// <summary>A new Linear head with <paramref name="numClasses"/> outputs (labels "class_0", ...). Returns this.</summary>
    public TransferModel ReplaceHead(int numClasses) => ReplaceHead(GenericLabels(numClasses));

    /// <summary>Puts <paramref name="head"/> (which this model then owns) in place of the head and disposes the old one.</summary>
    internal TransferModel SetHead(Module head, IReadOnlyList<string> labels, bool custom)
    {
        Network.ReplaceHead(head).Dispose();
        Labels = labels.ToArray();
        HasCustomHead = custom;
        SyncChildren();
        return Refresh();
    }

    /// <summary>
    /// Replaces a top-level module of the network (e.g. <c>avgpool</c>) and returns the old one (not
    /// disposed: the caller decides), keeping the network and this model in step. The module that
    /// holds the head is refused: use <see cref="ReplaceHead(IReadOnlyList{string})"/>, which also
    /// updates the labels.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="name"/> is, or contains, the head.</exception>
    /// <exception cref="KeyNotFoundException">No such child (the message lists them).</exception>
    public override Module ReplaceChild(string name, Module replacement)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(replacement);
        if (HeadPath == name || HeadPath.StartsWith(name + ".", StringComparison.Ordinal))
            throw new InvalidOperationException($"'{name}' holds the head ({HeadPath}): replace it with ReplaceHead, which keeps the labels in step.");
        var old = Network.ReplaceChild(name, replacement);
        SyncChildren();
        Refresh();
        return old;
    }

    /// <summary>Checks labels for a head: at least one, all distinct.</summary>
    internal static void CheckLabels(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count < 1) throw new ArgumentException("A head needs at least one class.", nameof(labels));
        var repeated = labels.GroupBy(l => l).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0) throw new ArgumentException($"Labels must be distinct; repeated: {string.Join(", ", repeated)}.", nameof(labels));
    }

    /// <summary>"class_0", "class_1", ...</summary>
    internal static IReadOnlyList<string> GenericLabels(long count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return Enumerable.Range(0, (int)count).Select(k => $"class_{k}").ToArray();
    }

    /// <summary>
    /// Exports the model to ONNX (opset 17, dynamic batch) for ONNX Runtime or ML.NET on any OS, with its
    /// labels and preprocessing (input and resize size, mean, std) in the file's metadata. Settings given
    /// in <paramref name="options"/> win over the model's own.
    /// </summary>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="options">Input/output names or extra metadata; null takes everything from the model.</param>
    public void ExportOnnx(string path, OnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var own = new OnnxExportOptions
        {
            InputSize = Preprocessing.InputSize,
            ResizeSize = Preprocessing.ResizeSize,
            Mean = Preprocessing.Mean,
            Std = Preprocessing.Std,
            Labels = Labels,
        };
        Network.ExportOnnx(path, options is null ? own : options with
        {
            Labels = options.Labels ?? own.Labels,
            Mean = options.Mean ?? own.Mean,
            Std = options.Std ?? own.Std,
            ResizeSize = options.ResizeSize ?? own.ResizeSize,
        });
    }

    /// <summary>Saves weights, labels, architecture and preprocessing as one file (see <see cref="ModelPackage"/>).</summary>
    public void Save(string path) => ModelPackage.Save(path, this);

    private TransferModel Refresh()
    {
        Train(Training);
        return this;
    }

    private void SyncChildren()
    {
        // Parameters the network holds directly (a ViT's class_token) are this model's too, first, as in its state dict.
        foreach (var (name, p) in Network.NamedParameters(recurse: false)) ShareParameter(name, p);
        foreach (var (name, child) in Network.NamedChildren()) RegisterModule(name, child);
    }

    /// <summary>
    /// Hands this model's mirrors of the network's own parameters back to the network when they were
    /// replaced here (<see cref="Module.To(Engine.Device)"/> converts this model's slots, not the network's).
    /// </summary>
    private void SyncOwnParameters()
    {
        foreach (var (name, p) in NamedParameters(recurse: false))
            if (!ReferenceEquals(Network.OwnParameter(name), p)) Network.ShareParameter(name, p);
    }
}
