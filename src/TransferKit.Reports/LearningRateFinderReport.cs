using TransferKit.Training;

namespace TransferKit.Reports;

/// <summary>Adds a learning-rate finder's result to a report (its curve and suggested rate).</summary>
public static class LearningRateFinderReport
{
    /// <summary>Shows <paramref name="result"/> in <paramref name="report"/> (replacing an earlier one) and returns the result.</summary>
    public static LearningRateFinderResult AddTo(this LearningRateFinderResult result, TrainingReport report)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(report);
        report.LearningRateFinder = result;
        return result;
    }

    /// <summary>
    /// The rate at which the smoothed loss was lowest, or NaN when no loss was finite; a tenth of
    /// it is fastai's "minimum / 10" rule, a second opinion next to the steepest-descent suggestion.
    /// </summary>
    public static double LowestLossRate(this LearningRateFinderResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        int best = -1;
        for (int k = 0; k < Math.Min(result.LearningRates.Count, result.Losses.Count); k++)
            if (double.IsFinite(result.Losses[k]) && (best < 0 || result.Losses[k] < result.Losses[best])) best = k;
        return best < 0 ? double.NaN : result.LearningRates[best];
    }

    /// <summary>Shows <paramref name="result"/> in the callback's report (written with the next epoch, or now with <see cref="HtmlReportCallback.Write"/>).</summary>
    public static LearningRateFinderResult AddTo(this LearningRateFinderResult result, HtmlReportCallback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return result.AddTo(callback.Report);
    }
}
