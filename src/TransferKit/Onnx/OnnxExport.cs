using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;

namespace TransferKit.Onnx;

/// <summary>Options of <see cref="OnnxExport.ExportOnnx"/>.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Input image side (square); the graph's spatial size is fixed, its batch size dynamic. 224 by default.</summary>
    public int InputSize { get; init; } = 224;

    /// <summary>Input channels (3 by default).</summary>
    public int InputChannels { get; init; } = 3;

    /// <summary>Name of the graph input (<c>pixel_values</c> by default).</summary>
    public string InputName { get; init; } = "pixel_values";

    /// <summary>Name of the graph output (<c>logits</c> by default).</summary>
    public string OutputName { get; init; } = "logits";

    /// <summary>Class names in logit order, written to the metadata as <c>labels</c> (one per line); optional.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>Per-channel mean (RGB, [0, 1] pixels) the model expects, written to the metadata; optional.</summary>
    public IReadOnlyList<double>? Mean { get; init; }

    /// <summary>Per-channel standard deviation (RGB, [0, 1] pixels) the model expects, written to the metadata; optional.</summary>
    public IReadOnlyList<double>? Std { get; init; }

    /// <summary>Side the shorter image edge is resized to before the centre crop, written to the metadata; optional.</summary>
    public int? ResizeSize { get; init; }

    /// <summary>Further metadata entries (key → value).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Checks the options; throws one <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate() =>
        new OptionsCheck(nameof(OnnxExportOptions))
            .Require(InputSize > 0, $"InputSize must be positive; got {InputSize}.")
            .Require(InputChannels > 0, $"InputChannels must be positive; got {InputChannels}.")
            .Require(!string.IsNullOrEmpty(InputName), "InputName must not be empty.")
            .Require(!string.IsNullOrEmpty(OutputName) && OutputName != InputName, "OutputName must be non-empty and differ from InputName.")
            .Require(Mean is null || Mean.Count == InputChannels, $"Mean must have one value per input channel ({InputChannels}).")
            .Require(Std is null || (Std.Count == InputChannels && Std.All(s => s > 0)), $"Std must have one positive value per input channel ({InputChannels}).")
            .Require(ResizeSize is null || ResizeSize >= InputSize, $"ResizeSize must be at least InputSize ({InputSize}); got {ResizeSize}.")
            .ThrowIfAny();
}

/// <summary>
/// Exports models to ONNX (opset 17, dynamic batch size) for ONNX Runtime or ML.NET on any OS. The graph
/// is built by per-module emitters looked up by module type (the most derived registered type wins);
/// every zoo architecture, the small CNN and the layers they use have one, and
/// <see cref="RegisterEmitter{TModule}"/> adds more. The model is exported in inference mode
/// (batch norms use running statistics; dropout and stochastic depth are identities).
/// </summary>
public static class OnnxExport
{
    /// <summary>The opset the exporter writes.</summary>
    public const int Opset = 17;

    private static readonly object Gate = new();
    private static Dictionary<Type, OnnxModuleEmitter> _emitters = OnnxEmitters.Builtin();

    /// <summary>Registers (or replaces) the emitter of modules of type <typeparamref name="TModule"/> and its subclasses without their own.</summary>
    public static void RegisterEmitter<TModule>(OnnxModuleEmitter emitter) where TModule : Module
    {
        ArgumentNullException.ThrowIfNull(emitter);
        lock (Gate)
            Volatile.Write(ref _emitters, new Dictionary<Type, OnnxModuleEmitter>(Volatile.Read(ref _emitters)) { [typeof(TModule)] = emitter });
    }

    internal static OnnxModuleEmitter EmitterFor(Module module)
    {
        var emitters = Volatile.Read(ref _emitters);
        for (var type = module.GetType(); type is not null; type = type.BaseType)
            if (emitters.TryGetValue(type, out var emitter)) return emitter;
        throw new NotSupportedException($"No ONNX emitter is registered for {module.GetType().Name}; register one with OnnxExport.RegisterEmitter<{module.GetType().Name}>.");
    }

    /// <summary>
    /// Writes <paramref name="model"/> as an ONNX file: input <c>[batch, C, H, W]</c> float32, output
    /// the model's output (<c>[batch, classes]</c> for a classifier), with preprocessing and labels in
    /// the metadata when given. For a <see cref="ClassifierModel"/> without given labels/normalisation,
    /// the architecture name is still recorded.
    /// </summary>
    /// <exception cref="NotSupportedException">A module has no registered emitter, or a layer's settings cannot be expressed at this input size.</exception>
    public static void ExportOnnx(this Module model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new OnnxExportOptions();
        options.Validate();
        var graph = new OnnxGraphBuilder(EmitterFor);
        graph.UniqueName(options.InputName);
        var input = new OnnxValue(options.InputName, new long[] { options.InputChannels, options.InputSize, options.InputSize });
        OnnxValue output;
        using (Torch.NoGrad())
            output = graph.Emit(model, input);

        var metadata = new List<(string, string)> { ("producer", "TransferKit") };
        if (model is IClassifierModel classifier) metadata.Add(("architecture", classifier.Architecture));
        if (options.Labels is { } labels) metadata.Add(("labels", string.Join("\n", labels)));
        string Join(IReadOnlyList<double> values) => string.Join(",", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        if (options.Mean is { } mean) metadata.Add(("mean", Join(mean)));
        if (options.Std is { } std) metadata.Add(("std", Join(std)));
        metadata.Add(("input_size", options.InputSize.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (options.ResizeSize is { } resize) metadata.Add(("resize_size", resize.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        metadata.Add(("input_format", "RGB, float32 in [0, 1] then (x - mean) / std, NCHW"));
        if (options.Metadata is { } extra) metadata.AddRange(extra.Select(kv => (kv.Key, kv.Value)));
        OnnxWriter.Write(path, graph, input, output, options.OutputName, metadata);
    }
}
