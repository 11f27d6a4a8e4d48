using System.Globalization;
using TransferKit.Reports.Charts;
using TransferKit.Training;

namespace TransferKit.Reports.Html;

/// <summary>Renders a <see cref="TrainingReport"/> as one self-contained HTML page.</summary>
internal static class ReportHtml
{
    /// <summary>The ids of the page's sections, in order (tests check each is present).</summary>
    public static readonly string[] SectionIds =
        ["summary", "curves", "confusion", "per-class", "samples", "top-losses", "misclassified", "lr-finder", "settings", "timings", "model", "machine"];

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private const string Style = """
        body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px auto;max-width:1200px;color:#222;background:#fff}
        h1{font-size:26px;margin-bottom:4px}h2{font-size:20px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
        table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}
        th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
        .charts img{margin:4px;border:1px solid #eee}.note{color:#666;font-style:italic}
        .grid{display:flex;flex-wrap:wrap;gap:10px}.cell{width:132px;font-size:12px;text-align:center;word-wrap:break-word}
        .cell img{width:128px;height:auto;image-rendering:pixelated;border:1px solid #ccc;display:block;margin:0 auto 2px}
        .text-example{border:1px solid #ccc;padding:4px;text-align:left;font-size:12px;max-height:120px;overflow:auto}
        .status{display:inline-block;padding:2px 8px;border-radius:4px;background:#eef;font-weight:bold}
        .wrong{color:#b00}.right{color:#070}
        """;

    public static string Render(TrainingReport report)
    {
        var html = new HtmlBuilder();
        html.Raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Text(report.Title)
            .Raw("</title><style>").Raw(Style).Raw("</style></head><body>\n");
        html.Element("h1", report.Title);
        Summary(html, report);
        Curves(html, report);
        Confusion(html, report);
        PerClass(html, report);
        Samples(html, report);
        TopLosses(html, report);
        Misclassified(html, report);
        LearningRateFinder(html, report);
        Settings(html, report);
        Timings(html, report);
        Model(html, report);
        Machine(html, report);
        html.Raw("</body></html>\n");
        return html.ToString();
    }

    private static void Summary(HtmlBuilder html, TrainingReport report)
    {
        html.Section("summary", "Summary").Raw("<p><span class=\"status\">").Text(StatusText(report.Status)).Raw("</span> ");
        if (report.StatusDetail is not null) html.Text(report.StatusDetail + ". ");
        html.Text($"{report.Epochs.Count} epoch(s) completed");
        if (report.StartedAt is { } start) html.Text($", started {start.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", Inv)} UTC, {Duration(report.Elapsed)} so far");
        html.Text($"; written {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", Inv)} UTC.").Raw("</p>");
        if (report.Epochs.Count > 0)
        {
            html.Table(["epoch", "train loss", "train accuracy", "validation loss", "validation accuracy", "learning rate(s)", "time"],
                report.Epochs.Select(e => new[]
                {
                    e.Epoch.ToString(Inv), Number(e.Train.Loss), Percent(e.Train.Accuracy),
                    e.Validation is null ? "–" : Number(e.Validation.Loss), e.Validation is null ? "–" : Percent(e.Validation.Accuracy),
                    string.Join(", ", e.LearningRates.Select(r => r.ToString("G3", Inv))), Duration(e.Duration),
                }));
        }
        html.EndSection();
    }

    private static void Curves(HtmlBuilder html, TrainingReport report)
    {
        html.Section("curves", "Training curves");
        if (report.Epochs.Count == 0) html.Note("No epoch has completed yet.");
        else
        {
            html.Raw("<div class=\"charts\">")
                .Image(ReportCharts.Curves(report.Epochs, "Loss", "loss", m => m.Loss), "loss per epoch")
                .Image(ReportCharts.Curves(report.Epochs, "Accuracy", "accuracy", m => m.Accuracy), "accuracy per epoch")
                .Image(ReportCharts.LearningRates(report.Epochs), "learning rate per epoch")
                .Raw("</div>");
            if (report.Epochs.All(e => e.Validation is null)) html.Note("No validation data: the curves show the training phase only.");
        }
        html.EndSection();
    }

    private static void Confusion(HtmlBuilder html, TrainingReport report)
    {
        html.Section("confusion", "Confusion matrix");
        if (report.Confusion is not { } matrix) html.Note(NoConfusion(report));
        else
        {
            if (report.ConfusionSource is not null) html.Element("p", $"Measured on the {report.ConfusionSource}: rows are true classes, columns predictions.");
            html.Image(ReportCharts.ConfusionHeatmap(matrix, report.ClassName), "confusion matrix heat map");
        }
        html.EndSection();
    }

    private static void PerClass(HtmlBuilder html, TrainingReport report)
    {
        html.Section("per-class", "Per-class precision, recall and F1");
        if (report.Confusion is not { } m) html.Note(NoConfusion(report));
        else
        {
            var rows = Enumerable.Range(0, m.ClassCount).Select(c => new[]
            {
                report.ClassName(c), Number(m.Precision(c)), Number(m.Recall(c)), Number(m.F1(c)),
                Enumerable.Range(0, m.ClassCount).Sum(p => m[c, p]).ToString(Inv),
            }).Append(new[] { "macro average", Number(Enumerable.Range(0, m.ClassCount).Average(m.Precision)),
                Number(Enumerable.Range(0, m.ClassCount).Average(m.Recall)), Number(m.MacroF1), m.Total.ToString(Inv) });
            html.Table(["class", "precision", "recall", "F1", "support"], rows);
            html.Element("p", $"Accuracy {Percent(m.Accuracy)} on {m.Total} examples.");
        }
        html.EndSection();
    }

    private static void Samples(HtmlBuilder html, TrainingReport report)
    {
        html.Section("samples", "Sample inputs");
        if (report.Samples.Count == 0) html.Note("No training batch has been seen yet.");
        else
        {
            html.Element("p", "The first training batch as the model sees it (after augmentation; images de-normalised), with labels.");
            html.Raw("<div class=\"grid\">");
            foreach (var s in report.Samples) Cell(html, s.Example, s.Caption, null);
            html.Raw("</div>");
        }
        html.EndSection();
    }

    private static void TopLosses(HtmlBuilder html, TrainingReport report)
    {
        html.Section("top-losses", "Top losses");
        if (report.TopLosses.Count == 0)
            html.Note(report.EvaluationSource is null
                ? "Not measured yet: the top losses are computed on the evaluation data when training ends (none was given, or training has not ended)."
                : $"No example to show ({report.EvaluationSource}).");
        else
        {
            html.Element("p", $"The examples of the {report.EvaluationSource} the final model is most wrong about: true / predicted class, the prediction's confidence, the loss.");
            html.Raw("<div class=\"grid\">");
            foreach (var t in report.TopLosses) Cell(html, t.Example, LossCaption(report, t), t.IsMisclassified ? "wrong" : "right");
            html.Raw("</div>");
        }
        html.EndSection();
    }

    private static void Misclassified(HtmlBuilder html, TrainingReport report)
    {
        html.Section("misclassified", "Misclassified sentences");
        if (report.MisclassifiedTexts.Count == 0)
            html.Note(report.EvaluationSource is null ? "Not measured yet (text inputs, when training ends)." : "None: the inputs are not text, or every example was classified correctly.");
        else
            html.Table(["text", "true", "predicted", "confidence", "loss"], report.MisclassifiedTexts.Select(t => new[]
            {
                t.Example.Text ?? "", report.ClassName(t.Actual), report.ClassName(t.Predicted), Percent(t.Confidence), Number(t.Loss),
            }), "misclassified");
        html.EndSection();
    }

    private static void LearningRateFinder(HtmlBuilder html, TrainingReport report)
    {
        html.Section("lr-finder", "Learning-rate finder");
        if (report.LearningRateFinder is not { } lr) html.Note("Not run for this report (LearningRateFinder.Run(...).AddTo(report) adds it).");
        else
        {
            html.Image(ReportCharts.LearningRateFinder(lr), "learning-rate finder curve");
            html.Element("p", $"Suggested learning rate: {lr.Suggested.ToString("G3", Inv)} (steepest descent of the smoothed loss), {lr.LearningRates.Count} steps"
                + (lr.Diverged ? ", stopped when the loss diverged." : "."));
            html.Element("p", $"The smoothed loss was lowest at {lr.LowestLossRate().ToString("G3", Inv)}; a tenth of that, "
                + $"{(lr.LowestLossRate() / 10).ToString("G3", Inv)}, is fastai's \"minimum / 10\" rule. Where the two disagree, the curve decides.");
        }
        html.EndSection();
    }

    private static void Settings(HtmlBuilder html, TrainingReport report)
    {
        html.Section("settings", "Settings");
        if (report.Settings.Count == 0) html.Note("No settings recorded.");
        else html.Table(["setting", "value"], report.Settings.Select(p => new[] { p.Key, p.Value }));
        html.EndSection();
    }

    private static void Timings(HtmlBuilder html, TrainingReport report)
    {
        html.Section("timings", "Timings");
        var rows = new List<string[]> { new[] { "run so far", Duration(report.Elapsed) } };
        if (report.Epochs.Count > 0)
        {
            rows.Add(new[] { "epochs, total", Duration(TimeSpan.FromTicks(report.Epochs.Sum(e => e.Duration.Ticks))) });
            rows.Add(new[] { "epoch, mean", Duration(TimeSpan.FromTicks((long)report.Epochs.Average(e => e.Duration.Ticks))) });
            rows.Add(new[] { "epoch, slowest", Duration(report.Epochs.Max(e => e.Duration)) });
        }
        html.Table(["what", "time"], rows);
        html.EndSection();
    }

    private static void Model(HtmlBuilder html, TrainingReport report)
    {
        html.Section("model", "Model");
        if (report.Parameters is not { } p) html.Note("Parameter counts unknown.");
        else html.Table(["parameters", "count"], new[]
        {
            new[] { "trainable", p.Trainable.ToString("N0", Inv) },
            new[] { "frozen", p.Frozen.ToString("N0", Inv) },
            new[] { "total", p.Total.ToString("N0", Inv) },
        });
        html.EndSection();
    }

    private static void Machine(HtmlBuilder html, TrainingReport report)
    {
        var m = report.Machine;
        html.Section("machine", "Machine").Table(["", ""], new[]
        {
            new[] { "operating system", m.OperatingSystem }, new[] { "architecture", m.Architecture },
            new[] { "logical cores", m.Cores.ToString(Inv) }, new[] { "libtorch threads", m.TorchThreads.ToString(Inv) },
            new[] { "libtorch", m.LibTorchVersion }, new[] { ".NET", m.Runtime }, new[] { "TransferKit", m.TransferKitVersion },
        }).EndSection();
    }

    private static void Cell(HtmlBuilder html, ReportExample example, string caption, string? cssClass)
    {
        html.Raw("<div class=\"cell\">");
        if (example.Png is { } png) html.Image(png, caption);
        else html.Element("div", example.Text, "text-example");
        html.Element("div", caption, cssClass);
        html.Raw("</div>");
    }

    private static string LossCaption(TrainingReport report, ExampleLoss t) =>
        $"{report.ClassName(t.Actual)} / {report.ClassName(t.Predicted)} ({Percent(t.Confidence)}), loss {Number(t.Loss)}";

    private static string NoConfusion(TrainingReport report) =>
        report.Epochs.Count == 0 ? "No epoch has completed yet." : "Needs validation (or evaluation) data with class-index targets; this run had none.";

    private static string StatusText(RunStatus status) => status switch
    {
        RunStatus.NotStarted => "not started",
        RunStatus.Running => "training",
        RunStatus.Completed => "completed",
        RunStatus.StoppedEarly => "stopped early",
        _ => "cancelled",
    };

    private static string Number(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.0000", Inv);

    private static string Percent(double v) => double.IsNaN(v) ? "n/a" : v.ToString("P1", Inv);

    private static string Duration(TimeSpan t) => t.TotalSeconds < 60
        ? t.TotalSeconds.ToString("0.0", Inv) + " s"
        : $"{(int)t.TotalMinutes} min {t.Seconds} s";
}
