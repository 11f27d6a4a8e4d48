using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>
/// Base of the optimizers: parameter groups, per-parameter state, and the checks that catch
/// mistakes before training (frozen parameters handed in, an empty trainable set, a parameter
/// in two groups). <see cref="Step"/> updates the parameters from their gradients without
/// recording autograd and frees its temporaries deterministically.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly Dictionary<Tensor, Tensor[]> _state = new(ReferenceEqualityComparer.Instance);

    private readonly List<ParamGroup> _groups = new();
    private readonly HashSet<Tensor> _held = new(ReferenceEqualityComparer.Instance);
    private readonly double _defaultLearningRate, _defaultWeightDecay;

    /// <summary>Validates and stores the groups, filling unset rates from the defaults.</summary>
    protected Optimizer(IEnumerable<ParamGroup> groups, double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (learningRate < 0) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be >= 0");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be >= 0");
        _defaultLearningRate = learningRate;
        _defaultWeightDecay = weightDecay;
        foreach (var group in groups) Add(group, nameof(groups));
        if (_held.Count == 0) throw new ArgumentException("The optimizer was given no parameters to train (the trainable set is empty: is everything frozen?).", nameof(groups));
    }

    /// <summary>
    /// Adds a parameter group while training (PyTorch's <c>add_param_group</c>), e.g. the layers a
    /// fine-tuning schedule just unfroze. Its unset rate and weight decay take the optimizer's
    /// defaults; its parameters must require gradients and not be in another group.
    /// </summary>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Parameters.Count == 0) throw new ArgumentException("The parameter group is empty.", nameof(group));
        Add(group, nameof(group));
    }

    private void Add(ParamGroup group, string argument)
    {
        string label = group.Name ?? $"group {_groups.Count}";
        if (_groups.Contains(group)) throw new ArgumentException($"{label} is already one of this optimizer's groups.", argument);
        int frozen = 0;
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var p in group.Parameters)
        {
            if (_held.Contains(p) || !seen.Add(p)) throw new ArgumentException($"A parameter appears in more than one parameter group ({label}).", argument);
            if (!p.RequiresGrad) frozen++;
            if (!p.Dtype.IsFloatingPoint()) throw new ArgumentException($"{label}: cannot optimize a {p.Dtype.PyTorchName()} tensor.", argument);
        }
        if (frozen > 0)
            throw new ArgumentException(
                $"{label}: {frozen} of {group.Parameters.Count} parameters do not require gradients (they are frozen) and would never be updated. " +
                "Pass only trainable parameters, e.g. model.TrainableParameters().", argument);
        group.LearningRate = group.RequestedLearningRate ?? _defaultLearningRate;
        group.InitialLearningRate = group.LearningRate;
        group.WeightDecay = group.RequestedWeightDecay ?? _defaultWeightDecay;
        foreach (var p in group.Parameters) _held.Add(p);
        _groups.Add(group);
    }

    /// <summary>The parameter groups, in order.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>Number of <see cref="Step"/> calls so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewDisposeScope();
        StepCount++;
        foreach (var group in ParamGroups) StepGroup(group);
    }

    /// <summary>
    /// Updates one group's parameters (those with a gradient). The default calls
    /// <see cref="Update"/> for each; an optimizer with a multi-tensor kernel (PyTorch's foreach
    /// implementations: a few kernel launches for the whole group, which matters on GPUs) overrides it.
    /// Runs without autograd, inside a dispose scope.
    /// </summary>
    protected virtual void StepGroup(ParamGroup group)
    {
        foreach (var p in group.Parameters)
        {
            var grad = p.Grad;
            if (grad is null) continue;
            Update(group, p, grad, State(p));
        }
    }

    /// <summary>Updates one parameter. Runs without autograd, inside a dispose scope.</summary>
    /// <param name="group">The parameter's group (learning rate, weight decay).</param>
    /// <param name="parameter">The parameter to update in place.</param>
    /// <param name="grad">Its gradient.</param>
    /// <param name="state">Its state slots (<see cref="StateSize"/> long), null until first set.</param>
    protected abstract void Update(ParamGroup group, Tensor parameter, Tensor grad, Tensor?[] state);

    /// <summary>How many state tensors each parameter keeps (momentum buffer, moments, ...).</summary>
    protected abstract int StateSize { get; }

    /// <summary>Stores a state tensor, taking it out of the step's dispose scope.</summary>
    protected static Tensor Keep(Tensor?[] state, int slot, Tensor value)
    {
        state[slot]?.Dispose();
        state[slot] = value.DetachFromDisposeScope();
        return value;
    }

    /// <summary>The state slots of <paramref name="p"/> (<see cref="StateSize"/> long; null until first set).</summary>
    protected Tensor?[] State(Tensor p)
    {
        if (!_state.TryGetValue(p, out var s))
        {
            s = new Tensor[StateSize];
            _state[p] = s;
        }
        return s;
    }

    /// <summary>State of one parameter (for checkpoints and tests); empty slots are null.</summary>
    public IReadOnlyList<Tensor?> GetState(Tensor parameter) =>
        _state.TryGetValue(parameter, out var s) ? s : Array.Empty<Tensor?>();

    /// <summary>
    /// The optimizer's resumable state as named tensors: each group's hyper-parameters and each
    /// parameter's state slots, keyed by group and position (<c>group0.param3.slot1</c>). The
    /// tensors are new handles; the caller disposes them.
    /// </summary>
    internal Dictionary<string, object?> ExportState(IReadOnlyDictionary<Tensor, string>? names = null)
    {
        var groups = new List<object?>();
        var slots = new Dictionary<string, object?>();
        for (int g = 0; g < ParamGroups.Count; g++)
        {
            var group = ParamGroups[g];
            groups.Add(new Dictionary<string, object?>
            {
                ["lr"] = group.LearningRate,
                ["initial_lr"] = group.InitialLearningRate,
                ["weight_decay"] = group.WeightDecay,
                ["params"] = (long)group.Parameters.Count,
                ["name"] = group.Name,
                ["param_names"] = names is null ? null : group.Parameters.Select(p => (object?)(names.TryGetValue(p, out var n) ? n : null)).ToList(),
            });
            for (int i = 0; i < group.Parameters.Count; i++)
                if (_state.TryGetValue(group.Parameters[i], out var state))
                    for (int slot = 0; slot < state.Length; slot++)
                        if (state[slot] is { } t) slots[$"group{g}.param{i}.slot{slot}"] = t.Alias().DetachFromDisposeScope();
        }
        return new Dictionary<string, object?> { ["step_count"] = StepCount, ["groups"] = groups, ["state"] = slots };
    }

    /// <summary>Restores what <see cref="ExportState"/> produced; the groups must have the same sizes.</summary>
    internal void ImportState(IReadOnlyDictionary<object, object?> exported)
    {
        var groups = (IList<object?>)exported["groups"]!;
        if (groups.Count != ParamGroups.Count)
            throw new InvalidOperationException($"The checkpoint's optimizer has {groups.Count} parameter groups; this one has {ParamGroups.Count}.");
        for (int g = 0; g < groups.Count; g++)
        {
            var saved = (IReadOnlyDictionary<object, object?>)groups[g]!;
            var group = ParamGroups[g];
            if ((long)saved["params"]! != group.Parameters.Count)
                throw new InvalidOperationException($"Parameter group {g} has {group.Parameters.Count} parameters; the checkpoint's had {saved["params"]}.");
            group.LearningRate = (double)saved["lr"]!;
            group.InitialLearningRate = (double)saved["initial_lr"]!;
            group.WeightDecay = (double)saved["weight_decay"]!;
        }
        foreach (var slots in _state.Values)
            foreach (var t in slots) t?.Dispose();
        _state.Clear();
        foreach (var (key, value) in (IReadOnlyDictionary<object, object?>)exported["state"]!)
        {
            var parts = ((string)key).Split('.');
            int g = int.Parse(parts[0][5..], System.Globalization.CultureInfo.InvariantCulture);
            int i = int.Parse(parts[1][5..], System.Globalization.CultureInfo.InvariantCulture);
            int slot = int.Parse(parts[2][4..], System.Globalization.CultureInfo.InvariantCulture);
            var tensor = (Tensor)value!;
            var parameter = ParamGroups[g].Parameters[i];
            // Checkpoints hold CPU tensors: state follows its parameter's device (CPU <-> GPU resume).
            var stored = tensor.Device == parameter.Device ? tensor.Alias() : tensor.To(parameter.Device);
            State(parameter)[slot] = stored.DetachFromDisposeScope();
        }
        StepCount = (long)exported["step_count"]!;
    }

    /// <summary>Clears the gradients of every parameter (PyTorch's <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var group in ParamGroups)
            foreach (var p in group.Parameters)
                p.ClearGrad();
    }

    /// <summary>Frees the optimizer's state tensors (not the parameters).</summary>
    public void Dispose()
    {
        foreach (var slots in _state.Values)
            foreach (var t in slots) t?.Dispose();
        _state.Clear();
        GC.SuppressFinalize(this);
    }
}
