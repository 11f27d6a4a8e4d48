using TransferKit.NN;
using TransferKit.Engine;
using TransferKit.Data;

namespace TransferKit.Training;

/// <summary>The losses recorded by a learning-rate range test and the rate it suggests.</summary>
/// <param name="LearningRates">The rate of each step (growing exponentially).</param>
/// <param name="Losses">The exponentially smoothed training loss after each step.</param>
/// <param name="Suggested">The rate where the smoothed loss fell fastest (steepest negative slope against log(rate)).</param>
/// <param name="Diverged">True when the test stopped early because the loss exploded.</param>
public sealed record LearningRateFinderResult(IReadOnlyList<double> LearningRates, IReadOnlyList<double> Losses, double Suggested, bool Diverged);

/// <summary>
/// The learning-rate range test (Smith; fastai's <c>lr_find</c>): trains for a few batches while the
/// rate grows exponentially from <c>startLr</c> to <c>endLr</c>, records the smoothed loss, stops
/// when it explodes, and suggests the rate where it fell fastest. The model's weights are restored
/// afterwards, so the test leaves no trace.
/// </summary>
public static class LearningRateFinder
{
    /// <summary>Runs the test.</summary>
    /// <param name="model">The model (its trainable parameters are trained, then restored).</param>
    /// <param name="train">Training batches; enumerated again if it has fewer than <paramref name="steps"/>.</param>
    /// <param name="optimizerFactory">Creates the optimizer whose rate is swept (e.g. <c>m =&gt; new SGD(m.TrainableParameters(), 1e-7, momentum: 0.9)</c>).</param>
    /// <param name="startLr">First rate.</param>
    /// <param name="endLr">Last rate.</param>
    /// <param name="steps">Number of steps.</param>
    /// <param name="smoothing">Weight of the past in the loss average (0.98 in fastai).</param>
    /// <param name="loss">The loss (default: plain cross-entropy), as the trainer would use it.</param>
    /// <param name="cancellationToken">Stops between steps (the weights are restored, then <see cref="OperationCanceledException"/> is thrown).</param>
    public static LearningRateFinderResult Run(Module model, IEnumerable<Batch> train, Func<Module, Optimizer> optimizerFactory,
        double startLr = 1e-7, double endLr = 10, int steps = 100, double smoothing = 0.98, TrainingLoss? loss = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(optimizerFactory);
        if (startLr <= 0 || endLr <= startLr) throw new ArgumentException($"Need 0 < startLr < endLr (got {startLr}, {endLr}).");
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 5);

        StateDict saved;
        using (var current = model.StateDict()) saved = current.Clone();
        bool wasTraining = model.Training;
        var rates = new List<double>();
        var losses = new List<double>();
        bool diverged = false;
        using var ownLoss = loss is null ? new CrossEntropyLoss() : null;
        var lossFunction = loss ?? ownLoss!;
        try
        {
            using var optimizer = optimizerFactory(model);
            model.Train();
            double factor = Math.Pow(endLr / startLr, 1.0 / (steps - 1));
            double average = 0, best = double.PositiveInfinity;
            int step = 0;
            while (step < steps && !diverged)
            {
                int before = step;
                foreach (var batch in train)
                {
                    using (batch)
                    {
                        if (step >= steps) break;
                        cancellationToken.ThrowIfCancellationRequested();
                        double lr = startLr * Math.Pow(factor, step);
                        foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
                        double value;
                        using (var scope = Torch.NewDisposeScope())
                        {
                            var batchLoss = lossFunction.Compute(model.Forward(batch.Inputs).To(ScalarType.Float32), batch, TrainingPhase.Train);
                            batchLoss.Backward();
                            value = batchLoss.Item<double>();
                        }
                        optimizer.Step();
                        optimizer.ZeroGrad();
                        step++;
                        average = smoothing * average + (1 - smoothing) * value;
                        double smoothed = average / (1 - Math.Pow(smoothing, step));
                        rates.Add(lr);
                        losses.Add(smoothed);
                        best = Math.Min(best, smoothed);
                        if (double.IsNaN(smoothed) || smoothed > 4 * best) { diverged = true; break; }
                    }
                }
                if (step == before) throw new InvalidOperationException("The training data produced no batches.");
            }
        }
        finally
        {
            model.LoadStateDict(saved);
            saved.Dispose();
            model.Train(wasTraining);
        }
        return new LearningRateFinderResult(rates, losses, Suggest(rates, losses), diverged);
    }

    /// <summary>The rate at the steepest descent of loss against log(rate), ignoring the noisy ends.</summary>
    internal static double Suggest(IReadOnlyList<double> rates, IReadOnlyList<double> losses)
    {
        int n = Math.Min(rates.Count, losses.Count);
        if (n < 3) return rates.Count > 0 ? rates[0] : double.NaN;
        int skipStart = Math.Min(n / 10, 10), end = n - 1;
        double steepest = double.PositiveInfinity;
        int at = skipStart + 1;
        for (int k = skipStart + 1; k < end; k++)
        {
            if (double.IsNaN(losses[k + 1]) || double.IsNaN(losses[k - 1])) continue;
            double slope = (losses[k + 1] - losses[k - 1]) / (Math.Log(rates[k + 1]) - Math.Log(rates[k - 1]));
            if (slope < steepest)
            {
                steepest = slope;
                at = k;
            }
        }
        return rates[at];
    }
}
