using System.Text.Json;
using System.Text.Json.Nodes;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Serialization;

namespace TransferKit.Transfer;

/// <summary>
/// Vision Transformer checkpoints as Hugging Face and torchvision publish them: a Hugging Face model
/// folder (<c>config.json</c> with <c>pytorch_model.bin</c> or <c>model.safetensors</c>, e.g.
/// <c>google/vit-base-patch16-224-in21k</c>) or a single weights file in either key layout.
/// <see cref="Load"/> builds the model from it for fine-tuning; <see cref="SaveHuggingFace"/> writes a
/// trained one back as a Hugging Face folder.
/// </summary>
public static class VitCheckpoint
{
    private static readonly string[] WeightFiles = { "model.safetensors", "pytorch_model.bin" };

    /// <summary>
    /// A model builder from a Hugging Face ViT folder or a weights file (<c>.safetensors</c>, or a
    /// PyTorch <c>.bin</c>/<c>.pth</c>; torchvision or Hugging Face keys, see <see cref="VitKeys"/>).
    /// The shape comes from the <c>config.json</c> in the folder or beside the file, else ViT-B/16;
    /// position embeddings of another image size are interpolated. Hugging Face weights get Hugging
    /// Face's preprocessing (<see cref="Preprocessing.HuggingFaceVit"/>), torchvision's get ImageNet's
    /// (resize to 8/7 of the input, centre crop). With <paramref name="labels"/> the head is replaced
    /// by a new one, unless the config's <c>id2label</c> names the same labels in the same order (then
    /// the trained head is kept); a file without a classifier (<c>ViTModel</c>) needs them. Without
    /// them the labels are the config's <c>id2label</c> (when it names every output), else <c>class_0</c>, ....
    /// </summary>
    /// <exception cref="FileNotFoundException">No weights file in the folder, or the path does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a ViT state dict or its config is invalid (the message names the file).</exception>
    public static ModelBuilder Load(string path, IReadOnlyList<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string weightsFile = Directory.Exists(path)
            ? WeightFiles.Select(f => Path.Combine(path, f)).FirstOrDefault(File.Exists)
              ?? throw new FileNotFoundException($"The folder {Path.GetFullPath(path)} has no ViT weights ({string.Join(" or ", WeightFiles)}).")
            : File.Exists(path) ? path : throw new FileNotFoundException($"The ViT weights {Path.GetFullPath(path)} do not exist.", path);
        string configFile = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(weightsFile))!, "config.json");
        using var state = weightsFile.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            ? SafeTensors.Load(weightsFile)
            : TorchSerializer.LoadStateDict(weightsFile);
        VitKeyLayout layout;
        try
        {
            layout = VitKeys.Detect(state);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{weightsFile}: {e.Message}", e);
        }
        var config = File.Exists(configFile)
            ? VitConfig.FromHuggingFaceJson(configFile)
            : VitConfig.B16 with { LayerNormEps = layout == VitKeyLayout.HuggingFace ? 1e-12 : 1e-6 };
        string headKey = layout == VitKeyLayout.HuggingFace ? "classifier.weight" : "heads.head.weight";
        bool hasHead = state.TryGetValue(headKey, out var head);
        if (!hasHead && labels is null)
            throw new ArgumentException($"{weightsFile} has no classifier ({headKey}): give the labels of the new head.", nameof(labels));
        config = config with { NumClasses = hasHead ? head!.Size(0) : labels!.Count };
        var network = new VisionTransformer(config, ArchitectureOf(config));
        try
        {
            network.LoadWeights(state);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or InvalidOperationException)
        {
            network.Dispose();
            throw new InvalidDataException($"{weightsFile} does not fit the ViT of {(File.Exists(configFile) ? configFile : "ViT-B/16 (no config.json beside it)")}: {e.Message}", e);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        var preprocessing = layout == VitKeyLayout.HuggingFace
            ? Preprocessing.HuggingFaceVit(config.ImageSize)
            : Preprocessing.ImageNet(config.ImageSize, config.ImageSize * 8 / 7);
        var fileLabels = hasHead && File.Exists(configFile) ? ConfigLabels(configFile, config.NumClasses) : null;
        bool keepHead = labels is null || (fileLabels is not null && fileLabels.SequenceEqual(labels, StringComparer.Ordinal));
        var builder = ModelBuilder.FromModel(network, fileLabels, preprocessing);
        return keepHead ? builder : builder.ReplaceHead(labels!);
    }

    /// <summary>The class names of a config.json's <c>id2label</c> in index order, or null when they do not name 0..n-1.</summary>
    private static IReadOnlyList<string>? ConfigLabels(string configFile, long classes)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(configFile));
            if (!doc.RootElement.TryGetProperty("id2label", out var map) || map.ValueKind != JsonValueKind.Object) return null;
            var byIndex = new SortedDictionary<int, string>();
            foreach (var entry in map.EnumerateObject())
                if (int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k) && entry.Value.ValueKind == JsonValueKind.String)
                    byIndex[k] = entry.Value.GetString()!;
            bool complete = byIndex.Count == classes && byIndex.Keys.Select((k, i) => k == i).All(b => b);
            var names = byIndex.Values.ToArray();
            return complete && names.Distinct().Count() == names.Length && names.All(n => n.Length > 0) ? names : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes <paramref name="model"/> (a ViT) as a Hugging Face <c>ViTForImageClassification</c> folder:
    /// <c>pytorch_model.bin</c> in Hugging Face's keys and a <c>config.json</c> with its shape and labels.
    /// </summary>
    /// <exception cref="ArgumentException">The model is not a Vision Transformer with a Linear head.</exception>
    public static void SaveHuggingFace(TransferModel model, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(folder);
        if (model.Network is not VisionTransformer vit || model.HasCustomHead)
            throw new ArgumentException($"Only a Vision Transformer with a Linear head can be saved as a Hugging Face ViT (this is {model.Architecture}).", nameof(model));
        Directory.CreateDirectory(folder);
        using (var own = model.StateDict())
        using (var hf = VitKeys.ToHuggingFace(own))
            TorchSerializer.SaveStateDict(Path.Combine(folder, "pytorch_model.bin"), hf);
        var c = vit.Config;
        var labels = new JsonObject();
        for (int k = 0; k < model.Labels.Count; k++) labels[k.ToString(System.Globalization.CultureInfo.InvariantCulture)] = model.Labels[k];
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("ViTForImageClassification"),
            ["model_type"] = "vit",
            ["image_size"] = c.ImageSize,
            ["patch_size"] = c.PatchSize,
            ["num_channels"] = 3,
            ["hidden_size"] = c.HiddenDim,
            ["num_hidden_layers"] = c.NumLayers,
            ["num_attention_heads"] = c.NumHeads,
            ["intermediate_size"] = c.MlpDim,
            ["hidden_act"] = "gelu",
            ["hidden_dropout_prob"] = c.Dropout,
            ["attention_probs_dropout_prob"] = c.AttentionDropout,
            ["layer_norm_eps"] = c.LayerNormEps,
            ["qkv_bias"] = true,
            ["id2label"] = labels,
        };
        File.WriteAllText(Path.Combine(folder, "config.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The registry name whose model package reloads this shape: vit_b_16 or vit_tiny, else vit_custom (not reloadable by name).</summary>
    private static string ArchitectureOf(VitConfig config)
    {
        static VitConfig Shape(VitConfig c) => c with { NumClasses = 1, Dropout = 0, AttentionDropout = 0, LayerNormEps = 1 };
        return Shape(config) == Shape(VitConfig.B16) ? VisionTransformer.B16Name
            : Shape(config) == Shape(VitConfig.Tiny) ? VisionTransformer.TinyName
            : "vit_custom";
    }
}
