using System.Runtime.InteropServices;

namespace TransferKit.Onnx;

/// <summary>A graph input or output: its name, the value it is (for outputs), element type and dimensions (long or named string).</summary>
internal sealed record OnnxGraphIO(string Name, string Value, OnnxDataType Type, IReadOnlyList<object> Dims);

/// <summary>Serialises an exported graph as an ONNX ModelProto (IR version 8, opset <see cref="OnnxExport.Opset"/>).</summary>
internal static class OnnxWriter
{
    private const long IrVersion = 8;

    public static void Write(string path, OnnxGraphBuilder graph, OnnxValue input, OnnxValue output, string outputName, IReadOnlyList<(string Key, string Value)> metadata)
    {
        static object[] Batched(IReadOnlyList<long> perSample) => perSample.Select(d => (object)d).Prepend("batch").ToArray();
        Write(path, graph, new[] { new OnnxGraphIO(input.Name, input.Name, OnnxDataType.Float, Batched(input.Shape)) },
              new[] { new OnnxGraphIO(outputName, output.Name, OnnxDataType.Float, Batched(output.Shape)) }, metadata);
    }

    /// <summary>
    /// Writes a graph with several inputs and outputs; each output is an Identity of the value it names.
    /// Dimensions are a <c>long</c> (fixed) or a <c>string</c> (a named dynamic dimension).
    /// </summary>
    public static void Write(string path, OnnxGraphBuilder graph, IReadOnlyList<OnnxGraphIO> inputs, IReadOnlyList<OnnxGraphIO> outputs,
                             IReadOnlyList<(string Key, string Value)> metadata)
    {
        var g = new ProtoWriter();
        foreach (var node in graph.Nodes)
            g.Message(1, Node(node.OpType, node.Name, node.Inputs, node.Outputs, node.Attributes));
        foreach (var output in outputs)
            g.Message(1, Node("Identity", output.Name, new[] { output.Value }, new[] { output.Name }, new List<(string, object)>()));
        g.String(2, "TransferKit");
        foreach (var (name, dims, values) in graph.Initializers)
            g.Message(5, Tensor(name, dims, OnnxDataType.Float, MemoryMarshal.AsBytes(values.AsSpan())));
        foreach (var input in inputs) g.Message(11, ValueInfo(input.Name, input.Type, input.Dims));
        foreach (var output in outputs) g.Message(12, ValueInfo(output.Name, output.Type, output.Dims));

        var model = new ProtoWriter();
        model.Int64(1, IrVersion);
        model.String(2, "TransferKit");
        model.String(3, typeof(OnnxWriter).Assembly.GetName().Version?.ToString() ?? "");
        model.Message(7, g);
        var opset = new ProtoWriter();
        opset.String(1, "");
        opset.Int64(2, OnnxExport.Opset);
        model.Message(8, opset);
        foreach (var (key, value) in metadata)
        {
            var entry = new ProtoWriter();
            entry.String(1, key);
            entry.String(2, value);
            model.Message(14, entry);
        }

        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        // Written beside the target and renamed, so a failed export never leaves a partial file under the final name.
        string partial = $"{full}.{Guid.NewGuid():N}.partial";
        try
        {
            using (var stream = new FileStream(partial, FileMode.CreateNew, FileAccess.Write))
                model.WriteTo(stream);
            File.Move(partial, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    private static ProtoWriter Node(string opType, string name, string[] inputs, string[] outputs, List<(string Name, object Value)> attributes)
    {
        var n = new ProtoWriter();
        foreach (string i in inputs) n.String(1, i);
        foreach (string o in outputs) n.String(2, o);
        n.String(3, name);
        n.String(4, opType);
        foreach (var (attrName, value) in attributes) n.Message(5, Attribute(attrName, value));
        return n;
    }

    // AttributeProto: name 1, f 2, i 3, s 4, floats 7, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7).
    private static ProtoWriter Attribute(string name, object value)
    {
        var a = new ProtoWriter();
        a.String(1, name);
        switch (value)
        {
            case float f: a.Float(2, f); a.Int64(20, 1); break;
            case double d: a.Float(2, (float)d); a.Int64(20, 1); break;
            case long i: a.Int64(3, i); a.Int64(20, 2); break;
            case int i: a.Int64(3, i); a.Int64(20, 2); break;
            case string s: a.String(4, s); a.Int64(20, 3); break;
            case long[] ints: a.PackedInt64s(8, ints); a.Int64(20, 7); break;
            case float[] floats:
                foreach (float f in floats) a.Float(7, f);
                a.Int64(20, 6);
                break;
            default: throw new ArgumentException($"Attribute '{name}' has a value of type {value.GetType().Name}, which ONNX export does not write.");
        }
        return a;
    }

    // TensorProto: dims 1, data_type 2, name 8, raw_data 9.
    private static ProtoWriter Tensor(string name, long[] dims, OnnxDataType type, ReadOnlySpan<byte> data)
    {
        var t = new ProtoWriter();
        if (dims.Length > 0) t.PackedInt64s(1, dims);
        t.Int64(2, (long)type);
        t.String(8, name);
        t.Bytes(9, data);
        return t;
    }

    // ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1 | dim_param 2.
    private static ProtoWriter ValueInfo(string name, OnnxDataType elementType, IReadOnlyList<object> dims)
    {
        var shape = new ProtoWriter();
        foreach (object d in dims)
        {
            var dim = new ProtoWriter();
            if (d is string param) dim.String(2, param);
            else dim.Int64(1, Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture));
            shape.Message(1, dim);
        }
        var tensorType = new ProtoWriter();
        tensorType.Int64(1, (long)elementType);
        tensorType.Message(2, shape);
        var type = new ProtoWriter();
        type.Message(1, tensorType);
        var info = new ProtoWriter();
        info.String(1, name);
        info.Message(2, type);
        return info;
    }
}
