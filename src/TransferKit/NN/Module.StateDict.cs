using TransferKit.Torch;

namespace TransferKit.NN;

public abstract partial class Module
{
    /// <summary>
    /// Parameters and buffers under PyTorch's dotted keys, in PyTorch's order (each module's
    /// parameters, then its buffers, then its children). The tensors are new handles to the live
    /// data (detached from autograd and from dispose scopes): dispose them when done, or pass the
    /// dictionary to a serializer.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var result = new Dictionary<string, Tensor>();
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
    public StateDictReport LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var targets = new List<(string Key, Tensor Target)>();
        foreach (var (prefix, module) in NamedModules())
            foreach (var slot in module._parameters.Concat(module._buffers))
                if (slot.Value is not null) targets.Add((Join(prefix, slot.Key), slot.Value));

        var missing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        var toLoad = new List<(string Key, Tensor Target, Tensor Source)>();
        foreach (var (key, target) in targets)
        {
            if (!stateDict.TryGetValue(key, out var source))
            {
                missing.Add(key);
                continue;
            }
            long[] want = target.Shape, have = source.Shape;
            if (!want.AsSpan().SequenceEqual(have)) mismatched.Add(new ShapeMismatch(key, want, have));
            else toLoad.Add((key, target, source));
        }
        var known = new HashSet<string>(targets.Select(t => t.Key));
        var unexpected = stateDict.Keys.Where(k => !known.Contains(k)).ToList();

        var report = new StateDictReport(missing, unexpected, mismatched, toLoad.Select(t => t.Key).ToList());
        if (strict && !report.IsExactMatch) throw new StateDictMismatchException(TypeName, report);

        using (Torch.Torch.NoGrad())
            foreach (var (_, target, source) in toLoad)
                target.Copy_(source);
        return report;
    }
}
