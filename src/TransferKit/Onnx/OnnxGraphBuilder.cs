using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Onnx;

/// <summary>A value flowing through the exported graph: its name and its shape without the (dynamic) batch dimension.</summary>
/// <param name="Name">The ONNX value name.</param>
/// <param name="Shape">The per-sample shape, e.g. [64, 56, 56] or [512].</param>
public sealed record OnnxValue(string Name, IReadOnlyList<long> Shape);

/// <summary>
/// Writes one module's computation into the graph: given the module and its input, adds nodes and
/// initializers to <paramref name="graph"/> and returns the output. Register one per module type with
/// <see cref="OnnxExport.RegisterEmitter{TModule}"/> so that new layers can be exported.
/// </summary>
public delegate OnnxValue OnnxModuleEmitter(Module module, OnnxValue input, OnnxGraphBuilder graph);

/// <summary>
/// Collects the nodes and initializers of an exported graph. Emitters call <see cref="Node"/>,
/// <see cref="Initializer(string, Tensor)"/> and <see cref="Emit"/> (for child modules).
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly Func<Module, OnnxModuleEmitter> _emitterFor;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    internal List<(string OpType, string Name, string[] Inputs, string[] Outputs, List<(string Name, object Value)> Attributes)> Nodes { get; } = new();
    internal List<(string Name, long[] Dims, float[] Values)> Initializers { get; } = new();
    private readonly Stack<string> _path = new();

    internal OnnxGraphBuilder(Func<Module, OnnxModuleEmitter> emitterFor) => _emitterFor = emitterFor;

    /// <summary>The dotted path of the module being emitted (used to name nodes and initializers).</summary>
    public string CurrentPath => string.Join(".", _path.Reverse().Where(p => p.Length > 0));

    /// <summary>Emits a child module (named <paramref name="name"/> under the current path) on <paramref name="input"/>.</summary>
    public OnnxValue Emit(Module module, OnnxValue input, string name = "")
    {
        ArgumentNullException.ThrowIfNull(module);
        _path.Push(name);
        try
        {
            return _emitterFor(module)(module, input, this);
        }
        finally
        {
            _path.Pop();
        }
    }

    /// <summary>A name not used before, derived from <paramref name="hint"/>.</summary>
    public string UniqueName(string hint)
    {
        string baseName = hint.Length > 0 ? hint : "value";
        string name = baseName;
        for (int k = 1; !_names.Add(name); k++) name = $"{baseName}_{k}";
        return name;
    }

    /// <summary>Adds a float32 initializer holding a copy of <paramref name="tensor"/>'s values; returns its name.</summary>
    public string Initializer(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var cpu = tensor.Detach().To(ScalarType.Float32).Contiguous();
        return Initializer(name, cpu.Shape, cpu.ToArray<float>());
    }

    /// <summary>Adds a float32 initializer with the given shape and values; returns its name.</summary>
    public string Initializer(string name, long[] dims, float[] values)
    {
        string unique = UniqueName(Qualify(name));
        Initializers.Add((unique, dims, values));
        return unique;
    }

    /// <summary>
    /// Adds a node; attribute values may be long, float, string, long[] or float[]. Returns the output value's name.
    /// </summary>
    public string Node(string opType, IReadOnlyList<string> inputs, params (string Name, object Value)[] attributes)
    {
        string output = UniqueName(Qualify(opType));
        Nodes.Add((opType, output, inputs.ToArray(), new[] { output }, attributes.ToList()));
        return output;
    }

    private string Qualify(string name) => CurrentPath.Length > 0 ? $"{CurrentPath}.{name}" : name;
}
