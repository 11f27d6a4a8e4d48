using TransferKit.Data.Transforms;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Transfer;

namespace TransferKit.Tests.Transfer;

/// <summary>The catalog's interpolation reaches the transforms through Preprocessing, and packages keep it.</summary>
[Trait("Category", "Unit")]
public sealed class PreprocessingInterpolationTests
{
    [Fact]
    public void EfficientNetWeightsResizeBicubicAndResNetWeightsBilinear()
    {
        var efficientnet = Preprocessing.For(PretrainedCatalog.Get("efficientnet_b0"));
        Assert.Equal(InterpolationMode.Bicubic, efficientnet.Interpolation);
        Assert.Contains("Resize(256, bicubic, antialias=True)", efficientnet.EvalTransform().ToString());
        Assert.Contains("interpolation=bicubic", efficientnet.TrainTransform().ToString());

        var resnet = Preprocessing.For(PretrainedCatalog.Get("resnet18"));
        Assert.Equal(InterpolationMode.Bilinear, resnet.Interpolation);
        Assert.Contains("Resize(256, bilinear, antialias=True)", resnet.EvalTransform().ToString());
    }

    [Fact]
    public void BicubicDiffersFromBilinearAndStaysInRangeOnUint8()
    {
        using var scope = Torch.NewDisposeScope();
        var image = Torch.RandInt(0, 256, new long[] { 3, 40, 50 }).To(ScalarType.Byte);
        var bicubic = ImageFunctional.Resize(image, 17, 23, InterpolationMode.Bicubic);
        var bilinear = ImageFunctional.Resize(image, 17, 23, InterpolationMode.Bilinear);
        Assert.Equal(ScalarType.Byte, bicubic.Dtype);
        Assert.Equal(new long[] { 3, 17, 23 }, bicubic.Shape);
        Assert.True(bicubic.To(ScalarType.Int32).Sub(bilinear.To(ScalarType.Int32)).Abs().Max().Item<int>() > 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFunctional.Rotate(image, 10, InterpolationMode.Bicubic));
    }

    [Fact]
    public void APackageKeepsItsInterpolation()
    {
        string dir = Directory.CreateTempSubdirectory("tk-interp-").FullName;
        try
        {
            var preprocessing = new Preprocessing(16, 18, ImageNet.Mean, ImageNet.Std) { Interpolation = InterpolationMode.Bicubic };
            using var model = ModelBuilder.FromArchitecture("small_cnn", 2, preprocessing).Build();
            string path = Path.Combine(dir, "m.tkmodel");
            model.Save(path);
            using var loaded = ModelPackage.Load(path);
            Assert.Equal(preprocessing.Interpolation, loaded.Preprocessing.Interpolation);
            Assert.Equal(preprocessing.InputSize, loaded.Preprocessing.InputSize);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ALambdaIsATransformObjectAndReturnsANewOwner()
    {
        using var scope = Torch.NewDisposeScope();
        var image = Torch.Ones(1, 2, 2);
        var identity = new Lambda((x, _) => x, isDeterministic: true, "identity");
        var result = identity.Apply(image);
        Assert.NotSame(image, result);
        result.Dispose();
        Assert.False(image.IsDisposed);
        Assert.Equal("Lambda(identity)", identity.ToString());
        var noisy = new Lambda((x, r) => x + r.NextDouble(), isDeterministic: false);
        Assert.Throws<InvalidOperationException>(() => noisy.Apply(image));
    }
}
