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

    /// <summary>Shows <paramref name="result"/> in the callback's report (written with the next epoch, or now with <see cref="HtmlReportCallback.Write"/>).</summary>
    public static LearningRateFinderResult AddTo(this LearningRateFinderResult result, HtmlReportCallback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return result.AddTo(callback.Report);
    }
}
