using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>
/// Base class of every layer and model, PyTorch's <c>nn.Module</c>: it registers child modules,
/// parameters and buffers under names, so that <see cref="NamedParameters"/> and
/// <see cref="StateDict"/> produce PyTorch's dotted keys (<c>layer1.0.conv1.weight</c>,
/// <c>bn1.running_mean</c>, <c>bn1.num_batches_tracked</c>) and weights from <c>.pth</c> files load by name.
/// A module owns its parameters and buffers: <see cref="Dispose"/> frees them and its children's.
/// </summary>
public abstract partial class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Tensor?>> _parameters = new();
    private readonly List<KeyValuePair<string, Tensor?>> _buffers = new();
    private readonly List<KeyValuePair<string, Module>> _modules = new();
    private bool _disposed;

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Computes the module's output.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>
    /// Computes the output from a batch's named inputs. By default the module reads
    /// <see cref="ModelInputs.PixelValues"/>, or the only input; models with several inputs (token
    /// ids and an attention mask, waveforms and lengths) override this to declare what they read.
    /// </summary>
    public virtual Tensor Forward(ModelInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return Forward(inputs.TryGetValue(ModelInputs.PixelValues, out var pixels) ? pixels : inputs.Single);
    }

    /// <summary>A short name for messages and summaries; the class name by default.</summary>
    public virtual string TypeName => GetType().Name;

    // ---- registration ----

    /// <summary>
    /// Registers (or replaces) a parameter. The module takes ownership: the tensor is detached
    /// from any dispose scope and made to require gradients. Pass null to declare an absent
    /// parameter (e.g. a disabled bias).
    /// </summary>
    protected Tensor? RegisterParameter(string name, Tensor? tensor)
    {
        ValidateName(name);
        if (tensor is not null)
        {
            tensor.DetachFromDisposeScope();
            if (!tensor.RequiresGrad) tensor.RequiresGrad = true;
        }
        Set(_parameters, name, tensor);
        return tensor;
    }

    /// <summary>
    /// Registers a parameter that another module owns as this module's too, leaving requires_grad
    /// as it is: <c>TransferModel</c> mirrors the parameters its network holds directly (a ViT's
    /// <c>class_token</c>) this way, as it mirrors the network's children.
    /// </summary>
    internal void ShareParameter(string name, Tensor tensor)
    {
        ValidateName(name);
        Set(_parameters, name, tensor);
    }

    /// <summary>This module's own parameter <paramref name="name"/> (not a descendant's), or null.</summary>
    internal Tensor? OwnParameter(string name) => Find(_parameters, name);

    /// <summary>
    /// Registers (or replaces) a buffer: state saved in the state dict but not trained, such as
    /// BatchNorm's running statistics. The module takes ownership.
    /// </summary>
    protected Tensor? RegisterBuffer(string name, Tensor? tensor)
    {
        ValidateName(name);
        tensor?.DetachFromDisposeScope();
        Set(_buffers, name, tensor);
        return tensor;
    }

    /// <summary>Registers a child module under a name (its keys are prefixed with <c>name.</c>).</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        ValidateName(name);
        for (int k = 0; k < _modules.Count; k++)
        {
            if (_modules[k].Key != name) continue;
            _modules[k] = new(name, module);
            return module;
        }
        _modules.Add(new(name, module));
        return module;
    }

    /// <summary>A registered parameter by its local name (null when absent).</summary>
    protected Tensor? GetParameter(string name) => Find(_parameters, name);

    /// <summary>A registered buffer by its local name (null when absent).</summary>
    protected Tensor? GetBuffer(string name) => Find(_buffers, name);

    /// <summary>
    /// Replaces the child module registered under <paramref name="name"/> and returns the old one
    /// (not disposed: the caller decides). Used to swap a classifier head. Modules that mirror
    /// another module's children override it to keep both in step.
    /// </summary>
    public virtual Module ReplaceChild(string name, Module replacement)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        for (int k = 0; k < _modules.Count; k++)
        {
            if (_modules[k].Key != name) continue;
            var old = _modules[k].Value;
            _modules[k] = new(name, replacement);
            return old;
        }
        throw new KeyNotFoundException($"{TypeName} has no child module named '{name}'. Children: {string.Join(", ", _modules.Select(m => m.Key))}.");
    }

    /// <summary>
    /// The descendant module at a dotted path ("layer4", "features.3", "" for this module).
    /// </summary>
    public Module GetSubmodule(string path)
    {
        if (string.IsNullOrEmpty(path)) return this;
        Module current = this;
        foreach (string part in path.Split('.'))
        {
            var next = current._modules.FirstOrDefault(m => m.Key == part).Value;
            current = next ?? throw new KeyNotFoundException(
                $"No submodule '{path}': {current.TypeName} has no child '{part}' (children: {string.Join(", ", current._modules.Select(m => m.Key))}).");
        }
        return current;
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"'{name}' is not a valid name: names are non-empty and contain no '.'.", nameof(name));
    }

    private static void Set(List<KeyValuePair<string, Tensor?>> slots, string name, Tensor? tensor)
    {
        for (int k = 0; k < slots.Count; k++)
        {
            if (slots[k].Key != name) continue;
            var old = slots[k].Value;
            slots[k] = new(name, tensor);
            if (old is not null && !ReferenceEquals(old, tensor)) old.Dispose();
            return;
        }
        slots.Add(new(name, tensor));
    }

    private static Tensor? Find(List<KeyValuePair<string, Tensor?>> slots, string name)
    {
        foreach (var slot in slots)
            if (slot.Key == name) return slot.Value;
        return null;
    }

    // ---- traversal ----

    /// <summary>Direct children with their names, in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _modules.Select(m => (m.Key, m.Value));

    /// <summary>This module (name "") and every descendant, with dotted names, depth first.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, child) in _modules.Select(m => (m.Key, m.Value)))
            foreach (var item in child.NamedModules(Join(prefix, name)))
                yield return item;
    }

    /// <summary>Parameters with PyTorch's dotted names: this module's first, then each child's.</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters(bool recurse = true) => Named(_parameters, m => m._parameters, recurse);

    /// <summary>Buffers with PyTorch's dotted names.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(bool recurse = true) => Named(_buffers, m => m._buffers, recurse);

    /// <summary>All parameters (recursively), in <see cref="NamedParameters"/> order.</summary>
    public IEnumerable<Tensor> Parameters(bool recurse = true) => NamedParameters(recurse).Select(p => p.Parameter);

    /// <summary>Parameters that currently require gradients (what an optimizer should train).</summary>
    public IEnumerable<Tensor> TrainableParameters() => Parameters().Where(p => p.RequiresGrad);

    private IEnumerable<(string, Tensor)> Named(List<KeyValuePair<string, Tensor?>> own, Func<Module, List<KeyValuePair<string, Tensor?>>> select, bool recurse)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : new[] { ("", this) })
            foreach (var slot in select(module))
                if (slot.Value is not null && seen.Add(slot.Value))
                    yield return (Join(prefix, slot.Key), slot.Value);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>Calls <paramref name="action"/> on every descendant and then on this module (PyTorch's order); returns this.</summary>
    public Module Apply(Action<Module> action)
    {
        foreach (var (_, child) in _modules) child.Apply(action);
        action(this);
        return this;
    }

    // ---- modes, freezing, devices ----

    /// <summary>Sets training mode on this module and all descendants; returns this.</summary>
    public virtual Module Train(bool mode = true)
    {
        Training = mode;
        foreach (var (_, child) in _modules) child.Train(mode);
        return this;
    }

    /// <summary>Evaluation mode (dropout off, BatchNorm uses running statistics); returns this.</summary>
    public Module Eval() => Train(false);

    /// <summary>Sets requires_grad on every parameter of this subtree (false freezes it); returns this.</summary>
    public Module RequiresGrad_(bool requiresGrad = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>Total number of parameter elements (optionally only the trainable ones).</summary>
    public long ParameterCount(bool trainableOnly = false) =>
        Parameters().Where(p => !trainableOnly || p.RequiresGrad).Sum(p => p.Numel);

    /// <summary>Clears the gradients of all parameters (PyTorch's <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ClearGrad();
    }

    /// <summary>
    /// Moves every parameter and buffer to a device, replacing the tensors (call it before creating
    /// an optimizer). Returns this.
    /// </summary>
    public Module To(Device device) => Convert(t => t.To(device), floatingOnly: false);

    /// <summary>Converts floating-point parameters and buffers to <paramref name="dtype"/>; returns this.</summary>
    public Module To(ScalarType dtype)
    {
        if (!dtype.IsFloatingPoint()) throw new ArgumentException("Modules can only be converted to a floating-point type.", nameof(dtype));
        return Convert(t => t.To(dtype), floatingOnly: true);
    }

    private Module Convert(Func<Tensor, Tensor> convert, bool floatingOnly)
    {
        foreach (var (_, module) in NamedModules())
        {
            ConvertSlots(module._parameters, convert, floatingOnly, isParameter: true);
            ConvertSlots(module._buffers, convert, floatingOnly, isParameter: false);
        }
        return this;
    }

    private static void ConvertSlots(List<KeyValuePair<string, Tensor?>> slots, Func<Tensor, Tensor> convert, bool floatingOnly, bool isParameter)
    {
        for (int k = 0; k < slots.Count; k++)
        {
            var old = slots[k].Value;
            if (old is null || (floatingOnly && !old.Dtype.IsFloatingPoint())) continue;
            bool requiresGrad = isParameter && old.RequiresGrad;
            Tensor converted;
            using (Torch.NoGrad()) converted = convert(old).DetachFromDisposeScope();
            if (ReferenceEquals(converted, old)) continue;
            if (requiresGrad) converted.RequiresGrad = true;
            slots[k] = new(slots[k].Key, converted);
            old.Dispose();
        }
    }

    /// <summary>Frees all parameters and buffers of this module and its descendants.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, child) in _modules) child.Dispose();
        foreach (var slot in _parameters) slot.Value?.Dispose();
        foreach (var slot in _buffers) slot.Value?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A one-line description of this module (PyTorch's <c>extra_repr</c>).</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>The module tree, one line per module, like PyTorch's <c>print(model)</c>.</summary>
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        Describe(sb, "", 0);
        return sb.ToString().TrimEnd();
    }

    private void Describe(System.Text.StringBuilder sb, string name, int depth)
    {
        sb.Append(new string(' ', depth * 2));
        if (name.Length > 0) sb.Append('(').Append(name).Append("): ");
        sb.Append(TypeName).Append('(').Append(ExtraRepr()).Append(')').AppendLine();
        foreach (var (childName, child) in _modules) child.Describe(sb, childName, depth + 1);
    }
}
