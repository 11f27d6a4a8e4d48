using System.IO.Compression;
using TransferKit.Data;

namespace TransferKit.Tests.Data;

[Trait("Category", "Parity")]
public class MnistDatasetTests
{
    // torchvision's own IDX readers (torchvision.datasets.mnist.read_image_file / read_label_file), on
    // decompressed copies of the gzip files. Prints per split: N H W, sha256 of all images, of all
    // labels (as uint8), first and last label, sha256 of the first and last image.
    private const string ReferenceScript = """
import gzip, hashlib, os, shutil, sys, tempfile
import numpy as np
from torchvision.datasets.mnist import read_image_file, read_label_file

tmp = tempfile.mkdtemp()
try:
    for root in sys.argv[1:]:
        for split in ('train', 't10k'):
            paths = []
            for kind in ('images-idx3-ubyte', 'labels-idx1-ubyte'):
                out = os.path.join(tmp, split + '-' + kind)
                with gzip.open(os.path.join(root, split + '-' + kind + '.gz'), 'rb') as f, open(out, 'wb') as g:
                    shutil.copyfileobj(f, g)
                paths.append(out)
            x = read_image_file(paths[0]).numpy()
            y = read_label_file(paths[1]).numpy().astype(np.uint8)
            h = lambda a: hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
            print(root, split, *x.shape, h(x), h(y), int(y[0]), int(y[-1]), h(x[0]), h(x[-1]), sep='\t')
finally:
    shutil.rmtree(tmp)
""";

    [PyTorchFact(SharedData = new[] { "mnist", "fashion-mnist" })]
    public void EverySplitOfMnistAndFashionEqualsTorchvision()
    {
        string output = TestEnvironment.RunPython(ReferenceScript, TestEnvironment.Mnist, TestEnvironment.FashionMnist);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        foreach (var line in lines)
        {
            var f = line.Split('\t');
            bool fashion = f[0] == TestEnvironment.FashionMnist;
            bool train = f[1] == "train";
            var ds = new MnistDataset(f[0], train, fashion ? MnistVariant.Fashion : MnistVariant.Digits);
            Assert.Equal(int.Parse(f[2]), ds.Count);
            Assert.Equal(train ? 60000 : 10000, ds.Count);
            Assert.Equal((int.Parse(f[3]), int.Parse(f[4])), (ds.Height, ds.Width));

            using (var all = ds.GetAllImages())
            {
                Assert.Equal(new long[] { ds.Count, 28, 28, 1 }, all.Shape);
                Assert.Equal(f[5], TestEnvironment.Sha256(all.ToArray<byte>()));
            }
            using (var labels = ds.GetAllLabels())
            {
                Assert.Equal(ScalarType.Int64, labels.Dtype);
                Assert.Equal(f[6], TestEnvironment.Sha256(labels.ToArray<long>().Select(v => (byte)v).ToArray()));
            }
            using (var first = ds.Get(0))
            {
                Assert.Equal(long.Parse(f[7]), first.Label);
                Assert.Equal(new long[] { 28, 28, 1 }, first.Image.Shape);
                Assert.Equal(f[9], TestEnvironment.Sha256(first.Image.ToArray<byte>()));
            }
            using (var last = ds.Get(ds.Count - 1))
            {
                Assert.Equal(long.Parse(f[8]), last.Label);
                Assert.Equal(f[10], TestEnvironment.Sha256(last.Image.ToArray<byte>()));
            }
            Assert.Equal(long.Parse(f[8]), ds.GetLabel(ds.Count - 1));
            Assert.Equal(fashion ? MnistDataset.FashionClasses : MnistDataset.DigitClasses, ds.Classes);
        }
    }

    [Fact]
    public void ClassNamesAreTorchvisions()
    {
        Assert.Equal(new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }, MnistDataset.DigitClasses);
        Assert.Equal(new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" },
            MnistDataset.FashionClasses);
    }

    [SharedDataFact("mnist")]
    public void RawFilesInTorchvisionsRawFolderGiveTheSameData()
    {
        using var dir = TestEnvironment.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "raw"));
        foreach (var name in new[] { "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
        {
            using var gz = new GZipStream(File.OpenRead(Path.Combine(TestEnvironment.Mnist, name + ".gz")), CompressionMode.Decompress);
            using var raw = File.Create(Path.Combine(dir.Path, "raw", name));
            gz.CopyTo(raw);
        }
        var fromRaw = new MnistDataset(dir.Path, train: false);
        var fromGz = new MnistDataset(TestEnvironment.Mnist, train: false);
        Assert.EndsWith(Path.Combine("raw", "t10k-images-idx3-ubyte"), fromRaw.ImagesPath);
        using var a = fromRaw.GetAllImages();
        using var b = fromGz.GetAllImages();
        Assert.Equal(a.ToArray<byte>(), b.ToArray<byte>());
        Assert.Equal(Enumerable.Range(0, 100).Select(fromGz.GetLabel), Enumerable.Range(0, 100).Select(fromRaw.GetLabel));
    }

    [Fact]
    public void MissingFilesAndFoldersAreReported()
    {
        using var dir = TestEnvironment.NewTempDir();
        var e = Assert.Throws<FileNotFoundException>(() => new MnistDataset(dir.Path));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => new MnistDataset(Path.Combine(dir.Path, "nope")));
    }

    [SharedDataFact("mnist")]
    public void HeaderViolationsNameTheFileAndSayWhatWasExpected()
    {
        using var dir = TestEnvironment.NewTempDir();
        var (images, labels) = SmallIdx(dir, 5);

        // Swapped files: a rank-1 file where a rank-3 one is expected.
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.FromFiles(labels, images, MnistDataset.DigitClasses));
        Assert.Equal(labels, e.FileName);
        Assert.Contains(labels, e.Message);
        Assert.Contains("0x00000803", e.Message);
        Assert.Equal(DataErrorKind.Corrupt, e.Kind);

        string bad = dir.File("float-images");
        byte[] floats = File.ReadAllBytes(images);
        floats[2] = 0x0D;
        File.WriteAllBytes(bad, floats);
        e = Assert.Throws<DataFormatException>(() => MnistDataset.FromFiles(bad, labels, MnistDataset.DigitClasses));
        Assert.Equal(DataErrorKind.UnsupportedFormat, e.Kind);
        Assert.Contains("float32", e.Message);

        string text = dir.File("text-images");
        File.WriteAllText(text, "this is not IDX");
        e = Assert.Throws<DataFormatException>(() => MnistDataset.FromFiles(text, labels, MnistDataset.DigitClasses));
        Assert.Contains("not an IDX file", e.Message);
    }

    [SharedDataFact("mnist")]
    public void LengthMismatchesAreTruncationOrTrailingData()
    {
        using var dir = TestEnvironment.NewTempDir();
        var (images, labels) = SmallIdx(dir, 5);
        byte[] data = File.ReadAllBytes(images);

        string cut = dir.File("cut-images");
        File.WriteAllBytes(cut, data[..^1]);
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.FromFiles(cut, labels, MnistDataset.DigitClasses));
        Assert.Equal(DataErrorKind.Truncated, e.Kind);
        Assert.Contains("[5, 28, 28] = 3920 bytes", e.Message);
        Assert.Contains("only 3919 follow", e.Message);

        string longer = dir.File("long-images");
        File.WriteAllBytes(longer, [.. data, 0]);
        e = Assert.Throws<DataFormatException>(() => MnistDataset.FromFiles(longer, labels, MnistDataset.DigitClasses));
        Assert.Equal(DataErrorKind.Corrupt, e.Kind);
        Assert.Contains("1 unexpected bytes", e.Message);

        // A gzip file cut anywhere, even in its 8-byte trailer, is an error.
        byte[] gz = Gzip(data);
        foreach (int remove in new[] { 1, 4, 8, gz.Length / 2 })
        {
            string gzCut = dir.File($"cut-{remove}.gz");
            File.WriteAllBytes(gzCut, gz[..^remove]);
            var ge = Assert.Throws<DataFormatException>(() => MnistDataset.FromFiles(gzCut, labels, MnistDataset.DigitClasses));
            Assert.Equal(gzCut, ge.FileName);
        }
    }

    [SharedDataFact("mnist")]
    public void FilesThatDisagreeAreReported()
    {
        using var dir = TestEnvironment.NewTempDir();
        var (images, _) = SmallIdx(dir, 5);
        string fewer = dir.File("four-labels");
        File.WriteAllBytes(fewer, [0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 3, 4]);
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.FromFiles(images, fewer, MnistDataset.DigitClasses));
        Assert.Contains("4 labels", e.Message);
        Assert.Contains("5 images", e.Message);

        string outOfRange = dir.File("label-12");
        File.WriteAllBytes(outOfRange, [0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3, 12, 4]);
        e = Assert.Throws<DataFormatException>(() => MnistDataset.FromFiles(images, outOfRange, MnistDataset.DigitClasses));
        Assert.Equal(outOfRange, e.FileName);
        Assert.Contains("label 12 at index 3", e.Message);
    }

    [SharedDataFact("mnist")]
    public void GetChecksItsIndex()
    {
        using var dir = TestEnvironment.NewTempDir();
        var (images, labels) = SmallIdx(dir, 5);
        var ds = MnistDataset.FromFiles(images, labels, MnistDataset.DigitClasses);
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.Get(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.Get(-1));
        using var s = ds.Get(4);
        Assert.Equal(4, s.Label);
    }

    /// <summary>Raw IDX files with the first <paramref name="n"/> MNIST test images and labels 0..n-1 (mod 10).</summary>
    internal static (string Images, string Labels) SmallIdx(TestEnvironment.TempDir dir, int n)
    {
        var source = new MnistDataset(TestEnvironment.Mnist, train: false);
        byte[] images;
        using (var all = source.GetAllImages()) images = all.ToArray<byte>()[..(n * 784)];
        string imagesPath = dir.File("small-images-idx3-ubyte");
        string labelsPath = dir.File("small-labels-idx1-ubyte");
        File.WriteAllBytes(imagesPath, [0, 0, 8, 3, .. BigEndian(n), .. BigEndian(28), .. BigEndian(28), .. images]);
        File.WriteAllBytes(labelsPath, [0, 0, 8, 1, .. BigEndian(n), .. Enumerable.Range(0, n).Select(k => (byte)(k % 10))]);
        return (imagesPath, labelsPath);
    }

    internal static byte[] BigEndian(int v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    internal static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }
}
