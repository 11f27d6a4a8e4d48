using TransferKit.NN;
using TransferKit.Serialization;
using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>
/// Everything needed to continue a run exactly where it stopped: model weights, which parameters
/// were frozen, optimizer state and parameter groups, schedule position, epochs and batches done,
/// libtorch's RNG state, the history and the best weights so far. Saved as a <c>.pth</c> file
/// (a dict that <c>torch.load</c> can read; the model weights are under <c>"model"</c>), written
/// atomically.
/// </summary>
internal sealed class TrainingCheckpoint : IDisposable
{
    public required StateDict Model { get; init; }
    public required IReadOnlyList<string> Frozen { get; init; }
    public required IReadOnlyDictionary<object, object?> Optimizer { get; init; }
    public required int SchedulerStep { get; init; }
    public required int EpochsDone { get; init; }
    public required int BatchesDone { get; init; }
    public required Tensor RngState { get; init; }
    public required History History { get; init; }
    public StateDict? Best { get; init; }
    public int BestEpoch { get; init; }
    public int EpochsWithoutImprovement { get; init; }

    private const int FormatVersion = 1;

    public static void Save(string path, Module model, Optimizer optimizer, LRScheduler? scheduler, int epochsDone, int batchesDone,
        History history, IReadOnlyDictionary<string, Tensor>? best, int bestEpoch, int epochsWithoutImprovement)
    {
        using var scope = Torch.NewDisposeScope();
        var modelState = model.StateDict();
        var optimizerState = optimizer.ExportState();
        var slots = (Dictionary<string, object?>)optimizerState["state"]!;
        try
        {
            var tree = new Dictionary<string, object?>
            {
                ["format"] = "transferkit.training_checkpoint",
                ["format_version"] = (long)FormatVersion,
                ["model"] = new StateDict(modelState),
                ["frozen"] = model.NamedParameters().Where(p => !p.Parameter.RequiresGrad).Select(p => (object?)p.Name).ToList(),
                ["optimizer"] = optimizerState,
                ["scheduler_step"] = (long)(scheduler?.LastStep ?? 0),
                ["epochs_done"] = (long)epochsDone,
                ["batches_done"] = (long)batchesDone,
                ["rng_state"] = Torch.GetRngState(),
                ["history"] = HistoryJson.Serialize(history),
                ["best_model"] = best is null ? null : new StateDict(best),
                ["best_epoch"] = (long)bestEpoch,
                ["epochs_without_improvement"] = (long)epochsWithoutImprovement,
            };
            TorchSerializer.Save(path, tree);
        }
        finally
        {
            foreach (var t in modelState.Values) t.Dispose();
            foreach (var t in slots.Values.Cast<Tensor>()) t.Dispose();
        }
    }

    public static TrainingCheckpoint Load(string path)
    {
        var root = TorchSerializer.Load(path) as IReadOnlyDictionary<object, object?>;
        if (root is null || !root.TryGetValue("format", out var format) || format as string != "transferkit.training_checkpoint")
        {
            DisposeTree(root);
            throw new CheckpointFormatException(path, "it is not a TransferKit training checkpoint (Trainer.Resume reads the files that TrainerOptions.CheckpointPath names)");
        }
        return new TrainingCheckpoint
        {
            Model = ToStateDict(root["model"]),
            Frozen = ((IList<object?>)root["frozen"]!).Cast<string>().ToArray(),
            Optimizer = (IReadOnlyDictionary<object, object?>)root["optimizer"]!,
            SchedulerStep = (int)(long)root["scheduler_step"]!,
            EpochsDone = (int)(long)root["epochs_done"]!,
            BatchesDone = (int)(long)root["batches_done"]!,
            RngState = (Tensor)root["rng_state"]!,
            History = HistoryJson.Deserialize((string)root["history"]!),
            Best = root["best_model"] is null ? null : ToStateDict(root["best_model"]),
            BestEpoch = (int)(long)root["best_epoch"]!,
            EpochsWithoutImprovement = (int)(long)root["epochs_without_improvement"]!,
        };
    }

    private static StateDict ToStateDict(object? value) =>
        new(((IReadOnlyDictionary<object, object?>)value!).Select(p => new KeyValuePair<string, Tensor>((string)p.Key, (Tensor)p.Value!)));

    public void Dispose()
    {
        Model.Dispose();
        Best?.Dispose();
        RngState.Dispose();
        DisposeTree(Optimizer);
    }

    private static void DisposeTree(object? node)
    {
        switch (node)
        {
            case Tensor t: t.Dispose(); break;
            case IReadOnlyDictionary<object, object?> d: foreach (var v in d.Values) DisposeTree(v); break;
            case IList<object?> l: foreach (var v in l) DisposeTree(v); break;
        }
    }
}
