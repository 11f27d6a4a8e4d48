using TransferKit.NN;
using System.Text.RegularExpressions;
using TransferKit.Models;

namespace TransferKit.Tests.Models;

[Trait("Category", "Unit")]
public class PretrainedCatalogTests
{
    [Fact]
    public void EveryArchitectureHasExactlyOneDefaultWithTorchvisionPreprocessing()
    {
        foreach (var name in ZooModelTests.AllNames)
        {
            var all = PretrainedCatalog.For(name).ToList();
            Assert.NotEmpty(all);
            Assert.Single(all, w => w.IsDefault);
            var d = PretrainedCatalog.Get(name);
            Assert.Same(d, PretrainedCatalog.Get(name, "DEFAULT"));
            Assert.Equal(224, d.InputSize);
            Assert.Equal(new[] { 0.485, 0.456, 0.406 }, d.Mean);
            Assert.Equal(new[] { 0.229, 0.224, 0.225 }, d.Std);
            Assert.Equal(1000, d.Categories.Count);
        }
        Assert.Equal(232, PretrainedCatalog.Get("resnet50").ResizeSize);
        Assert.Equal(256, PretrainedCatalog.Get("resnet50", "IMAGENET1K_V1").ResizeSize);
        Assert.Equal(256, PretrainedCatalog.Get("efficientnet_b0").ResizeSize);
        Assert.Equal(InterpolationMode.Bicubic, PretrainedCatalog.Get("efficientnet_b0").Interpolation);
        Assert.Equal(32, PretrainedCatalog.Get("vgg16").MinInputSize);
    }

    [Fact]
    public void FileNamesCarryTheSha256PrefixRecordedInTheCatalog()
    {
        // PyTorch's downloads; weights from NuGet packages (resnet18_mlnet) are checked in OnnxReaderTests.
        foreach (var w in PretrainedCatalog.All.Where(w => w.NuGet is null))
        {
            var m = Regex.Match(w.FileName, @"-([0-9a-f]{8,})\.pth$");
            Assert.True(m.Success, w.FileName);
            Assert.StartsWith(m.Groups[1].Value, w.Sha256);
            Assert.Matches("^[0-9a-f]{8}([0-9a-f]{56})?$", w.Sha256);
            Assert.Equal("https://download.pytorch.org/models/" + w.FileName, w.Url.ToString());
        }
        var resnet18 = PretrainedCatalog.Get("resnet18");
        Assert.Equal("resnet18-f37072fd.pth", resnet18.FileName);
        Assert.True(resnet18.HasFullSha256);
        Assert.Equal("f37072fd47e89c5e827621c5baffa7500819f7896bbacec160b1a16c560e07ec", resnet18.Sha256);
        Assert.Equal(46_830_571L, resnet18.FileSize);
        Assert.Equal("efficientnet_b0_rwightman-3dd342df.pth", PretrainedCatalog.Get("efficientnet_b0").FileName);
    }

    [Fact]
    public void UnknownWeightsAreReportedWithWhatIsAvailable()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => PretrainedCatalog.Get("resnet50", "IMAGENET1K_V3"));
        Assert.Contains("IMAGENET1K_V1", e.Message);
        Assert.Contains("IMAGENET1K_V2", e.Message);
        e = Assert.Throws<KeyNotFoundException>(() => PretrainedCatalog.Get("alexnet"));
        Assert.Contains("resnet18", e.Message);
    }

    [Fact]
    public void ImageNetCategoriesAreThe1000TorchvisionNamesInOrder()
    {
        var c = ImageNet.Categories;
        Assert.Equal(1000, c.Count);
        Assert.Equal("tench", c[0]);
        Assert.Equal("goldfish", c[1]);
        Assert.Equal("great white shark", c[2]);
        Assert.Equal("tiger shark", c[3]);
        Assert.Equal("toilet tissue", c[999]);
        Assert.All(c, name => Assert.False(string.IsNullOrWhiteSpace(name)));
    }
}
