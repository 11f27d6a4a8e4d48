using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Reports;

/// <summary>
/// Shows <see cref="NN.ModelInputs.PixelValues"/> [N, C, H, W] (C = 1 or 3) as thumbnails: each
/// channel de-normalised (x · std + mean, the inverse of the preprocessing's Normalize) and clamped
/// to [0, 1]; without statistics each image is min-max scaled.
/// </summary>
public sealed class ImageExampleRenderer : ExampleRenderer
{
    private readonly double[]? _mean;
    private readonly double[]? _std;

    /// <summary>A renderer that min-max scales each image (for inputs of unknown normalisation).</summary>
    public ImageExampleRenderer() { }

    /// <summary>A renderer that inverts Normalize(<paramref name="mean"/>, <paramref name="std"/>) (one value per channel, or one for all).</summary>
    public ImageExampleRenderer(IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
            throw new ArgumentException($"Need as many means as standard deviations, at least one (got {mean.Count} and {std.Count}).");
        _mean = mean.ToArray();
        _std = std.ToArray();
    }

    /// <summary>
    /// The (channels, height, width) to view each example as, for models that take flattened
    /// images (e.g. an MLP on [N, 784] MNIST inputs: (1, 28, 28)); null uses the input's shape.
    /// </summary>
    public (int Channels, int Height, int Width)? ImageShape { get; init; }

    /// <inheritdoc />
    public override ReportExample Render(Batch batch, int index)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = Torch.NewDisposeScope();
        var image = batch.PixelValues.Select(0, index).To(ScalarType.Float32).Contiguous();
        if (ImageShape is { } shape) image = image.Reshape(shape.Channels, shape.Height, shape.Width);
        if (image.NDim == 2) image = image.Unsqueeze(0);
        if (image.NDim != 3)
            throw new ArgumentException($"Expected images [N, C, H, W]; got [{string.Join(", ", batch.PixelValues.Shape)}] (set ImageShape for flattened images).");
        int channels = (int)image.Size(0), height = (int)image.Size(1), width = (int)image.Size(2);
        float[] values = image.ToArray<float>();
        int plane = height * width;
        var rgb = new byte[plane * 3];
        for (int c = 0; c < 3; c++)
        {
            int source = Math.Min(c, channels - 1);
            var (scale, offset) = ChannelMapping(values.AsSpan(source * plane, plane), source);
            for (int k = 0; k < plane; k++)
                rgb[k * 3 + c] = ToByte(values[source * plane + k] * scale + offset);
        }
        return ReportExample.FromPng(Png.EncodeRgb(rgb, width, height));
    }

    /// <summary>value · scale + offset maps the channel to [0, 1].</summary>
    private (double Scale, double Offset) ChannelMapping(ReadOnlySpan<float> channel, int c)
    {
        if (_mean is not null)
        {
            int k = Math.Min(c, _mean.Length - 1);
            return (_std![k], _mean[k]);
        }
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in channel)
        {
            if (!float.IsFinite(v)) continue;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        return max > min ? (1.0 / (max - min), -min / (double)(max - min)) : (0, 0.5);
    }

    internal static byte ToByte(double unit) =>
        double.IsNaN(unit) ? (byte)0 : (byte)Math.Round(Math.Clamp(unit, 0, 1) * 255);
}
