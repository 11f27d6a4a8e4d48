using TransferKit.Training;

namespace TransferKit.Reports.Tests;

[Trait("Category", "Unit")]
public class LearningRateFinderReportTests
{
    [Fact]
    public void TheFindersCurveAndSuggestionAppearInTheReport()
    {
        double[] rates = Enumerable.Range(0, 50).Select(k => 1e-6 * Math.Pow(10, k / 7.0)).ToArray();
        double[] losses = rates.Select(r => 2 - Math.Tanh(Math.Log10(r) + 3)).ToArray();
        var report = new TrainingReport();
        var result = new LearningRateFinderResult(rates, losses, 1.23e-3, Diverged: false).AddTo(report);

        Assert.Same(result, report.LearningRateFinder);
        string section = HtmlPage.Section(report.ToHtml(), "lr-finder");
        Assert.Contains("Suggested learning rate: 0.00123", section);
        // The loss falls with the rate here, lowest at the last one: its tenth is fastai's minimum / 10.
        Assert.Equal(rates[^1], result.LowestLossRate());
        Assert.Contains($"a tenth of that, {(rates[^1] / 10).ToString("G3", System.Globalization.CultureInfo.InvariantCulture)}", section);
        var image = Assert.Single(HtmlPage.Images(section));
        Assert.True(image.Width > 300);
    }

    [Fact]
    public void ARealFinderRunAddsItselfToACallbacksReport()
    {
        using var folder = new ReportTraining.TempFolder();
        var callback = new HtmlReportCallback(folder.File("r.html"));
        using var model = Transfer.ModelBuilder.FromArchitecture("small_cnn", 3, ReportTraining.Preprocessing).Build();
        var result = LearningRateFinder.Run(model, ReportTraining.Loader(ReportTraining.Shapes(32, 1)), m => new SGD(m.TrainableParameters(), 1e-7, momentum: 0.9), steps: 10)
            .AddTo(callback);
        callback.Write();

        string section = HtmlPage.Section(File.ReadAllText(callback.Path), "lr-finder");
        Assert.Contains($"{result.LearningRates.Count} steps", section);
        Assert.Contains(result.Suggested.ToString("G3", System.Globalization.CultureInfo.InvariantCulture), section);
        Assert.Single(HtmlPage.Images(section));
    }
}
