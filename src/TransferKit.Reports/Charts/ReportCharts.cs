using System.Globalization;
using ScottPlot;
using TransferKit.Training;

namespace TransferKit.Reports.Charts;

/// <summary>The report's plots, drawn with ScottPlot and returned as PNG bytes.</summary>
internal static class ReportCharts
{
    private const int Width = 520, Height = 330;
    private static readonly Color TrainColor = Color.FromHex("#1f77b4");
    private static readonly Color ValidationColor = Color.FromHex("#ff7f0e");

    /// <summary>A metric per epoch: the training phase and, where present, the validation phase.</summary>
    public static byte[] Curves(IReadOnlyList<EpochResult> epochs, string title, string metric, Func<PhaseMetrics, double> value)
    {
        var plot = NewPlot(title, "epoch", metric);
        double[] xs = epochs.Select(e => (double)e.Epoch).ToArray();
        AddLine(plot, xs, epochs.Select(e => value(e.Train)).ToArray(), "train", TrainColor);
        var validated = epochs.Where(e => e.Validation is not null).ToArray();
        if (validated.Length > 0)
            AddLine(plot, validated.Select(e => (double)e.Epoch).ToArray(), validated.Select(e => value(e.Validation!)).ToArray(), "validation", ValidationColor);
        IntegerTicks(plot, xs);
        plot.ShowLegend();
        return Render(plot);
    }

    /// <summary>The learning rate of each parameter group per epoch (log scale when it spans more than a decade).</summary>
    public static byte[] LearningRates(IReadOnlyList<EpochResult> epochs)
    {
        var plot = NewPlot("Learning rate", "epoch", "learning rate");
        double[] xs = epochs.Select(e => (double)e.Epoch).ToArray();
        int groups = epochs.Max(e => e.LearningRates.Count);
        var all = epochs.SelectMany(e => e.LearningRates).Where(r => r > 0).ToArray();
        bool log = all.Length > 0 && all.Max() / all.Min() > 10;
        var palette = new ScottPlot.Palettes.Category10();
        for (int g = 0; g < groups; g++)
        {
            var points = epochs.Where(e => g < e.LearningRates.Count && (!log || e.LearningRates[g] > 0)).ToArray();
            double[] ys = points.Select(e => log ? Math.Log10(e.LearningRates[g]) : e.LearningRates[g]).ToArray();
            AddLine(plot, points.Select(e => (double)e.Epoch).ToArray(), ys, groups == 1 ? "learning rate" : $"group {g}", palette.GetColor(g));
        }
        if (log)
        {
            double low = Math.Log10(all.Min()), high = Math.Log10(all.Max());
            DecadeTicks(plot.Axes.Left, all.Min(), all.Max());
            plot.Axes.SetLimitsY(low - 0.08 * (high - low), high + 0.08 * (high - low));
        }
        else if (all.Length > 0) plot.Axes.SetLimitsY(0, all.Max() * 1.25);
        IntegerTicks(plot, xs);
        if (groups > 1) plot.ShowLegend();
        return Render(plot);
    }

    /// <summary>The confusion matrix as a heat map: rows true classes, columns predictions, counts in the cells.</summary>
    public static byte[] ConfusionHeatmap(ConfusionMatrix matrix, Func<int, string> className)
    {
        int n = matrix.ClassCount;
        var plot = NewPlot("Confusion matrix", "predicted", "true class");
        var colormap = new ScottPlot.Colormaps.Viridis();
        long max = 1;
        for (int a = 0; a < n; a++)
            for (int p = 0; p < n; p++) max = Math.Max(max, matrix[a, p]);
        for (int a = 0; a < n; a++)
            for (int p = 0; p < n; p++)
            {
                double unit = matrix[a, p] / (double)max;
                var rect = plot.Add.Rectangle(p, p + 1, n - 1 - a, n - a);
                rect.FillColor = colormap.GetColor(unit);
                rect.LineColor = Colors.White;
                rect.LineWidth = 1;
                if (n <= 30)
                {
                    var text = plot.Add.Text(matrix[a, p].ToString(CultureInfo.InvariantCulture), p + 0.5, n - 0.5 - a);
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontSize = n <= 10 ? 14 : 9;
                    text.LabelFontColor = unit > 0.6 ? Colors.Black : Colors.White;
                }
            }
        double[] centres = Enumerable.Range(0, n).Select(k => k + 0.5).ToArray();
        string[] names = Enumerable.Range(0, n).Select(k => Shorten(className(k))).ToArray();
        plot.Axes.Bottom.SetTicks(centres, names);
        plot.Axes.Left.SetTicks(centres.Select(c => n - c).ToArray(), names);
        if (names.Any(s => s.Length > 6) || n > 8) plot.Axes.Bottom.TickLabelStyle.Rotation = -40;
        if (names.Any(s => s.Length > 6) || n > 8) plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.SetLimits(0, n, 0, n);
        int side = Math.Clamp(260 + 28 * n, 360, 900);
        return plot.GetImageBytes(side + 60, side, ImageFormat.Png);
    }

    /// <summary>The learning-rate finder's smoothed loss against the rate (log scale), the suggestion marked.</summary>
    public static byte[] LearningRateFinder(LearningRateFinderResult result)
    {
        var plot = NewPlot("Learning-rate finder", "learning rate", "smoothed loss");
        var points = result.LearningRates.Zip(result.Losses).Where(p => p.First > 0 && double.IsFinite(p.Second)).ToArray();
        AddLine(plot, points.Select(p => Math.Log10(p.First)).ToArray(), points.Select(p => p.Second).ToArray(), "loss", TrainColor);
        if (result.Suggested > 0 && double.IsFinite(result.Suggested))
        {
            var line = plot.Add.VerticalLine(Math.Log10(result.Suggested));
            line.Color = Colors.Red;
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = "steepest descent " + result.Suggested.ToString("G2", CultureInfo.InvariantCulture);
            plot.ShowLegend();
        }
        double tenth = result.LowestLossRate() / 10;
        if (tenth > 0 && double.IsFinite(tenth))
        {
            var line = plot.Add.VerticalLine(Math.Log10(tenth));
            line.Color = Colors.Green;
            line.LinePattern = LinePattern.Dotted;
            line.LegendText = "minimum / 10: " + tenth.ToString("G2", CultureInfo.InvariantCulture);
        }
        if (points.Length > 0)
        {
            DecadeTicks(plot.Axes.Bottom, points.Min(p => p.First), points.Max(p => p.First));
            // Like fastai's plot: the explosion that ends the test would flatten the curve, so the
            // vertical axis stops at twice the first loss.
            double low = points.Min(p => p.Second), high = Math.Min(points.Max(p => p.Second), 2 * points[0].Second);
            if (high > low) plot.Axes.SetLimitsY(low - 0.05 * (high - low), high + 0.05 * (high - low));
        }
        return Render(plot);
    }

    private static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        return plot;
    }

    private static void AddLine(Plot plot, double[] xs, double[] ys, string legend, Color color)
    {
        if (xs.Length == 0) return;
        var scatter = plot.Add.Scatter(xs, ys, color);
        scatter.LegendText = legend;
        scatter.LineWidth = 2;
        scatter.MarkerSize = xs.Length <= 60 ? 6 : 0;
    }

    private static void IntegerTicks(Plot plot, double[] xs)
    {
        if (xs.Length == 0 || xs.Length > 20) return;
        plot.Axes.Bottom.SetTicks(xs, xs.Select(x => x.ToString("0", CultureInfo.InvariantCulture)).ToArray());
        if (xs.Length == 1) plot.Axes.SetLimitsX(xs[0] - 1, xs[0] + 1);
    }

    /// <summary>Ticks at the powers of ten between <paramref name="min"/> and <paramref name="max"/> on an axis that shows log10 of the values.</summary>
    private static void DecadeTicks(IAxis axis, double min, double max)
    {
        int first = (int)Math.Floor(Math.Log10(min)), last = (int)Math.Ceiling(Math.Log10(max));
        double[] positions = Enumerable.Range(first, last - first + 1).Select(k => (double)k).ToArray();
        axis.SetTicks(positions, positions.Select(k => k switch { 0 => "1", 1 => "10", 2 => "100", _ => "1e" + k.ToString("0", CultureInfo.InvariantCulture) }).ToArray());
    }

    private static string Shorten(string name) => name.Length <= 18 ? name : name[..17] + "…";

    private static byte[] Render(Plot plot) => plot.GetImageBytes(Width, Height, ImageFormat.Png);
}
