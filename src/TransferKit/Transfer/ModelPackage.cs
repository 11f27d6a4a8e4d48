using System.Text.Json;
using System.Text.Json.Nodes;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Serialization;

namespace TransferKit.Transfer;

/// <summary>
/// A trained model as one file (conventionally <c>.tkmodel</c>): a zip-format <c>.pth</c> whose
/// pickle is the plain state dict — <c>torch.load(path)</c> followed by
/// <c>model.load_state_dict(...)</c> works in PyTorch — plus a JSON record
/// (<c>archive/extra/transferkit/model.json</c>, ignored by PyTorch) with the architecture, class
/// labels, preprocessing and BatchNorm policy, so <see cref="Load"/> rebuilds the model without
/// any other information.
/// </summary>
public static class ModelPackage
{
    private const string RecordName = "transferkit/model.json";
    private const string Format = "transferkit.model_package";
    private const int Version = 1;

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (atomically).</summary>
    public static void Save(string path, TransferModel model)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(model);
        var meta = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["architecture"] = model.Architecture,
            ["num_classes"] = model.Labels.Count,
            ["labels"] = new JsonArray(model.Labels.Select(l => (JsonNode?)l).ToArray()),
            ["preprocessing"] = new JsonObject
            {
                ["input_size"] = model.Preprocessing.InputSize,
                ["resize_size"] = model.Preprocessing.ResizeSize,
                ["mean"] = new JsonArray(model.Preprocessing.Mean.Select(v => (JsonNode?)v).ToArray()),
                ["std"] = new JsonArray(model.Preprocessing.Std.Select(v => (JsonNode?)v).ToArray()),
                ["interpolation"] = model.Preprocessing.Interpolation.Name(),
                ["center_crop"] = model.Preprocessing.CenterCrop,
            },
            ["batch_norm_policy"] = model.BatchNormPolicy.ToString(),
            ["custom_head"] = model.HasCustomHead ? model.Head.TypeName : null,
        };
        var stateDict = model.StateDict();
        try
        {
            TorchSerializer.SaveStateDict(path, stateDict, new Dictionary<string, byte[]>
            {
                [RecordName] = JsonSerializer.SerializeToUtf8Bytes(meta, new JsonSerializerOptions { WriteIndented = true }),
            });
        }
        finally
        {
            foreach (var t in stateDict.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Rebuilds the model saved at <paramref name="path"/>, in evaluation mode. A package whose head
    /// was custom needs <paramref name="customHead"/> (given the head's input features and the class
    /// count) to recreate that head before the weights load.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The file is not a TransferKit model package, or its weights do not fit.</exception>
    public static TransferModel Load(string path, Func<long, long, Module>? customHead = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model package '{path}' does not exist.", path);
        var bytes = TorchSerializer.ReadExtraRecord(path, RecordName)
            ?? throw new CheckpointFormatException(path,
                "it has no TransferKit model record: it is not a model package (for a plain PyTorch state dict use ModelBuilder.FromPretrained(architecture, weightsFile: path))");
        PackageInfo info;
        try
        {
            info = PackageInfo.Parse(JsonNode.Parse(bytes)!);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException or ArgumentException)
        {
            throw new CheckpointFormatException(path, $"its model record is malformed ({e.Message})", e);
        }
        if (!ModelRegistry.Contains(info.Architecture))
            throw new CheckpointFormatException(path, $"its architecture '{info.Architecture}' is not registered here (register it with ModelRegistry.Register)");

        var network = ModelRegistry.Create(info.Architecture, info.Labels.Count);
        try
        {
            if (info.CustomHead is { } headType)
            {
                if (customHead is null)
                    throw new CheckpointFormatException(path, $"it has a custom head ({headType}); pass a customHead factory to recreate it");
                network.ReplaceHead(customHead(network.HeadInFeatures, info.Labels.Count)).Dispose();
            }
            try
            {
                TorchSerializer.LoadStateDictInto(network, path, strict: true);
            }
            catch (StateDictMismatchException e)
            {
                throw new CheckpointFormatException(path, "its weights do not fit its architecture: " + e.Message, e);
            }
            var model = new TransferModel(network, info.Labels, info.Preprocessing, info.Policy, info.CustomHead is not null);
            model.Eval();
            return model;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private sealed record PackageInfo(string Architecture, IReadOnlyList<string> Labels, Preprocessing Preprocessing, BatchNormPolicy Policy, string? CustomHead)
    {
        public static PackageInfo Parse(JsonNode n)
        {
            if (n["format"]?.GetValue<string>() != Format) throw new FormatException("not a TransferKit model package record");
            int version = n["version"]!.GetValue<int>();
            if (version > Version) throw new FormatException($"package version {version} is newer than this TransferKit reads ({Version})");
            var p = n["preprocessing"]!;
            var labels = n["labels"]!.AsArray().Select(l => l!.GetValue<string>()).ToArray();
            if (labels.Length != n["num_classes"]!.GetValue<int>()) throw new FormatException("num_classes differs from the number of labels");
            var preprocessing = new Preprocessing(p["input_size"]!.GetValue<int>(), p["resize_size"]!.GetValue<int>(),
                p["mean"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray(), p["std"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray())
            {
                // Absent in packages written before interpolation was recorded: they were all bilinear.
                Interpolation = p["interpolation"]?.GetValue<string>() is { } mode
                    ? Enum.GetValues<InterpolationMode>().FirstOrDefault(m => m.Name() == mode, (InterpolationMode)(-1))
                    : InterpolationMode.Bilinear,
                // Absent in packages written before it was recorded: they all centre-cropped.
                CenterCrop = p["center_crop"]?.GetValue<bool>() ?? true,
            };
            preprocessing.Validate();
            return new PackageInfo(n["architecture"]!.GetValue<string>(), labels, preprocessing,
                Enum.Parse<BatchNormPolicy>(n["batch_norm_policy"]!.GetValue<string>()), n["custom_head"]?.GetValue<string>());
        }
    }
}
