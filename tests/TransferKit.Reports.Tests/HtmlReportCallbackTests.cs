using TransferKit.Reports.Html;
using TransferKit.Training;

namespace TransferKit.Reports.Tests;

[Trait("Category", "Unit")]
public class HtmlReportCallbackTests
{
    [Fact]
    public void AReportOfATrainedModelHasEverySectionAndItsImagesDecodeAsPng()
    {
        using var folder = new ReportTraining.TempFolder();
        var report = ReportTraining.TrainedReport(folder.File("run.html"), samples: 8, topLosses: 5, evaluated: 32);
        string html = File.ReadAllText(report.Path);

        Assert.Equal(ReportHtml.SectionIds, HtmlPage.SectionIds(html));
        Assert.Equal(RunStatus.Completed, report.Report.Status);
        Assert.Equal(2, report.Report.Epochs.Count);
        // 3 curves + confusion heat map + 8 samples + 5 top losses.
        var images = HtmlPage.Images(html);
        Assert.Equal(3 + 1 + 8 + 5, images.Count);
        Assert.All(images, i => Assert.True(i.Width > 0 && i.Height > 0));
        Assert.All(images.Skip(4).Take(8), i => Assert.Equal((16, 16), (i.Width, i.Height)));
        Assert.Contains("circle", HtmlPage.Section(html, "per-class"));
        Assert.Contains("evaluation data with the final model (32 examples)", HtmlPage.Section(html, "confusion"));
        Assert.Equal(32, report.Report.Confusion!.Total);
        Assert.Contains("libtorch", HtmlPage.Section(html, "machine"));
        Assert.Contains("trainable", HtmlPage.Section(html, "model"));
        Assert.Contains("trainer.Epochs", HtmlPage.Section(html, "settings"));
        // The top losses are sorted, highest first, and each one's loss is −log of its true class's probability.
        var losses = report.Report.TopLosses.Select(t => t.Loss).ToArray();
        Assert.Equal(losses.OrderByDescending(l => l), losses);
        Assert.All(report.Report.TopLosses, t => Assert.InRange(t.Confidence, 1.0 / 3 - 1e-6, 1 + 1e-6));
    }

    [Fact]
    public void ThePageIsSelfContainedWithNoExternalLink()
    {
        using var folder = new ReportTraining.TempFolder();
        var report = new HtmlReportCallback(folder.File("run.html"), new HtmlReportOptions { EvaluationData = ReportTraining.Loader(ReportTraining.Shapes(16, 2)) });
        ReportTraining.Train(report, epochs: 1);
        string html = File.ReadAllText(report.Path);
        var links = HtmlPage.Links(html);
        Assert.NotEmpty(links);
        Assert.All(links, l => Assert.StartsWith("data:image/png;base64,", l));
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("<script", html);
    }

    [Fact]
    public void ClassNamesAndSettingsAreHtmlEscaped()
    {
        using var folder = new ReportTraining.TempFolder();
        string[] names = ["<script>alert('x')</script>", "a & b", "\"quoted\""];
        var report = new HtmlReportCallback(folder.File("run.html"), new HtmlReportOptions
        {
            Title = "<b>title</b>",
            ClassNames = names,
            Settings = new Dictionary<string, string> { ["data<set>"] = "<img src=x onerror=alert(1)>" },
            EvaluationData = ReportTraining.Loader(ReportTraining.Shapes(16, 2)),
        });
        ReportTraining.Train(report, epochs: 1, classNames: names);
        string html = File.ReadAllText(report.Path);

        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("<b>title", html);
        Assert.DoesNotContain("<img src=x", html);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", HtmlPage.Section(html, "per-class"));
        Assert.Contains("a &amp; b", HtmlPage.Section(html, "per-class"));
        Assert.Contains("&quot;quoted&quot;", HtmlPage.Section(html, "per-class"));
        Assert.Contains("data&lt;set&gt;", HtmlPage.Section(html, "settings"));
        Assert.Contains("<title>&lt;b&gt;title&lt;/b&gt;</title>", html);
    }

    [Fact]
    public void TheFileIsRewrittenAfterEveryEpochAndIsAlwaysAWholePage()
    {
        using var folder = new ReportTraining.TempFolder();
        var report = new HtmlReportCallback(folder.File("run.html"));
        var probe = new FileProbe(report.Path);
        ReportTraining.Train(report, epochs: 3, more: probe);

        Assert.Equal(new[] { 1, 2, 3 }, probe.EpochRowsSeen);
        // Only the report remains: the temporary files were renamed over it.
        Assert.Equal(new[] { "run.html" }, Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void ARunWithoutValidationDataSaysSoAndStillHasEverySection()
    {
        using var folder = new ReportTraining.TempFolder();
        var report = new HtmlReportCallback(folder.File("run.html"));
        ReportTraining.Train(report, epochs: 1, validation: false);
        string html = File.ReadAllText(report.Path);

        Assert.Equal(ReportHtml.SectionIds, HtmlPage.SectionIds(html));
        Assert.Contains("No validation data", HtmlPage.Section(html, "curves"));
        Assert.Contains("Needs validation", HtmlPage.Section(html, "confusion"));
        Assert.Contains("Not measured yet", HtmlPage.Section(html, "top-losses"));
        Assert.Null(report.Report.Confusion);
        Assert.Equal(3, HtmlPage.Images(html).Count - report.Report.Samples.Count);
    }

    [Fact]
    public void ACancelledRunLeavesAValidReportMarkedCancelled()
    {
        using var folder = new ReportTraining.TempFolder();
        using var cancel = new CancellationTokenSource();
        var report = new HtmlReportCallback(folder.File("run.html"));
        Assert.Throws<OperationCanceledException>(() => ReportTraining.Train(report, epochs: 3, cancellationToken: cancel.Token, more: new CancelInEpoch(cancel, 2)));
        string html = File.ReadAllText(report.Path);

        Assert.Equal(RunStatus.Cancelled, report.Report.Status);
        Assert.Contains("cancelled", HtmlPage.Section(html, "summary"));
        Assert.Contains("Cancelled during epoch 2 after 1 batch(es)", HtmlPage.Section(html, "summary"));
        Assert.Single(report.Report.Epochs);
        Assert.EndsWith("</html>\n", html);
    }

    [Fact]
    public void AReportBeforeAnyEpochHasEverySectionWithNotes()
    {
        string html = new TrainingReport().ToHtml();
        Assert.Equal(ReportHtml.SectionIds, HtmlPage.SectionIds(html));
        Assert.Contains("No epoch has completed yet", HtmlPage.Section(html, "curves"));
        Assert.Contains("not started", HtmlPage.Section(html, "summary"));
        Assert.Empty(HtmlPage.Images(html));
    }

    [Fact]
    public void ASecondFitWithTheSameCallbackDoesNotShowTheFirstFitsTopLossesWhileItTrains()
    {
        using var folder = new ReportTraining.TempFolder();
        var report = new HtmlReportCallback(folder.File("run.html"), new HtmlReportOptions { EvaluationData = ReportTraining.Loader(ReportTraining.Shapes(16, 2)), TopLossCount = 3 });
        ReportTraining.Train(report, epochs: 1);
        Assert.Equal(3, report.Report.TopLosses.Count);

        var probe = new TopLossProbe(report);
        ReportTraining.Train(report, epochs: 1, more: probe);
        Assert.Equal(new[] { 0 }, probe.Seen);
        Assert.Equal(3, report.Report.TopLosses.Count);
        Assert.Single(report.Report.Epochs);
    }

    [Fact]
    public void InvalidOptionsAreAllListed()
    {
        var e = Assert.Throws<ArgumentException>(() => new HtmlReportCallback("r.html", new HtmlReportOptions { Title = " ", SampleCount = -1, TopLossCount = 1000 }));
        Assert.Contains("Title", e.Message);
        Assert.Contains("SampleCount", e.Message);
        Assert.Contains("TopLossCount", e.Message);
    }

    /// <summary>Reads the report after each epoch's report write and records how many epoch rows the summary table has.</summary>
    private sealed class FileProbe(string path) : TrainerCallback
    {
        public List<int> EpochRowsSeen { get; } = new();

        public override void OnEpochEnd(TrainerContext context)
        {
            string html = File.ReadAllText(path);
            Assert.EndsWith("</html>\n", html);
            Assert.Equal(ReportHtml.SectionIds, HtmlPage.SectionIds(html));
            HtmlPage.Images(html);
            string table = HtmlPage.Section(html, "summary");
            EpochRowsSeen.Add(table.Split("<tr>").Length - 2); // minus the text before the table and the header row
            Assert.Equal(context.Epoch, EpochRowsSeen[^1]);
        }
    }

    private sealed class TopLossProbe(HtmlReportCallback report) : TrainerCallback
    {
        public List<int> Seen { get; } = new();

        public override void OnEpochEnd(TrainerContext context) => Seen.Add(report.Report.TopLosses.Count);
    }

    /// <summary>Cancels after the first batch of an epoch (the trainer then calls OnCancelled and throws).</summary>
    private sealed class CancelInEpoch(CancellationTokenSource source, int epoch) : TrainerCallback
    {
        public override void OnBatchEnd(TrainerContext context)
        {
            if (context.Epoch == epoch) source.Cancel();
        }
    }
}
