namespace TransferKit.Onnx;

/// <summary>A graph input or output of an ONNX file: name, element type and shape (a dimension is null when symbolic).</summary>
/// <param name="Name">The value's name.</param>
/// <param name="ElementType">The element type (e.g. <c>Float</c>).</param>
/// <param name="Shape">The dimensions; null where the file names a symbolic dimension or gives none.</param>
/// <param name="DimensionNames">The symbolic names of the dimensions (e.g. <c>batch</c>), null where a dimension is fixed.</param>
public sealed record OnnxValueDescription(string Name, string ElementType, IReadOnlyList<long?> Shape, IReadOnlyList<string?> DimensionNames);

/// <summary>
/// What an ONNX file holds, read without running it (for tools such as <c>transferkit info</c>):
/// producer, opsets, metadata (a TransferKit export stores its labels and preprocessing there),
/// inputs, outputs and the size of the graph.
/// </summary>
/// <param name="Producer">Producer name and version.</param>
/// <param name="IrVersion">The ONNX IR version.</param>
/// <param name="Opsets">Operator set versions by domain ("" is the default domain).</param>
/// <param name="Metadata">The file's metadata properties.</param>
/// <param name="Inputs">Graph inputs that are not initializers.</param>
/// <param name="Outputs">Graph outputs.</param>
/// <param name="NodeCount">Nodes of the main graph.</param>
/// <param name="Initializers">Initializer names and dimensions, in file order.</param>
public sealed record OnnxModelInfo(string Producer, long IrVersion, IReadOnlyDictionary<string, long> Opsets, IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<OnnxValueDescription> Inputs, IReadOnlyList<OnnxValueDescription> Outputs, int NodeCount, IReadOnlyList<KeyValuePair<string, long[]>> Initializers)
{
    /// <summary>Total elements of all initializers (the weights' parameter count).</summary>
    public long ParameterCount => Initializers.Sum(i => i.Value.Aggregate(1L, (a, d) => a * d));

    /// <summary>Reads the description of the ONNX file at <paramref name="path"/> (bounds-checked as every ONNX read).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="Serialization.CheckpointFormatException">The file is not a readable ONNX model.</exception>
    public static OnnxModelInfo Read(string path)
    {
        var model = OnnxModel.Load(path);
        var graph = model.Graph;
        static OnnxValueDescription Describe(OnnxValueInfo v) => new(v.Name, v.ElementType.ToString(), v.Shape.ToArray(), v.DimNames.ToArray());
        return new OnnxModelInfo(
            string.IsNullOrEmpty(model.ProducerVersion) ? model.ProducerName : $"{model.ProducerName} {model.ProducerVersion}",
            model.IrVersion,
            new Dictionary<string, long>(model.Opsets),
            new Dictionary<string, string>(model.Metadata),
            graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)).Select(Describe).ToArray(),
            graph.Outputs.Select(Describe).ToArray(),
            graph.Nodes.Count,
            graph.InitializerOrder.Select(n => new KeyValuePair<string, long[]>(n, graph.Initializers[n].Dims)).ToArray());
    }
}
