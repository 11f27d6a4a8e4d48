using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.Training;
using TransferKit.Transfer;

namespace TransferKit.Reports;

/// <summary>
/// Writes a <see cref="TrainingReport"/> as one self-contained HTML file during training (after
/// every epoch) and when it ends or is cancelled, always atomically (a temporary file renamed over
/// the old one). It records the settings, parameter counts and machine when the fit starts, the
/// first training batch as the sample grid, the epochs' metrics, learning rates and times, the
/// last validation's confusion matrix; when training ends it evaluates the final model on
/// <see cref="HtmlReportOptions.EvaluationData"/> for the top losses and misclassified sentences.
/// Add a learning-rate finder's result with <see cref="LearningRateFinderReport.AddTo(LearningRateFinderResult, HtmlReportCallback)"/>.
/// </summary>
public sealed class HtmlReportCallback : TrainerCallback
{
    private readonly Stopwatch _clock = new();
    private ExampleRenderer? _renderer;
    private bool _samplesTaken;

    /// <summary>Creates the callback writing to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">The path is empty or the options are invalid.</exception>
    public HtmlReportCallback(string path, HtmlReportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Options = options ?? new HtmlReportOptions();
        Options.Validate();
        Path = System.IO.Path.GetFullPath(path);
        Report = new TrainingReport { Title = Options.Title };
        if (Options.ClassNames is { } names) Report.ClassNames = names.ToArray();
    }

    /// <summary>The HTML file.</summary>
    public string Path { get; }

    /// <summary>The settings.</summary>
    public HtmlReportOptions Options { get; }

    /// <summary>The report being filled (add to it, then <see cref="Write"/>).</summary>
    public TrainingReport Report { get; }

    /// <summary>Writes the report now.</summary>
    public void Write() => Report.Save(Path);

    /// <inheritdoc />
    public override void OnFitStart(TrainerContext context)
    {
        _clock.Restart();
        _samplesTaken = false;
        Report.Status = RunStatus.Running;
        Report.StatusDetail = null;
        Report.StartedAt = DateTimeOffset.UtcNow;
        // A second fit with the same callback starts a new report body (settings are kept and updated).
        Report.Confusion = null;
        Report.ConfusionSource = null;
        Report.TopLosses.Clear();
        Report.MisclassifiedTexts.Clear();
        Report.EvaluationSource = null;
        Report.Machine = MachineInfo.Current();
        if (Options.ClassNames is null && context.Model is TransferModel model) Report.ClassNames = model.Labels.ToArray();
        RunSettings.Capture(context, Report.Settings);
        if (Options.Settings is { } extra)
            foreach (var (name, value) in extra) Report.Settings[name] = value ?? "";
        Update(context);
        Write();
    }

    /// <inheritdoc />
    public override void OnBatchStart(TrainerContext context)
    {
        if (_samplesTaken || context.Batch is not { } batch) return;
        _samplesTaken = true;
        Report.Samples.Clear();
        var renderer = RendererFor(batch, context);
        int count = (int)Math.Min(Options.SampleCount, batch.Size);
        using var scope = Torch.NewDisposeScope();
        string[] labels = Labels(batch, count);
        for (int k = 0; k < count; k++) Report.Samples.Add(new LabelledExample(renderer.Render(batch, k), labels[k]));
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainerContext context)
    {
        Update(context);
        if (Options.WriteEveryEpoch) Write();
    }

    /// <inheritdoc />
    public override void OnFitEnd(TrainerContext context)
    {
        Update(context);
        bool early = context.StopRequested && context.Epoch < context.Epochs;
        Report.Status = early ? RunStatus.StoppedEarly : RunStatus.Completed;
        Report.StatusDetail = early ? context.StopReason : null;
        if (Options.EvaluationData is { } data && (Options.TopLossCount > 0 || Options.MisclassifiedTextCount > 0)) Evaluate(context, data);
        Report.Elapsed = _clock.Elapsed;
        Write();
        context.Logger.LogInformation("Training report written to {Path}", Path);
    }

    /// <inheritdoc />
    public override void OnCancelled(TrainerContext context)
    {
        Update(context);
        Report.Status = RunStatus.Cancelled;
        Report.StatusDetail = $"Cancelled during epoch {context.Epoch} after {context.BatchesDone} batch(es)";
        Write();
    }

    private void Update(TrainerContext context)
    {
        Report.Epochs = context.History.Epochs.ToArray();
        Report.Elapsed = _clock.Elapsed;
        Report.Parameters = new ParameterCounts(context.Model.ParameterCount(), context.Model.ParameterCount(trainableOnly: true));
        if (Report.Epochs.LastOrDefault() is { Validation.Confusion: { } confusion } last)
        {
            Report.Confusion = confusion;
            Report.ConfusionSource = $"validation data after epoch {last.Epoch}";
        }
    }

    private void Evaluate(TrainerContext context, IEnumerable<Batch> data)
    {
        var result = ExampleEvaluation.Run(context.Model, data, b => RendererFor(b, context), Options.TopLossCount, Options.MisclassifiedTextCount, context.CancellationToken);
        Report.EvaluationSource = $"evaluation data ({result.Examples} examples)";
        Report.TopLosses.Clear();
        foreach (var t in result.TopLosses) Report.TopLosses.Add(t);
        Report.MisclassifiedTexts.Clear();
        foreach (var t in result.MisclassifiedTexts) Report.MisclassifiedTexts.Add(t);
        if (result.Confusion is { } confusion)
        {
            Report.Confusion = confusion;
            Report.ConfusionSource = $"evaluation data with the final model ({result.Examples} examples)";
        }
    }

    private ExampleRenderer RendererFor(Batch batch, TrainerContext context) =>
        _renderer ??= Options.Renderer ?? ExampleRenderer.For(batch, context.Model);

    /// <summary>The label of each of the first <paramref name="count"/> examples: a class name, or the names of a multi-hot target.</summary>
    private string[] Labels(Batch batch, int count)
    {
        var targets = batch.Targets;
        if (targets.NDim == 1)
        {
            long[] classes = targets.To(ScalarType.Int64).ToArray<long>();
            return classes.Take(count).Select(c => Report.ClassName((int)c)).ToArray();
        }
        if (targets.NDim == 2)
        {
            int width = (int)targets.Size(1);
            float[] hot = targets.To(ScalarType.Float32).Contiguous().ToArray<float>();
            return Enumerable.Range(0, count)
                .Select(k => string.Join(", ", Enumerable.Range(0, width).Where(c => hot[k * width + c] > 0.5f).Select(Report.ClassName)))
                .ToArray();
        }
        return Enumerable.Repeat("", count).ToArray();
    }
}
