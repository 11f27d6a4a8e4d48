using TransferKit.Engine;

namespace TransferKit.NN;

public abstract partial class Module
{
    /// <summary>
    /// Parameters and buffers under PyTorch's dotted keys, in PyTorch's order (each module's
    /// parameters, then its buffers, then its children). The tensors are new handles to the live
    /// data (detached from autograd and from dispose scopes), owned by the returned
    /// <see cref="NN.StateDict"/>: dispose it when done (<c>using var sd = model.StateDict();</c>),
    /// or pass it to a serializer.
    /// </summary>
    public StateDict StateDict()
    {
        var result = new StateDict();
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var slot in module._parameters.Concat(module._buffers))
            {
                if (slot.Value is null) continue;
                result[Join(prefix, slot.Key)] = slot.Value.Detach().DetachFromDisposeScope();
            }
        }
        return result;
    }

    /// <summary>
    /// Copies values from <paramref name="stateDict"/> into this module's parameters and buffers
    /// by key. With <paramref name="strict"/> (the default) any missing key, unexpected key or
    /// shape mismatch throws <see cref="StateDictMismatchException"/> before anything is changed.
    /// Without it, matching keys load and the rest are reported. Values are converted to each
    /// parameter's dtype; parameters keep their own requires_grad (it is never taken from the file).
    /// </summary>
    public StateDictReport LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true) =>
        LoadStateDictCore(stateDict, strict, alreadyInPlace: null);

    /// <summary>
    /// <see cref="LoadStateDict(IReadOnlyDictionary{string, Tensor}, bool)"/>, skipping the copy for
    /// <paramref name="alreadyInPlace"/>: keys whose values were read straight into their parameter
    /// (they still count as loaded).
    /// </summary>
    internal StateDictReport LoadStateDictCore(IReadOnlyDictionary<string, Tensor> stateDict, bool strict, IReadOnlySet<string>? alreadyInPlace)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var (report, matched) = MatchStateDict(stateDict.Select(kv => (kv.Key, kv.Value.Shape)));
        if (strict && !report.IsExactMatch) throw new StateDictMismatchException(TypeName, report);

        using (Torch.NoGrad())
            foreach (var (key, target) in matched)
                if (alreadyInPlace is null || !alreadyInPlace.Contains(key))
                    target.Copy_(stateDict[key]);
        return report;
    }

    /// <summary>
    /// What loading a state dict with these keys and shapes would do, touching nothing: the report
    /// <see cref="LoadStateDict"/> would give, and the parameter or buffer each loadable key goes to
    /// (in this module's order; the tensors are the module's own, not new handles).
    /// </summary>
    internal (StateDictReport Report, List<(string Key, Tensor Target)> Matched) MatchStateDict(IEnumerable<(string Key, long[] Shape)> entries)
    {
        var shapes = new Dictionary<string, long[]>();
        var order = new List<string>();
        foreach (var (key, shape) in entries)
            if (shapes.TryAdd(key, shape)) order.Add(key);

        var missing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        var matched = new List<(string Key, Tensor Target)>();
        var known = new HashSet<string>();
        foreach (var (prefix, module) in NamedModules())
            foreach (var slot in module._parameters.Concat(module._buffers))
            {
                if (slot.Value is null) continue;
                string key = Join(prefix, slot.Key);
                known.Add(key);
                if (!shapes.TryGetValue(key, out var have))
                {
                    missing.Add(key);
                    continue;
                }
                long[] want = slot.Value.Shape;
                if (!want.AsSpan().SequenceEqual(have)) mismatched.Add(new ShapeMismatch(key, want, have));
                else matched.Add((key, slot.Value));
            }
        var unexpected = order.Where(k => !known.Contains(k)).ToList();
        return (new StateDictReport(missing, unexpected, mismatched, matched.Select(m => m.Key).ToList()), matched);
    }
}
