using System.Globalization;
using TransferKit.Training;

namespace TransferKit.Cli.Output;

/// <summary>
/// Shows a training run: every batch moves the progress bar (interactive stderr only), every epoch
/// prints one summary line on stdout (always), so a redirected log still reads as the run went.
/// </summary>
public sealed class TrainingLog : TrainerCallback, IProgress<TrainingProgress>
{
    private readonly IProgressBar _bar;

    /// <summary>Creates the log over <paramref name="bar"/>.</summary>
    public TrainingLog(IProgressBar bar) => _bar = bar;

    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        string phase = value.Phase == TrainingPhase.Train ? "train" : "validate";
        _bar.Update($"epoch {value.Epoch}/{value.Epochs} {phase}", value.Batch, value.BatchCount ?? value.Batch + 1);
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainerContext context)
    {
        if (context.LastEpoch is not { } e) return;
        Terminal.Line(Format(e, context.Epochs));
    }

    /// <summary>"epoch 2/5  train loss 0.4312 acc 81.2%  val loss 0.3920 acc 85.0%  lr 1.0e-03  3.1 s".</summary>
    public static string Format(EpochResult e, int epochs)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"epoch {e.Epoch}/{epochs}  train loss {e.Train.Loss:0.0000} acc {e.Train.Accuracy * 100:0.0}%");
        if (e.Validation is { } v) text += string.Create(CultureInfo.InvariantCulture, $"  val loss {v.Loss:0.0000} acc {v.Accuracy * 100:0.0}%");
        if (e.LearningRates.Count > 0) text += string.Create(CultureInfo.InvariantCulture, $"  lr {e.LearningRates[0]:0.0e+00}");
        return text + string.Create(CultureInfo.InvariantCulture, $"  {e.Duration.TotalSeconds:0.0} s");
    }
}
