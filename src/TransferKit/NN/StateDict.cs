using System.Collections;
using System.Diagnostics.CodeAnalysis;
using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>
/// Named tensors in a fixed order, as PyTorch's <c>state_dict()</c> (an <c>OrderedDict</c> of
/// parameter and buffer names such as <c>layer1.0.conv1.weight</c> to tensors). Loading keeps the
/// file's order; saving writes this order. <see cref="Dispose"/> frees every tensor it holds.
/// </summary>
public sealed class StateDict : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    private readonly OrderedDictionary<string, Tensor> _items = new(StringComparer.Ordinal);

    /// <summary>An empty state dict.</summary>
    public StateDict() { }

    /// <summary>A state dict holding the given pairs, in order.</summary>
    /// <exception cref="ArgumentException">A name appears twice.</exception>
    public StateDict(IEnumerable<KeyValuePair<string, Tensor>> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var (key, value) in items) Add(key, value);
    }

    /// <summary>Number of tensors.</summary>
    public int Count => _items.Count;

    /// <summary>The names, in order.</summary>
    public IEnumerable<string> Keys => _items.Keys;

    /// <summary>The tensors, in order.</summary>
    public IEnumerable<Tensor> Values => _items.Values;

    /// <summary>Gets or replaces (keeping its position) or appends the tensor of a name.</summary>
    /// <exception cref="KeyNotFoundException">Getting a name that is not present.</exception>
    public Tensor this[string key]
    {
        get => _items.TryGetValue(key, out var t) ? t : throw new KeyNotFoundException($"The state dict has no tensor named '{key}'.");
        set => _items[key] = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Appends a tensor under a new name.</summary>
    /// <exception cref="ArgumentException">The name is already present.</exception>
    public void Add(string key, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!_items.TryAdd(key, value)) throw new ArgumentException($"The state dict already holds '{key}'.", nameof(key));
    }

    /// <summary>Removes a name (without disposing its tensor); returns whether it was present.</summary>
    public bool Remove(string key) => _items.Remove(key);

    /// <summary>Removes a name and hands its tensor to the caller.</summary>
    public bool Remove(string key, [MaybeNullWhen(false)] out Tensor value) => _items.Remove(key, out value);

    /// <summary>True when the name is present.</summary>
    public bool ContainsKey(string key) => _items.ContainsKey(key);

    /// <summary>Looks a name up.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value) => _items.TryGetValue(key, out value);

    /// <summary>The pairs, in order.</summary>
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// A new state dict holding copies of every tensor (same keys and order), owned by it and
    /// independent of later changes to the originals: a snapshot of a model's weights.
    /// </summary>
    public StateDict Clone()
    {
        var copy = new StateDict();
        try
        {
            foreach (var (key, tensor) in _items) copy.Add(key, tensor.Clone().DetachFromDisposeScope());
        }
        catch
        {
            copy.Dispose();
            throw;
        }
        return copy;
    }

    /// <summary>Disposes every tensor held and empties the state dict.</summary>
    public void Dispose()
    {
        foreach (var t in _items.Values) t.Dispose();
        _items.Clear();
    }
}
