using TransferKit.NN;
using TransferKit.Serialization;
using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>
/// Everything needed to continue a run exactly where it stopped: model weights, which parameters
/// were frozen, the optimizer's parameter groups (by parameter name, so groups added during the run
/// are rebuilt) and state, epochs and batches done, libtorch's RNG state, the history and the state
/// of every <see cref="IStatefulCallback"/> (schedules, early stopping, best weights, unfreezing).
/// Saved as a <c>.pth</c> file (a dict that <c>torch.load</c> can read; the model weights are under
/// <c>"model"</c>), written atomically.
/// </summary>
internal sealed class TrainingCheckpoint : IDisposable
{
    public required StateDict Model { get; init; }
    public required IReadOnlyList<string> Frozen { get; init; }
    public required IReadOnlyDictionary<object, object?> Optimizer { get; init; }
    public required int EpochsDone { get; init; }
    public required int BatchesDone { get; init; }
    public required Tensor RngState { get; init; }
    public required History History { get; init; }
    public required IReadOnlyDictionary<object, object?> Callbacks { get; init; }
    public required string Path { get; init; }

    private const int FormatVersion = 2;

    public static void Save(string path, TrainerContext context, int epochsDone, int batchesDone)
    {
        using var scope = Torch.NewDisposeScope();
        var model = context.Model;
        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in model.NamedParameters()) names[p] = name;
        using var modelState = model.StateDict();
        var optimizerState = context.Optimizer.ExportState(names);
        var slots = (Dictionary<string, object?>)optimizerState["state"]!;
        using var rng = Torch.GetRngState();
        try
        {
            var callbacks = new Dictionary<string, object?>();
            foreach (var callback in context.Callbacks.OfType<IStatefulCallback>())
                callbacks[callback.StateKey] = callback.ExportState(context).ToDictionary(p => p.Key, p => p.Value);
            var tree = new Dictionary<string, object?>
            {
                ["format"] = "transferkit.training_checkpoint",
                ["format_version"] = (long)FormatVersion,
                ["model"] = modelState,
                ["frozen"] = model.NamedParameters().Where(p => !p.Parameter.RequiresGrad).Select(p => (object?)p.Name).ToList(),
                ["optimizer"] = optimizerState,
                ["epochs_done"] = (long)epochsDone,
                ["batches_done"] = (long)batchesDone,
                ["rng_state"] = rng,
                ["history"] = HistoryJson.Serialize(context.History),
                ["callbacks"] = callbacks,
            };
            TorchSerializer.Save(path, tree);
        }
        finally
        {
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
        if (!root.TryGetValue("format_version", out var version) || version is not long v || v != FormatVersion)
        {
            DisposeTree(root);
            throw new CheckpointFormatException(path, $"it is a training checkpoint of format version {version ?? "?"}; this TransferKit reads version {FormatVersion}");
        }
        return new TrainingCheckpoint
        {
            Model = ToStateDict(root["model"]),
            Frozen = ((IList<object?>)root["frozen"]!).Cast<string>().ToArray(),
            Optimizer = (IReadOnlyDictionary<object, object?>)root["optimizer"]!,
            EpochsDone = (int)(long)root["epochs_done"]!,
            BatchesDone = (int)(long)root["batches_done"]!,
            RngState = (Tensor)root["rng_state"]!,
            History = HistoryJson.Deserialize((string)root["history"]!),
            Callbacks = (IReadOnlyDictionary<object, object?>)root["callbacks"]!,
            Path = path,
        };
    }

    /// <summary>A callback's saved state with string keys (nested dictionaries stay as loaded), or null.</summary>
    public IReadOnlyDictionary<string, object?>? CallbackState(string key) =>
        Callbacks.TryGetValue(key, out var state) && state is IReadOnlyDictionary<object, object?> d
            ? d.ToDictionary(p => (string)p.Key, p => p.Value)
            : null;

    /// <summary>
    /// Makes <paramref name="optimizer"/>'s groups those of the checkpoint: the groups the optimizer
    /// was created with must hold the same parameters; groups added during the run (e.g. when a
    /// callback unfroze the backbone) are added again from their parameter names.
    /// </summary>
    public void RestoreParamGroups(Optimizer optimizer, Module model)
    {
        var saved = (IList<object?>)Optimizer["groups"]!;
        var byName = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in byName) names[p] = name;
        for (int g = 0; g < saved.Count; g++)
        {
            var group = (IReadOnlyDictionary<object, object?>)saved[g]!;
            var paramNames = (group["param_names"] as IList<object?>)?.Select(n => n as string).ToArray();
            if (g < optimizer.ParamGroups.Count)
            {
                if (paramNames is null) continue;
                var current = optimizer.ParamGroups[g].Parameters.Select(p => names.TryGetValue(p, out var n) ? n : (string?)null).ToArray();
                if (!current.SequenceEqual(paramNames))
                    throw new InvalidOperationException(
                        $"{Path}: parameter group {g} of the checkpoint holds [{Sample(paramNames)}] but the new optimizer's holds [{Sample(current)}]; " +
                        "resume with the same optimizer factory and model.");
                continue;
            }
            if (paramNames is null || paramNames.Any(n => n is null || !byName.ContainsKey(n)))
                throw new InvalidOperationException($"{Path}: parameter group {g} was added during the run but its parameters cannot be found in the model by name.");
            optimizer.AddParamGroup(new ParamGroup(paramNames.Select(n => byName[n!]), (double)group["lr"]!, (double)group["weight_decay"]!, group["name"] as string));
        }
    }

    private static string Sample(IEnumerable<string?> names)
    {
        var list = names.ToList();
        return string.Join(", ", list.Take(4)) + (list.Count > 4 ? $", ... ({list.Count} in all)" : "");
    }

    private static StateDict ToStateDict(object? value) =>
        new(((IReadOnlyDictionary<object, object?>)value!).Select(p => new KeyValuePair<string, Tensor>((string)p.Key, (Tensor)p.Value!)));

    public void Dispose()
    {
        Model.Dispose();
        RngState.Dispose();
        DisposeTree(Optimizer);
        DisposeTree(Callbacks);
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
