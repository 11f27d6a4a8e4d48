using TransferKit.NN;
using TransferKit.Training;

/// <summary>
/// How (a) and (b) are trained, named on the command line so that recipes can be compared on a
/// validation speaker carved from the training speakers (never on the test speaker):
/// <list type="bullet">
/// <item><c>constant</c>: AdamW at a constant rate (1e-3 for (a), 1e-4 for (b)) — the sample's first recipe;</item>
/// <item><c>cosine</c>: AdamW warmed up linearly from a tenth of a peak rate three times those over the first epoch, then
/// cosine-annealed to 0 at the last step (stepped per batch), so the last epochs take small steps;</item>
/// <item><c>cosine+speed</c>: the same with speed perturbation: each clip of each epoch is played at 0.9, 1.0 or 1.1
/// times its speed (<see cref="TransferKit.Audio.SpeedPerturbation"/>: other pitch, formants and tempo).</item>
/// </list>
/// SpecAugment applies to all three.
/// </summary>
internal sealed record Recipe(string Name, bool Cosine, double[] SpeedFactors)
{
    public const string Default = "cosine+speed";

    public static Recipe Parse(string name) => name switch
    {
        "constant" => new(name, false, [1.0]),
        "cosine" => new(name, true, [1.0]),
        "cosine+speed" => new(name, true, [0.9, 1.0, 1.1]),
        _ => throw new ArgumentException($"Unknown recipe '{name}': use constant, cosine or cosine+speed.", nameof(name)),
    };

    /// <summary>The trainer's options for <paramref name="epochs"/> epochs of <paramref name="batches"/> batches; <paramref name="rate"/> is the constant recipe's rate.</summary>
    public TrainerOptions Options(int epochs, int batches, double rate)
    {
        int steps = epochs * batches, warmup = Math.Max(1, steps / Math.Max(2, epochs));
        return new TrainerOptions
        {
            Epochs = epochs,
            RestoreBestWeights = false,
            OptimizerFactory = m => new AdamW(m.TrainableParameters(), Cosine ? 3 * rate : rate),
            SchedulerFactory = Cosine ? o => new WarmupLR(o, warmup, 0.1, after => new CosineAnnealingLR(after, steps - warmup)) : null,
            StepSchedulerPerBatch = Cosine,
        };
    }
}
