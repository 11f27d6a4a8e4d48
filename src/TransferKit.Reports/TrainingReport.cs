using System.Text;
using TransferKit.Training;

namespace TransferKit.Reports;

/// <summary>
/// What a training report shows: the epochs (loss, accuracy and learning-rate curves, timings), the
/// confusion matrix and per-class precision / recall / F1, a grid of sample inputs, the top losses,
/// misclassified text examples, the learning-rate finder's curve, the run's settings, the model's
/// parameter counts and the machine. <see cref="HtmlReportCallback"/> fills one during training;
/// anything can also be set directly. <see cref="ToHtml"/> renders one self-contained HTML page
/// (plots and thumbnails embedded as base64 PNG, no external link, every user string escaped);
/// <see cref="Save"/> writes it atomically.
/// </summary>
public sealed class TrainingReport
{
    /// <summary>The page's title.</summary>
    public string Title { get; set; } = "Training report";

    /// <summary>Where the run stands.</summary>
    public RunStatus Status { get; set; } = RunStatus.NotStarted;

    /// <summary>Why the run stopped early or was cancelled, or null.</summary>
    public string? StatusDetail { get; set; }

    /// <summary>When the run started (null before).</summary>
    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>Wall-clock time of the run so far.</summary>
    public TimeSpan Elapsed { get; set; }

    /// <summary>Class names by index (numbers are shown where a name is missing).</summary>
    public IReadOnlyList<string> ClassNames { get; set; } = Array.Empty<string>();

    /// <summary>The completed epochs, in order.</summary>
    public IReadOnlyList<EpochResult> Epochs { get; set; } = Array.Empty<EpochResult>();

    /// <summary>The confusion matrix shown (null: none, e.g. no validation data).</summary>
    public ConfusionMatrix? Confusion { get; set; }

    /// <summary>What <see cref="Confusion"/> was measured on (e.g. "validation data, epoch 3").</summary>
    public string? ConfusionSource { get; set; }

    /// <summary>The sample grid: a training batch as the model sees it, with labels.</summary>
    public IList<LabelledExample> Samples { get; } = new List<LabelledExample>();

    /// <summary>The evaluated examples with the highest losses, highest first.</summary>
    public IList<ExampleLoss> TopLosses { get; } = new List<ExampleLoss>();

    /// <summary>Misclassified text examples (sentences), highest loss first.</summary>
    public IList<ExampleLoss> MisclassifiedTexts { get; } = new List<ExampleLoss>();

    /// <summary>What the top losses were measured on, or null when they were not measured.</summary>
    public string? EvaluationSource { get; set; }

    /// <summary>The learning-rate finder's result (<see cref="LearningRateFinderReport.AddTo(LearningRateFinderResult, TrainingReport)"/>), or null.</summary>
    public LearningRateFinderResult? LearningRateFinder { get; set; }

    /// <summary>The run's settings by name (trainer options, optimizer, loss, data).</summary>
    public IDictionary<string, string> Settings { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The model's parameter counts, or null when unknown.</summary>
    public ParameterCounts? Parameters { get; set; }

    /// <summary>The machine (this one unless set).</summary>
    public MachineInfo Machine { get; set; } = MachineInfo.Current();

    /// <summary>The name of class <paramref name="index"/>.</summary>
    public string ClassName(int index) =>
        index >= 0 && index < ClassNames.Count ? ClassNames[index] : index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The report as one self-contained HTML page.</summary>
    public string ToHtml() => Html.ReportHtml.Render(this);

    /// <summary>
    /// Writes <see cref="ToHtml"/> to <paramref name="path"/> atomically: into a temporary file in
    /// the same folder, then renamed over the old report, so a reader (or a crash) never sees a
    /// half-written file.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string html = ToHtml();
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, html, new UTF8Encoding(false));
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
