using System.Collections;
using System.Diagnostics.CodeAnalysis;
using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>
/// The named tensors a model consumes, as Hugging Face's model inputs: <c>pixel_values</c> for
/// images, <c>input_ids</c> + <c>attention_mask</c> (+ <c>token_type_ids</c>) for text,
/// <c>input_values</c> + <c>lengths</c> for audio. A model reads the names it needs in
/// <see cref="Module.Forward(ModelInputs)"/>. <see cref="Dispose"/> frees every tensor it holds.
/// </summary>
public sealed class ModelInputs : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    /// <summary>Images [N, C, H, W].</summary>
    public const string PixelValues = "pixel_values";
    /// <summary>Token ids [N, T] (int64).</summary>
    public const string InputIds = "input_ids";
    /// <summary>1 for real tokens, 0 for padding [N, T].</summary>
    public const string AttentionMask = "attention_mask";
    /// <summary>Segment ids [N, T] (int64).</summary>
    public const string TokenTypeIds = "token_type_ids";
    /// <summary>Waveforms [N, L].</summary>
    public const string InputValues = "input_values";
    /// <summary>Valid length of each sample of a padded input [N] (int64).</summary>
    public const string Lengths = "lengths";

    private readonly List<KeyValuePair<string, Tensor>> _items = new();

    /// <summary>An empty set of inputs; add tensors with <see cref="Add"/> or a collection initializer.</summary>
    public ModelInputs() { }

    /// <summary>One input under <paramref name="name"/>.</summary>
    public ModelInputs(string name, Tensor tensor) => Add(name, tensor);

    /// <summary>Adds a tensor under a new name (the inputs then own it).</summary>
    /// <exception cref="ArgumentException">The name is already present.</exception>
    public void Add(string name, Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(tensor);
        if (ContainsKey(name)) throw new ArgumentException($"The inputs already hold '{name}'.", nameof(name));
        _items.Add(new(name, tensor));
    }

    /// <summary>The tensor of a name.</summary>
    /// <exception cref="KeyNotFoundException">The name is absent; the message lists the names present.</exception>
    public Tensor this[string name] => TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException($"The batch has no input named '{name}' (it has: {string.Join(", ", Keys)}).");

    /// <summary>The only tensor, for single-input models.</summary>
    /// <exception cref="InvalidOperationException">There is not exactly one input.</exception>
    public Tensor Single => _items.Count == 1 ? _items[0].Value
        : throw new InvalidOperationException($"Expected one input, found {_items.Count} ({string.Join(", ", Keys)}): the model must say which it reads (override Module.Forward(ModelInputs)).");

    /// <summary>Number of inputs.</summary>
    public int Count => _items.Count;

    /// <summary>The names, in the order added.</summary>
    public IEnumerable<string> Keys => _items.Select(p => p.Key);

    /// <summary>The tensors, in the order added.</summary>
    public IEnumerable<Tensor> Values => _items.Select(p => p.Value);

    /// <summary>True when the name is present.</summary>
    public bool ContainsKey(string key) => _items.Exists(p => p.Key == key);

    /// <summary>Gets the tensor of a name, if present.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value)
    {
        foreach (var p in _items)
            if (p.Key == key)
            {
                value = p.Value;
                return true;
            }
        value = null;
        return false;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// New inputs with each tensor converted by <paramref name="convert"/> (e.g. moved to a device);
    /// the caller owns them, and these inputs stay as they are.
    /// </summary>
    public ModelInputs Select(Func<Tensor, Tensor> convert)
    {
        ArgumentNullException.ThrowIfNull(convert);
        var result = new ModelInputs();
        try
        {
            foreach (var (name, tensor) in _items) result.Add(name, convert(tensor));
        }
        catch
        {
            result.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>New inputs on <paramref name="device"/> (asynchronous copies from pinned memory when <paramref name="nonBlocking"/>).</summary>
    public ModelInputs To(Device device, bool nonBlocking = false) => Select(t => t.To(device, nonBlocking));

    /// <summary>Frees every tensor.</summary>
    public void Dispose()
    {
        foreach (var p in _items) p.Value.Dispose();
    }
}
