using TransferKit.Text;

namespace TransferKit.Tests.Text;

[Trait("Category", "Unit")]
public sealed class ManifestResourcesTests : IDisposable
{
    private const string Categories = "TransferKit.Models.imagenet_categories.txt";
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-resources-").FullName;
    private static string LibraryPath => typeof(Torch).Assembly.Location;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ResourcesReadFromMetadataEqualThoseTheRuntimeReads()
    {
        Assert.Contains(Categories, ManifestResources.Names(LibraryPath));
        using var stream = typeof(Torch).Assembly.GetManifestResourceStream(Categories)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        Assert.Equal(copy.ToArray(), ManifestResources.ReadBytes(LibraryPath, Categories));
    }

    [Fact]
    public void AMissingResourceIsReportedWithTheResourcesPresent()
    {
        var e = Assert.Throws<InvalidDataException>(() => ManifestResources.ReadBytes(LibraryPath, "no.such.resource"));
        Assert.Contains("no.such.resource", e.Message);
        Assert.Contains(Categories, e.Message);
        Assert.Contains(LibraryPath, e.Message);
    }

    [Theory]
    [InlineData("empty", 0)]
    [InlineData("text", 1)]
    [InlineData("native", 2)]
    public void AFileThatIsNotADotNetAssemblyIsReportedWithItsPath(string name, int kind)
    {
        string path = Path.Combine(_dir, name + ".dll");
        byte[] bytes = kind switch
        {
            0 => [],
            1 => "this is not an assembly"u8.ToArray(),
            _ => File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(LibraryPath)!, "libTransferKitNative.so")),
        };
        File.WriteAllBytes(path, bytes);
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => ManifestResources.ReadBytes(path, Categories)).Message);
    }

    [Fact]
    public void DamagedAssembliesGiveInvalidDataOrTheirResourceNeverACrash()
    {
        byte[] original = File.ReadAllBytes(LibraryPath);
        var random = new Random(2015);
        string path = Path.Combine(_dir, "damaged.dll");
        for (int trial = 0; trial < 60; trial++)
        {
            byte[] bytes = trial % 3 == 0 ? original[..random.Next(original.Length)] : (byte[])original.Clone();
            if (trial % 3 != 0)
                for (int k = 0; k < 1 + random.Next(40); k++)
                    bytes[random.Next(Math.Min(bytes.Length, 4096 << (trial % 8)))] = (byte)random.Next(256);
            File.WriteAllBytes(path, bytes);
            try
            {
                Assert.NotNull(ManifestResources.ReadBytes(path, Categories));
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(path, e.Message);
            }
        }
    }
}
