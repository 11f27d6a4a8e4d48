using System.Text;
using TransferKit.Engine;
using TransferKit.NN;
using TransferKit.Serialization;

namespace TransferKit.Onnx;

/// <summary>
/// How the images an ONNX file was trained on were prepared, as far as the first convolution sees
/// them: channel order, pixel scale and the per-channel mean subtracted (in RGB order, on that scale).
/// </summary>
public sealed record OnnxInputConvention
{
    /// <summary>True when the file's first convolution expects BGR channels.</summary>
    public required bool Bgr { get; init; }

    /// <summary>Pixel scale: 255 for 0-255 pixels, 1 for [0, 1].</summary>
    public required double Scale { get; init; }

    /// <summary>Per-channel mean subtracted, RGB order, on <see cref="Scale"/>.</summary>
    public required IReadOnlyList<double> Mean { get; init; }

    /// <summary>Per-channel divisor applied after the mean, RGB order (1 when none).</summary>
    public IReadOnlyList<double> Std { get; init; } = new[] { 1.0, 1.0, 1.0 };

    /// <summary>
    /// CNTK's convention, used by ML.NET's <c>ResNet18.onnx</c>: BGR, 0-255, minus the mean image of
    /// <c>ResNetPreprocess.onnx</c> (whose per-channel means, RGB, are 123.15, 115.90, 103.06).
    /// </summary>
    public static OnnxInputConvention Cntk { get; } = new() { Bgr = true, Scale = 255, Mean = Models.MLNetResNet.CntkChannelMean };
}

/// <summary>Options of <see cref="OnnxImport.LoadResNet"/>.</summary>
public sealed record OnnxImportOptions
{
    /// <summary>
    /// The input convention of the file (ML.NET's CNTK convention by default). Null imports the
    /// weights as they are (no channel reorder, no folding), for files whose convention is already the wanted one.
    /// </summary>
    public OnnxInputConvention? FileConvention { get; init; } = OnnxInputConvention.Cntk;

    /// <summary>
    /// Mean (RGB, [0, 1] pixels) the imported weights should expect. Null, with <see cref="Std"/>
    /// null, keeps the file's own convention except for the channel order, which always becomes RGB.
    /// </summary>
    public IReadOnlyList<double>? Mean { get; init; }

    /// <summary>Standard deviation (RGB, [0, 1] pixels) the imported weights should expect; see <see cref="Mean"/>.</summary>
    public IReadOnlyList<double>? Std { get; init; }

    /// <summary>Limits applied while reading the file.</summary>
    public OnnxReadLimits Limits { get; init; } = new();

    /// <summary>Checks the options; throws one <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Limits);
        var file = FileConvention ?? OnnxInputConvention.Cntk;
        new OptionsCheck(nameof(OnnxImportOptions))
            .Require((Mean is null) == (Std is null), "Mean and Std must be given together (or neither).")
            .Require(Mean is null || Mean.Count == 3, $"Mean must have 3 values (RGB); got {Mean?.Count}.")
            .Require(Std is null || (Std.Count == 3 && Std.All(s => s > 0)), $"Std must have 3 positive values (RGB); got [{string.Join(", ", Std ?? Array.Empty<double>())}].")
            .Require(FileConvention is not null || Mean is null, "Folding a normalisation (Mean, Std) needs the file's convention (FileConvention).")
            .Require(file.Mean.Count == 3, $"FileConvention.Mean must have 3 values; got {file.Mean.Count}.")
            .Require(file.Std.Count == 3 && file.Std.All(s => s > 0), "FileConvention.Std must have 3 positive values.")
            .Require(file.Scale > 0, $"FileConvention.Scale must be positive; got {file.Scale}.")
            .ThrowIfAny();
        Limits.Validate();
    }
}

/// <summary>Where one state-dict tensor came from: the ONNX initializer and the node that uses it.</summary>
/// <param name="Key">The state-dict key, e.g. <c>layer4.2.bn2.running_mean</c>.</param>
/// <param name="OnnxName">The initializer's name in the file, e.g. <c>Parameter10</c> (empty for tensors TransferKit adds).</param>
/// <param name="Node">The node using it, as <c>node 12 'name' (Conv)</c>.</param>
/// <param name="Shape">The tensor's shape.</param>
/// <param name="Note">What was changed on the way (channel reorder, folding), or empty.</param>
public sealed record OnnxKeyMapping(string Key, string OnnxName, string Node, IReadOnlyList<long> Shape, string Note);

/// <summary>
/// The state dict imported from an ONNX file with the mapping of every key (its report), the
/// initializers left unused, and the file's producer. Dispose it to free the tensors.
/// </summary>
public sealed class OnnxImportResult : IDisposable
{
    internal OnnxImportResult(string sourceName, string producer, StateDict stateDict, IReadOnlyList<OnnxKeyMapping> mappings, IReadOnlyList<string> unused,
        IReadOnlyList<int> blocksPerStage)
    {
        SourceName = sourceName;
        Producer = producer;
        StateDict = stateDict;
        Mappings = mappings;
        UnusedInitializers = unused;
        BlocksPerStage = blocksPerStage;
    }

    /// <summary>The file read.</summary>
    public string SourceName { get; }

    /// <summary>The file's producer name and version, e.g. <c>CNTK 2.6</c>.</summary>
    public string Producer { get; }

    /// <summary>The imported tensors under torchvision-style keys (owned by this result until disposed).</summary>
    public StateDict StateDict { get; }

    /// <summary>One entry per state-dict key, in state-dict order.</summary>
    public IReadOnlyList<OnnxKeyMapping> Mappings { get; }

    /// <summary>Initializers of the file that no mapped node used (normally none).</summary>
    public IReadOnlyList<string> UnusedInitializers { get; }

    /// <summary>Residual blocks found per stage, e.g. [2, 2, 2, 3] for ML.NET's ResNet18.</summary>
    public IReadOnlyList<int> BlocksPerStage { get; }

    /// <summary>Takes the state dict out of the result: the caller then owns (and disposes) its tensors.</summary>
    public StateDict DetachStateDict()
    {
        _detached = true;
        return StateDict;
    }

    private bool _detached;

    /// <summary>The key-mapping report: one line per key (key ← initializer, node, shape, note).</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine($"{SourceName} ({Producer}): {Mappings.Count} tensors, blocks per stage [{string.Join(", ", BlocksPerStage)}]");
        foreach (var m in Mappings)
            text.AppendLine($"  {m.Key} <- {(m.OnnxName.Length > 0 ? m.OnnxName : "(added)")} of {m.Node} [{string.Join(", ", m.Shape)}]{(m.Note.Length > 0 ? "  " + m.Note : "")}");
        if (UnusedInitializers.Count > 0) text.AppendLine($"  unused initializers: {string.Join(", ", UnusedInitializers)}");
        return text.ToString();
    }

    /// <summary>Frees the tensors unless <see cref="DetachStateDict"/> handed them over.</summary>
    public void Dispose()
    {
        if (!_detached) StateDict.Dispose();
    }
}

/// <summary>
/// Imports ONNX weights into TransferKit's architectures. Recognised today: ResNets of basic blocks
/// (Conv → BatchNormalization → Relu, projection shortcuts, final average pool, optional Gemm
/// classifier), such as ML.NET's ImageNet <c>ResNet18.onnx</c> from the NuGet package
/// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>, which maps onto the zoo's <c>resnet18_mlnet</c>.
/// </summary>
public static class OnnxImport
{
    /// <summary>
    /// Reads a ResNet of basic blocks from an ONNX file into torchvision-style state-dict keys
    /// (<c>conv1</c>, <c>bn1</c>, <c>layerS.B.conv1</c> …, <c>fc</c> when the file has a classifier).
    /// The first convolution is converted to RGB input and, when <see cref="OnnxImportOptions.Mean"/>
    /// and <see cref="OnnxImportOptions.Std"/> are given, to that normalisation: its weights are scaled and
    /// the constant offset is moved into <c>bn1.running_mean</c> (exact except at the zero-padded borders).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The file is malformed, or its graph is not such a ResNet; the message names the file and the node.</exception>
    public static OnnxImportResult LoadResNet(string path, OnnxImportOptions? options = null)
    {
        options ??= new OnnxImportOptions();
        options.Validate();
        return MapResNet(OnnxModel.Load(path, options.Limits), options);
    }

    /// <summary>Maps a read model (see <see cref="LoadResNet"/>); any failure arrives as <see cref="CheckpointFormatException"/> naming the file.</summary>
    internal static OnnxImportResult MapResNet(OnnxModel model, OnnxImportOptions options)
    {
        try
        {
            return new ResNetGraphMapper(model, options).Map();
        }
        catch (Exception e) when (e is not CheckpointFormatException and not OutOfMemoryException)
        {
            throw new CheckpointFormatException(model.SourceName, $"the graph could not be mapped onto a ResNet: {e.Message}", e);
        }
    }
}
