using TransferKit.Data;
using TransferKit.Models;
using TransferKit.Transfer;

namespace TransferKit.Tests.Transfer;

/// <summary>Options objects report every invalid setting in one exception (OptionsCheck).</summary>
[Trait("Category", "Unit")]
public sealed class OptionsValidationTests
{
    [Fact]
    public void DataLoaderOptionsListEveryProblemAndTheLoaderRefusesThem()
    {
        var options = new DataLoaderOptions { BatchSize = 0, NumWorkers = -2, PrefetchFactor = 0 };
        var e = Assert.Throws<ArgumentException>(() => new DataLoader(new SyntheticShapesDataset(new[] { ShapeKind.Circle }, 2, 16), options));
        Assert.Contains("DataLoaderOptions has 3 invalid settings", e.Message);
        Assert.Contains("BatchSize must be at least 1 (was 0)", e.Message);
        Assert.Contains("NumWorkers must be >= 0 (was -2)", e.Message);
        Assert.Contains("PrefetchFactor must be at least 1 (was 0)", e.Message);
        new DataLoaderOptions().Validate();
    }

    [Fact]
    public void WeightsResolverOptionsListEveryProblem()
    {
        var options = new WeightsResolverOptions { DownloadTimeout = TimeSpan.Zero, CacheDirectory = " ", TorchHubDirectory = "" };
        var e = Assert.Throws<ArgumentException>(() => new WeightsResolver(options));
        Assert.Contains("WeightsResolverOptions has 3 invalid settings", e.Message);
        Assert.Contains("DownloadTimeout", e.Message);
        Assert.Contains("CacheDirectory", e.Message);
        Assert.Contains("TorchHubDirectory", e.Message);
        (options with { DownloadTimeout = Timeout.InfiniteTimeSpan, CacheDirectory = null, TorchHubDirectory = null }).Validate();
    }

    [Fact]
    public void PreprocessingListsEveryProblem()
    {
        var bad = new Preprocessing(0, -1, new[] { 0.5 }, new[] { 1.0, 0.0, 1.0 }) { Interpolation = (TransferKit.NN.InterpolationMode)42 };
        var e = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Contains("Preprocessing has 5 invalid settings", e.Message);
        foreach (string part in new[] { "InputSize", "ResizeSize", "Mean needs three", "Std values must be positive", "Interpolation 42" })
            Assert.Contains(part, e.Message);
        Preprocessing.ImageNet().Validate();
    }

    [Fact]
    public void DatasetOptionsListEveryProblemIncludingTheirDecodeOptions()
    {
        var folder = new ImageFolderOptions
        {
            Extensions = new[] { "jpg" },
            InvalidFiles = (InvalidFilePolicy)9,
            Decode = new ImageDecodeOptions { Mode = (ImageReadMode)7 },
        };
        var e = Assert.Throws<ArgumentException>(folder.Validate);
        Assert.Contains("ImageFolderOptions has 3 invalid settings", e.Message);
        Assert.Contains("must start with '.'", e.Message);
        Assert.Contains("InvalidFiles 9", e.Message);
        Assert.Contains("Decode.Mode 7", e.Message);

        var csv = new CsvImageDatasetOptions { ImageColumn = "x", LabelColumn = "x", Separator = '"', Classes = new[] { "a", "a" } };
        e = Assert.Throws<ArgumentException>(() => new CsvImageDataset("does-not-matter.csv", null, csv));
        Assert.Contains("CsvImageDatasetOptions has 3 invalid settings", e.Message);
        Assert.Contains("must differ", e.Message);
        Assert.Contains("Separator", e.Message);
        Assert.Contains("Classes must be distinct", e.Message);
        new ImageFolderOptions().Validate();
        new CsvImageDatasetOptions().Validate();
    }
}
