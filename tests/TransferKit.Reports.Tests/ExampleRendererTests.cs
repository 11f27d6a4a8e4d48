using SkiaSharp;
using TransferKit.Data;
using TransferKit.NN;

namespace TransferKit.Reports.Tests;

[Trait("Category", "Unit")]
public class ExampleRendererTests
{
    private static SKBitmap Decode(ReportExample example)
    {
        Assert.NotNull(example.Png);
        Assert.Null(example.Text);
        return SKBitmap.Decode(example.Png);
    }

    [Fact]
    public void AnImageIsShownDeNormalisedWithTheModelsMeanAndStd()
    {
        // Two images of 2×2 pixels; the renderer must invert Normalize(mean, std) of the second.
        float[] original = Enumerable.Range(0, 2 * 3 * 4).Select(k => (k % 12) / 11f).ToArray();
        double[] mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
        float[] normalised = original.Select((v, k) => (float)((v - mean[k / 4 % 3]) / std[k / 4 % 3])).ToArray();
        using var batch = new Batch(Torch.FromArray(normalised, 2, 3, 2, 2), Torch.FromArray(new long[] { 0, 1 }, 2));

        using var bitmap = Decode(new ImageExampleRenderer(mean, std).Render(batch, 1));
        Assert.Equal((2, 2), (bitmap.Width, bitmap.Height));
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 2; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                byte[] rgb = [pixel.Red, pixel.Green, pixel.Blue];
                for (int c = 0; c < 3; c++)
                    Assert.InRange(rgb[c], Math.Round(original[12 + c * 4 + y * 2 + x] * 255) - 1, Math.Round(original[12 + c * 4 + y * 2 + x] * 255) + 1);
            }
    }

    [Fact]
    public void WithoutStatisticsAGrayImageIsMinMaxScaled()
    {
        using var batch = new Batch(Torch.FromArray(new float[] { -3, 1, 5, 5 }, 1, 1, 2, 2), Torch.FromArray(new long[] { 0 }, 1));
        using var bitmap = Decode(new ImageExampleRenderer().Render(batch, 0));
        Assert.Equal(0, bitmap.GetPixel(0, 0).Red);
        Assert.Equal(128, bitmap.GetPixel(1, 0).Green);
        Assert.Equal(255, bitmap.GetPixel(0, 1).Blue);
    }

    [Fact]
    public void FlatInputsAreShownAsImagesOfTheGivenShape()
    {
        // An MLP's input: [N, 6] viewed as 1×2×3 gray images.
        using var batch = new Batch(Torch.FromArray(new float[] { 0, 0.2f, 0.4f, 0.6f, 0.8f, 1 }, 1, 6), Torch.FromArray(new long[] { 0 }, 1));
        var renderer = new ImageExampleRenderer(new[] { 0.0 }, new[] { 1.0 }) { ImageShape = (1, 2, 3) };
        using var bitmap = Decode(renderer.Render(batch, 0));
        Assert.Equal((3, 2), (bitmap.Width, bitmap.Height));
        Assert.Equal(51, bitmap.GetPixel(1, 0).Red);
        Assert.Equal(255, bitmap.GetPixel(2, 1).Green);
        Assert.Throws<ArgumentException>(() => new ImageExampleRenderer().Render(batch, 0));
    }

    [Fact]
    public void ASpectrogramIsAHeatMapWithLowFrequenciesAtTheBottom()
    {
        // [1, 1, F = 4, T = 6], each bin's value its index: the highest bin is the brightest.
        float[] features = Enumerable.Range(0, 24).Select(k => (float)(k / 6)).ToArray();
        var inputs = new ModelInputs { { ModelInputs.PixelValues, Torch.FromArray(features, 1, 1, 4, 6) }, { ModelInputs.Lengths, Torch.FromArray(new long[] { 6 }, 1) } };
        using var batch = new Batch(inputs, Torch.FromArray(new long[] { 0 }, 1));

        var renderer = ExampleRenderer.For(batch);
        Assert.IsType<SpectrogramExampleRenderer>(renderer);
        using var bitmap = Decode(renderer.Render(batch, 0));
        Assert.Equal((6, 4), (bitmap.Width, bitmap.Height));
        static int Brightness(SKColor c) => c.Red + c.Green + c.Blue;
        for (int y = 1; y < 4; y++) Assert.True(Brightness(bitmap.GetPixel(3, y - 1)) > Brightness(bitmap.GetPixel(3, y)), $"row {y - 1} is not brighter than row {y}");
    }

    [Fact]
    public void TokenIdsAreDecodedWithoutPadding()
    {
        var inputs = new ModelInputs
        {
            { ModelInputs.InputIds, Torch.FromArray(new long[] { 5, 6, 7, 0, 8, 9, 0, 0 }, 2, 4) },
            { ModelInputs.AttentionMask, Torch.FromArray(new long[] { 1, 1, 1, 0, 1, 1, 0, 0 }, 2, 4) },
        };
        using var batch = new Batch(inputs, Torch.FromArray(new long[] { 0, 1 }, 2));

        Assert.IsType<TextExampleRenderer>(ExampleRenderer.For(batch));
        Assert.Equal("token ids: 8 9", ExampleRenderer.For(batch).Render(batch, 1).Text);
        string[] vocabulary = ["[PAD]", "", "", "", "", "the", "cat", "sat", "a", "dog"];
        var decoded = new TextExampleRenderer(ids => string.Join(' ', ids.Select(i => vocabulary[i]))).Render(batch, 0);
        Assert.Equal("the cat sat", decoded.Text);
        Assert.Null(decoded.Png);
    }

    [Fact]
    public void AnImageBatchGetsTheImageRenderer()
    {
        using var batch = new Batch(Torch.Zeros(1, 3, 4, 4), Torch.FromArray(new long[] { 0 }, 1));
        Assert.IsType<ImageExampleRenderer>(ExampleRenderer.For(batch));
    }
}
