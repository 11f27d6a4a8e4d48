using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Reports;

/// <summary>
/// Shows spectrogram features ([N, 1, F, T], [N, C, F, T] or [N, F, T]; the first channel) as heat
/// maps: low frequencies at the bottom, time left to right, each example min-max scaled through the
/// viridis colour map.
/// </summary>
public sealed class SpectrogramExampleRenderer : ExampleRenderer
{
    private static readonly ScottPlot.IColormap Colormap = new ScottPlot.Colormaps.Viridis();

    /// <summary>The input the features are read from (default <see cref="NN.ModelInputs.PixelValues"/>).</summary>
    public string InputName { get; init; } = NN.ModelInputs.PixelValues;

    /// <inheritdoc />
    public override ReportExample Render(Batch batch, int index)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = Torch.NewDisposeScope();
        var features = batch[InputName].Select(0, index).To(ScalarType.Float32);
        if (features.NDim == 3) features = features.Select(0, 0);
        if (features.NDim != 2)
            throw new ArgumentException($"Expected spectrograms [N, F, T] or [N, C, F, T] under '{InputName}'; got [{string.Join(", ", batch[InputName].Shape)}].");
        int bins = (int)features.Size(0), frames = (int)features.Size(1);
        float[] values = features.Contiguous().ToArray<float>();
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        double range = max > min ? max - min : 1;
        var rgb = new byte[bins * frames * 3];
        for (int f = 0; f < bins; f++)
            for (int t = 0; t < frames; t++)
            {
                double unit = float.IsFinite(values[f * frames + t]) ? (values[f * frames + t] - min) / range : 0;
                var color = Colormap.GetColor(Math.Clamp(unit, 0, 1));
                int pixel = ((bins - 1 - f) * frames + t) * 3; // row 0 of the picture is the highest bin
                rgb[pixel] = color.R;
                rgb[pixel + 1] = color.G;
                rgb[pixel + 2] = color.B;
            }
        return ReportExample.FromPng(Png.EncodeRgb(rgb, frames, bins));
    }
}
