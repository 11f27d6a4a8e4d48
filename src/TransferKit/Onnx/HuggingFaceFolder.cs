using TransferKit.NN;
using TransferKit.Serialization;

namespace TransferKit.Onnx;

/// <summary>The files of a Hugging Face model folder: <c>config.json</c> and <c>model.safetensors</c> or <c>pytorch_model.bin</c>.</summary>
public static class HuggingFaceFolder
{
    /// <summary>The weight files looked for in a model folder, in order of preference.</summary>
    public static IReadOnlyList<string> WeightFileNames { get; } = ["model.safetensors", "pytorch_model.bin"];

    /// <summary>The folder's <c>config.json</c> path; <paramref name="what"/> (e.g. "BERT") names the model in errors.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static string ConfigPath(string folder, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{what} model folder not found: {folder}");
        return Path.Combine(folder, "config.json");
    }

    /// <summary>The folder's weight file (the first of <see cref="WeightFileNames"/> present).</summary>
    /// <exception cref="FileNotFoundException">The folder holds none.</exception>
    public static string WeightPath(string folder, string what)
    {
        foreach (string name in WeightFileNames)
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"{folder} holds no {what} weights: expected one of {string.Join(", ", WeightFileNames)}.");
    }

    /// <summary>Reads a weight file: safetensors by its extension, else a PyTorch <c>torch.save</c> file.</summary>
    public static StateDict ReadWeights(string path) =>
        path.EndsWith(".safetensors", StringComparison.Ordinal) ? SafeTensors.Load(path) : TorchSerializer.LoadStateDict(path);
}
