using System.CommandLine;
using System.Globalization;
using TransferKit.Cli.Output;
using TransferKit.Engine;
using TransferKit.Onnx;
using TransferKit.Serialization;
using TransferKit.Transfer;

namespace TransferKit.Cli.Commands;

/// <summary>
/// <c>transferkit info model.tkmodel|weights.pth|weights.safetensors|model.onnx</c>: what a file
/// holds: architecture, labels and preprocessing where recorded, every key (or ONNX input, output
/// and initializer) with its shape, and the parameter count.
/// </summary>
public static class InfoCommand
{
    private const string PackageRecord = "transferkit/model.json";

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A model package (.tkmodel), PyTorch weights (.pth, .pt), safetensors or ONNX file." };
        var keys = new Option<int>("--keys") { Description = "How many keys (tensors) to list; 0 lists none, -1 all.", DefaultValueFactory = _ => -1 };
        var command = new Command("info", "Describe a model package, weights file or ONNX model.") { file, keys };
        command.SetAction(parse => CommandRunner.Run(_ =>
        {
            string path = InputFiles.Existing(parse.GetValue(file)!, "file");
            int limit = parse.GetValue(keys);
            string extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension == ".onnx") DescribeOnnx(path, limit);
            else if (extension == ".safetensors")
            {
                using var tensors = SafeTensors.Load(path);
                Terminal.Line($"{path}: safetensors");
                DescribeTensors(tensors, limit);
            }
            else if (IsPackage(path)) DescribePackage(path, limit);
            else
            {
                using var stateDict = TorchSerializer.LoadStateDict(path);
                Terminal.Line($"{path}: PyTorch state dict");
                DescribeTensors(stateDict, limit);
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static bool IsPackage(string path)
    {
        try
        {
            return TorchSerializer.ReadExtraRecord(path, PackageRecord) is not null;
        }
        catch (CheckpointFormatException) when (Path.GetExtension(path).ToLowerInvariant() != ".tkmodel")
        {
            return false;  // not a zip: perhaps a legacy .pth, which LoadStateDict reads
        }
    }

    private static void DescribePackage(string path, int limit)
    {
        using var model = ModelPackage.Load(path);
        var p = model.Preprocessing;
        Terminal.Line($"{path}: TransferKit model package");
        Terminal.Line($"architecture   {model.Architecture}{(model.HasCustomHead ? " (custom head)" : "")}");
        Terminal.Line($"classes        {model.Labels.Count}: {string.Join(", ", model.Labels)}");
        Terminal.Line(string.Create(CultureInfo.InvariantCulture,
            $"preprocessing  resize {p.ResizeSize}, centre crop {p.InputSize}, {p.Interpolation}, mean [{string.Join(", ", p.Mean)}], std [{string.Join(", ", p.Std)}]"));
        Terminal.Line($"batch norm     {model.BatchNormPolicy}");
        Terminal.Line($"head           {model.HeadPath} ({model.HeadInFeatures} features in)");
        using var stateDict = model.StateDict();
        DescribeTensors(stateDict, limit);
    }

    private static void DescribeTensors(IReadOnlyDictionary<string, Tensor> tensors, int limit)
    {
        long parameters = tensors.Values.Where(t => t.Dtype is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16).Sum(t => t.Numel);
        Terminal.Line(string.Create(CultureInfo.InvariantCulture, $"tensors        {tensors.Count} ({parameters:N0} floating-point values)"));
        foreach (var (name, t) in limit < 0 ? tensors : tensors.Take(limit))
            Terminal.Line($"  {name}  {t.Dtype} [{string.Join(", ", t.Shape)}]");
    }

    private static void DescribeOnnx(string path, int limit)
    {
        var info = OnnxModelInfo.Read(path);
        static string Shape(OnnxValueDescription v) =>
            string.Join(", ", v.Shape.Select((d, k) => d?.ToString(CultureInfo.InvariantCulture) ?? v.DimensionNames[k] ?? "?"));
        Terminal.Line($"{path}: ONNX model (IR {info.IrVersion}, opsets {string.Join(", ", info.Opsets.Select(o => $"{(o.Key == "" ? "ai.onnx" : o.Key)} {o.Value}"))}, producer {info.Producer})");
        foreach (var v in info.Inputs) Terminal.Line($"input          {v.Name} {v.ElementType} [{Shape(v)}]");
        foreach (var v in info.Outputs) Terminal.Line($"output         {v.Name} {v.ElementType} [{Shape(v)}]");
        foreach (var (key, value) in info.Metadata)
            Terminal.Line($"metadata       {key} = {(key == "labels" ? string.Join(", ", value.Split('\n')) : value)}");
        Terminal.Line(string.Create(CultureInfo.InvariantCulture, $"graph          {info.NodeCount} nodes, {info.Initializers.Count} initializers ({info.ParameterCount:N0} values)"));
        foreach (var (name, dims) in limit < 0 ? info.Initializers : info.Initializers.Take(limit))
            Terminal.Line($"  {name}  [{string.Join(", ", dims)}]");
    }
}
