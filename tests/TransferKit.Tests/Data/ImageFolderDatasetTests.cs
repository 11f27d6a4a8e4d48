using Microsoft.Extensions.Logging;
using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Tests.Data;

[Trait("Category", "Parity")]
public class ImageFolderDatasetTests
{
    // torchvision's ImageFolder with the same file filter (its default extensions include .gif, ours don't).
    private const string ReferenceScript = """
import sys
from torchvision.datasets import ImageFolder
ds = ImageFolder(sys.argv[1], is_valid_file=lambda p: p.lower().endswith(('.jpg', '.jpeg', '.png')))
print('\t'.join(ds.classes))
for path, label in ds.samples:
    print(path, label, sep='\t')
""";

    private static (string[] Classes, List<LabeledFile> Samples) Torchvision(string root)
    {
        var lines = TestEnvironment.RunPython(ReferenceScript, root).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var samples = lines.Skip(1).Select(l => l.Split('\t')).Select(f => new LabeledFile(f[0], long.Parse(f[1]))).ToList();
        return (lines[0].Split('\t'), samples);
    }

    [PyTorchTheory(SharedData = new[] { "hymenoptera_data" })]
    [InlineData("train", 244)]
    [InlineData("val", 153)]
    public void HymenopteraMatchesTorchvisionImageFolder(string split, int count)
    {
        string root = Path.Combine(TestEnvironment.Hymenoptera, split);
        var ds = new ImageFolderDataset(root);
        var (classes, samples) = Torchvision(root);
        Assert.Equal(new[] { "ants", "bees" }, ds.Classes);
        Assert.Equal(classes, ds.Classes);
        Assert.Equal(samples, ds.Samples);
        Assert.Equal(count, ds.Count);
        Assert.Equal(0, ds.ClassToIndex["ants"]);
        Assert.Equal(1, ds.ClassToIndex["bees"]);
        if (split == "train")
        {
            Assert.Contains(ds.Samples, s => s.Path.EndsWith("ant photos.jpg"));
            var warning = Assert.Single(ds.Warnings);
            Assert.Contains("imageNotFound.gif", warning);
            Assert.Contains("'.gif' is not one of .jpg, .jpeg, .png", warning);
        }
        else
        {
            Assert.Empty(ds.Warnings);
        }
    }

    [SharedDataFact("hymenoptera_data")]
    public void GetReturnsRgbImagesAndLabels()
    {
        var ds = new ImageFolderDataset(Path.Combine(TestEnvironment.Hymenoptera, "train"));
        int space = ds.Samples.ToList().FindIndex(s => s.Path.EndsWith("ant photos.jpg"));
        foreach (int index in new[] { 0, space, ds.Count - 1 })
        {
            using var sample = ds.Get(index);
            using var direct = ImageDecoder.Decode(ds.Samples[index].Path);
            Assert.Equal(ds.Samples[index].Label, sample.Label);
            Assert.Equal(ds.Samples[index].Label, ds.GetLabel(index));
            Assert.Equal(3, sample.Image.Shape[2]);
            Assert.Equal(direct.ToArray<byte>(), sample.Image.ToArray<byte>());
        }
        Assert.Equal(1, ds.GetLabel(ds.Count - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.Get(ds.Count));
    }

    [SharedDataFact("hymenoptera_data")]
    public void ThrowPolicyNamesTheStrayFile()
    {
        var e = Assert.Throws<DataFormatException>(() => new ImageFolderDataset(
            Path.Combine(TestEnvironment.Hymenoptera, "train"), new ImageFolderOptions { InvalidFiles = InvalidFilePolicy.Throw }));
        Assert.EndsWith("imageNotFound.gif", e.FileName);
        Assert.Contains("imageNotFound.gif", e.Message);
        Assert.Equal(DataErrorKind.UnsupportedFormat, e.Kind);
    }

    [PyTorchFact]
    public void OrderingExtensionsAndNestedFoldersFollowTorchvision()
    {
        using var dir = TestEnvironment.NewTempDir();
        byte[] png = PngWriter.Encode(new byte[4 * 4 * 3], 4, 4, 3, out _);
        string[] files =
        {
            "a/x.PNG", "a/b 2.png", "a/B.png", "a/é.png", "a/sub/z.png", "a/sub/deeper/y.Jpg", "a/Sub/w.png", "a/notes.txt",
            "B/one.jpeg", "B/two.png", "c d/three.png", "_x/four.png",
        };
        foreach (var f in files)
        {
            string path = dir.File(f);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, png);
        }
        var logger = new ListLogger();
        var ds = new ImageFolderDataset(dir.Path, null, logger);
        var (classes, samples) = Torchvision(dir.Path);
        Assert.Equal(new[] { "B", "_x", "a", "c d" }, ds.Classes);   // ordinal, as Python sorts
        Assert.Equal(classes, ds.Classes);
        Assert.Equal(samples, ds.Samples);
        Assert.Equal(11, ds.Count);
        Assert.Contains("notes.txt", Assert.Single(ds.Warnings));
        Assert.Contains("notes.txt", Assert.Single(logger.Messages));

        var only = new ImageFolderDataset(dir.Path, new ImageFolderOptions { Extensions = new[] { ".png" } });
        Assert.Equal(9, only.Count);
        Assert.Equal(3, only.Warnings.Count);
    }

    [SharedDataFact("hymenoptera_data")]
    public void VerifyImagesSkipsFilesThatAreNotReallyImages()
    {
        using var dir = TestEnvironment.NewTempDir();
        Directory.CreateDirectory(dir.File("cats"));
        File.WriteAllBytes(dir.File("cats/good.png"), PngWriter.Encode(new byte[3 * 2], 3, 2, 1, out _));
        File.Copy(Path.Combine(TestEnvironment.Hymenoptera, "train", "ants", "imageNotFound.gif"), dir.File("cats/really-a-gif.jpg"));
        File.WriteAllBytes(dir.File("cats/empty.png"), Array.Empty<byte>());

        var lazy = new ImageFolderDataset(dir.Path);
        Assert.Equal(3, lazy.Count);
        int gif = lazy.Samples.ToList().FindIndex(s => s.Path.EndsWith("really-a-gif.jpg"));
        var e = Assert.Throws<ImageDecodeException>(() => lazy.Get(gif));
        Assert.Equal(DataErrorKind.UnsupportedFormat, e.Kind);
        Assert.Contains("really-a-gif.jpg", e.Message);

        var verified = new ImageFolderDataset(dir.Path, new ImageFolderOptions { VerifyImages = true });
        Assert.Equal("good.png", Path.GetFileName(Assert.Single(verified.Samples).Path));
        Assert.Equal(2, verified.Warnings.Count);
        Assert.Contains(verified.Warnings, w => w.Contains("really-a-gif.jpg") && w.Contains("GIF"));
        using (var s = verified.Get(0)) Assert.Equal(new long[] { 3, 2, 3 }, s.Image.Shape);

        var strict = Assert.Throws<DataFormatException>(() => new ImageFolderDataset(dir.Path,
            new ImageFolderOptions { VerifyImages = true, InvalidFiles = InvalidFilePolicy.Throw }));
        Assert.Equal(DataErrorKind.Truncated, strict.Kind);  // empty.png comes first
        Assert.EndsWith("empty.png", strict.FileName);
    }

    [Fact]
    public void UnusableLayoutsAreReported()
    {
        using var dir = TestEnvironment.NewTempDir();
        Assert.Throws<DirectoryNotFoundException>(() => new ImageFolderDataset(dir.File("missing")));
        Assert.Contains("No class folder", Assert.Throws<FileNotFoundException>(() => new ImageFolderDataset(dir.Path)).Message);
        Directory.CreateDirectory(dir.File("empty-class"));
        Directory.CreateDirectory(dir.File("full"));
        File.WriteAllBytes(dir.File("full/a.png"), PngWriter.Encode(new byte[1], 1, 1, 1, out _));
        var e = Assert.Throws<FileNotFoundException>(() => new ImageFolderDataset(dir.Path));
        Assert.Contains("empty-class", e.Message);
    }

    [Fact]
    public void UsersCanPlugInTheirOwnDataset()
    {
        IImageDataset ds = new Checkerboards();
        Assert.Equal(2, ds.Count);
        Assert.Equal(1, ds.GetLabel(1));   // default implementation: decodes and disposes
        using var s = ds.Get(0);
        Assert.Equal(new long[] { 2, 2, 1 }, s.Image.Shape);
    }

    private sealed class Checkerboards : IImageDataset
    {
        public int Count => 2;
        public IReadOnlyList<string> Classes { get; } = new[] { "dark", "light" };
        public ImageSample Get(int index) =>
            new(Torch.FromArray(new byte[] { 0, 255, 255, 0 }, 2, 2, 1), index);
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Messages { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Assert.Equal(LogLevel.Warning, logLevel);
            Messages.Add(formatter(state, exception));
        }
    }
}
