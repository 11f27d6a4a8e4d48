using System.Buffers.Binary;
using TransferKit.Serialization;

namespace TransferKit.Onnx;

/// <summary>
/// Reads the ONNX protobuf messages TransferKit needs (ModelProto, GraphProto, NodeProto,
/// AttributeProto, TensorProto, ValueInfoProto), field numbers from onnx.proto; unknown fields are skipped.
/// </summary>
internal sealed class OnnxParser
{
    private readonly string _source;
    private readonly OnnxReadLimits _limits;
    private readonly string? _directory;

    public OnnxParser(string sourceName, OnnxReadLimits limits, string? directory)
    {
        _source = sourceName;
        _limits = limits;
        _directory = directory;
    }

    public OnnxModel ReadModel(byte[] bytes)
    {
        var model = new OnnxModel { SourceName = _source };
        var r = new ProtoReader(bytes, 0, bytes.Length, _source, "ModelProto");
        bool hasGraph = false;
        while (r.NextField(out int field, out var wire))
        {
            switch (field, wire)
            {
                case (1, WireType.Varint): model.IrVersion = r.ReadInt64(); break;
                case (2, WireType.LengthDelimited): model.ProducerName = r.ReadString("producer_name"); break;
                case (3, WireType.LengthDelimited): model.ProducerVersion = r.ReadString("producer_version"); break;
                case (7, WireType.LengthDelimited):
                    if (hasGraph) throw r.Error("the model has two graphs");
                    model.Graph = ReadGraph(r.ReadMessage("graph"));
                    hasGraph = true;
                    break;
                case (8, WireType.LengthDelimited):
                    {
                        var (domain, version) = ReadOpset(r.ReadMessage($"opset_import[{model.Opsets.Count}]"));
                        model.Opsets[domain] = version;
                        break;
                    }
                case (14, WireType.LengthDelimited):
                    {
                        var (key, value) = ReadStringPair(r.ReadMessage($"metadata_props[{model.Metadata.Count}]"));
                        model.Metadata[key] = value;
                        break;
                    }
                default: r.Skip(wire); break;
            }
        }
        if (!hasGraph) throw new CheckpointFormatException(_source, "the file has no graph: it is not an ONNX model (or it is empty or truncated)");
        return model;
    }

    private static (string Domain, long Version) ReadOpset(ProtoReader r)
    {
        string domain = "";
        long version = 0;
        while (r.NextField(out int field, out var wire))
        {
            if (field == 1 && wire == WireType.LengthDelimited) domain = r.ReadString("domain");
            else if (field == 2 && wire == WireType.Varint) version = r.ReadInt64();
            else r.Skip(wire);
        }
        return (domain, version);
    }

    private static (string Key, string Value) ReadStringPair(ProtoReader r)
    {
        string key = "", value = "";
        while (r.NextField(out int field, out var wire))
        {
            if (field == 1 && wire == WireType.LengthDelimited) key = r.ReadString("key");
            else if (field == 2 && wire == WireType.LengthDelimited) value = r.ReadString("value");
            else r.Skip(wire);
        }
        return (key, value);
    }

    private OnnxGraph ReadGraph(ProtoReader r)
    {
        var graph = new OnnxGraph();
        while (r.NextField(out int field, out var wire))
        {
            switch (field, wire)
            {
                case (1, WireType.LengthDelimited):
                    if (graph.Nodes.Count >= _limits.MaxNodes)
                        throw r.Error($"the graph has more than {_limits.MaxNodes:N0} nodes (OnnxReadLimits.MaxNodes)");
                    graph.Nodes.Add(ReadNode(r.ReadMessage($"graph.node[{graph.Nodes.Count}]"), graph.Nodes.Count));
                    break;
                case (2, WireType.LengthDelimited): graph.Name = r.ReadString("graph name"); break;
                case (5, WireType.LengthDelimited):
                    {
                        if (graph.Initializers.Count >= _limits.MaxInitializers)
                            throw r.Error($"the graph has more than {_limits.MaxInitializers:N0} initializers (OnnxReadLimits.MaxInitializers)");
                        var tensor = ReadTensor(r.ReadMessage($"graph.initializer[{graph.Initializers.Count}]"));
                        if (!graph.Initializers.TryAdd(tensor.Name, tensor))
                            throw new CheckpointFormatException(_source, $"two initializers are named '{tensor.Name}'");
                        graph.InitializerOrder.Add(tensor.Name);
                        break;
                    }
                case (11, WireType.LengthDelimited): graph.Inputs.Add(ReadValueInfo(r.ReadMessage($"graph.input[{graph.Inputs.Count}]"))); break;
                case (12, WireType.LengthDelimited): graph.Outputs.Add(ReadValueInfo(r.ReadMessage($"graph.output[{graph.Outputs.Count}]"))); break;
                default: r.Skip(wire); break;
            }
        }
        return graph;
    }

    private OnnxNode ReadNode(ProtoReader r, int index)
    {
        var node = new OnnxNode { Index = index };
        while (r.NextField(out int field, out var wire))
        {
            switch (field, wire)
            {
                case (1, WireType.LengthDelimited): AddBounded(r, node.Inputs, r.ReadString("input"), "inputs"); break;
                case (2, WireType.LengthDelimited): AddBounded(r, node.Outputs, r.ReadString("output"), "outputs"); break;
                case (3, WireType.LengthDelimited):
                    node.Name = r.ReadString("name");
                    r.Context = $"graph.node[{index}] '{node.Name}'";
                    break;
                case (4, WireType.LengthDelimited): node.OpType = r.ReadString("op_type"); break;
                case (7, WireType.LengthDelimited): node.Domain = r.ReadString("domain"); break;
                case (5, WireType.LengthDelimited):
                    {
                        var attribute = ReadAttribute(r.ReadMessage($"{r.Context}.attribute[{node.Attributes.Count}]"));
                        if (!node.Attributes.TryAdd(attribute.Name, attribute))
                            throw r.Error($"attribute '{attribute.Name}' appears twice");
                        break;
                    }
                default: r.Skip(wire); break;
            }
        }
        if (node.OpType.Length == 0) throw r.Error("the node has no op_type");
        return node;
    }

    private void AddBounded(ProtoReader r, List<string> list, string value, string what)
    {
        if (list.Count >= _limits.MaxRepeated) throw r.Error($"more than {_limits.MaxRepeated:N0} {what}");
        list.Add(value);
    }

    private OnnxAttribute ReadAttribute(ProtoReader r)
    {
        var a = new OnnxAttribute();
        while (r.NextField(out int field, out var wire))
        {
            switch (field, wire)
            {
                case (1, WireType.LengthDelimited):
                    a.Name = r.ReadString("name");
                    r.Context += $" '{a.Name}'";
                    break;
                case (2, WireType.Fixed32): a.F = r.ReadFloat(); break;
                case (3, WireType.Varint): a.I = r.ReadInt64(); break;
                case (4, WireType.LengthDelimited): a.S = r.ReadString("s"); break;
                case (5, WireType.LengthDelimited): a.T = ReadTensor(r.ReadMessage($"{r.Context}.t")); break;
                case (7, _): r.ReadFloats(wire, a.Floats, _limits.MaxRepeated, "floats"); break;
                case (8, _): r.ReadInt64s(wire, a.Ints, _limits.MaxRepeated, "ints"); break;
                case (9, WireType.LengthDelimited): AddBounded(r, a.Strings, r.ReadString("strings"), "strings"); break;
                case (20, WireType.Varint): a.Type = r.ReadInt32("type"); break;
                default: r.Skip(wire); break;
            }
        }
        if (a.Name.Length == 0) throw r.Error("an attribute has no name");
        return a;
    }

    private OnnxValueInfo ReadValueInfo(ProtoReader r)
    {
        var info = new OnnxValueInfo();
        while (r.NextField(out int field, out var wire))
        {
            if (field == 1 && wire == WireType.LengthDelimited) info.Name = r.ReadString("name");
            else if (field == 2 && wire == WireType.LengthDelimited) ReadType(r.ReadMessage($"{r.Context}.type"), info);
            else r.Skip(wire);
        }
        return info;
    }

    private void ReadType(ProtoReader r, OnnxValueInfo info)
    {
        while (r.NextField(out int field, out var wire))
        {
            if (field != 1 || wire != WireType.LengthDelimited)
            {
                r.Skip(wire);
                continue;
            }
            var tensorType = r.ReadMessage($"{r.Context}.tensor_type");
            while (tensorType.NextField(out int f2, out var w2))
            {
                if (f2 == 1 && w2 == WireType.Varint) info.ElementType = (OnnxDataType)tensorType.ReadInt32("elem_type");
                else if (f2 == 2 && w2 == WireType.LengthDelimited)
                {
                    var shape = tensorType.ReadMessage($"{tensorType.Context}.shape");
                    while (shape.NextField(out int f3, out var w3))
                    {
                        if (f3 != 1 || w3 != WireType.LengthDelimited)
                        {
                            shape.Skip(w3);
                            continue;
                        }
                        if (info.Shape.Count >= _limits.MaxRank) throw shape.Error($"more than {_limits.MaxRank} dimensions (OnnxReadLimits.MaxRank)");
                        var dim = shape.ReadMessage($"{shape.Context}.dim[{info.Shape.Count}]");
                        long? value = null;
                        string? param = null;
                        while (dim.NextField(out int f4, out var w4))
                        {
                            if (f4 == 1 && w4 == WireType.Varint) value = dim.ReadInt64();
                            else if (f4 == 2 && w4 == WireType.LengthDelimited) param = dim.ReadString("dim_param");
                            else dim.Skip(w4);
                        }
                        info.Shape.Add(value);
                        info.DimNames.Add(param);
                    }
                }
                else tensorType.Skip(w2);
            }
        }
    }

    private OnnxTensor ReadTensor(ProtoReader r)
    {
        var tensor = new OnnxTensor();
        var dims = new List<long>();
        var floats = new List<float>();
        var int64s = new List<long>();
        var int32s = new List<long>();
        var doubles = new List<double>();
        ReadOnlyMemory<byte>? raw = null;
        var external = new Dictionary<string, string>(StringComparer.Ordinal);
        long location = 0;
        while (r.NextField(out int field, out var wire))
        {
            switch (field, wire)
            {
                case (1, _): r.ReadInt64s(wire, dims, _limits.MaxRank, "dims"); break;
                case (2, WireType.Varint): tensor.DataType = (OnnxDataType)r.ReadInt32("data_type"); break;
                case (4, _): r.ReadFloats(wire, floats, _limits.MaxRepeated * 64, "float_data"); break;
                case (5, _): r.ReadInt64s(wire, int32s, _limits.MaxRepeated * 64, "int32_data"); break;
                case (7, _): r.ReadInt64s(wire, int64s, _limits.MaxRepeated * 64, "int64_data"); break;
                case (8, WireType.LengthDelimited):
                    tensor.Name = r.ReadString("name");
                    r.Context += $" '{tensor.Name}'";
                    break;
                case (9, WireType.LengthDelimited): raw = r.ReadBytes("raw_data"); break;
                case (10, WireType.LengthDelimited):
                    {
                        var bytes = r.ReadBytes("double_data");
                        if (bytes.Length % 8 != 0) throw r.Error($"packed double_data has {bytes.Length} bytes, not a multiple of 8");
                        for (int p = 0; p < bytes.Length; p += 8) doubles.Add(BinaryPrimitives.ReadDoubleLittleEndian(bytes.Span.Slice(p, 8)));
                        break;
                    }
                case (13, WireType.LengthDelimited):
                    {
                        var (key, value) = ReadStringPair(r.ReadMessage($"{r.Context}.external_data"));
                        external[key] = value;
                        break;
                    }
                case (14, WireType.Varint): location = r.ReadInt64(); break;
                default: r.Skip(wire); break;
            }
        }

        string what = $"tensor '{tensor.Name}'";
        if (dims.Any(d => d < 0)) throw r.Error($"{what} has a negative dimension [{string.Join(", ", dims)}]");
        long elements = 1;
        foreach (long d in dims)
        {
            if (d != 0 && elements > _limits.MaxTensorElements / d)
                throw r.Error($"{what} of shape [{string.Join(", ", dims)}] has more than {_limits.MaxTensorElements:N0} elements (OnnxReadLimits.MaxTensorElements)");
            elements *= d;
        }
        if (elements > _limits.MaxTensorElements)
            throw r.Error($"{what} has more than {_limits.MaxTensorElements:N0} elements (OnnxReadLimits.MaxTensorElements)");
        tensor.Dims = dims.ToArray();
        int size = OnnxTensor.ElementSize(tensor.DataType);
        if (size == 0)
        {
            // Strings and exotic types are kept without data; using them as weights is refused later.
            if (tensor.DataType == OnnxDataType.Undefined) throw r.Error($"{what} has no data_type");
            return tensor;
        }
        long byteCount = elements * size;
        if (location == 1 || external.Count > 0)
        {
            tensor.Data = ReadExternal(r, tensor, external, byteCount);
            return tensor;
        }
        if (raw is { } rawBytes)
        {
            if (rawBytes.Length != byteCount)
                throw r.Error($"{what} of shape [{string.Join(", ", dims)}] and type {tensor.DataType} needs {byteCount:N0} bytes of raw_data but has {rawBytes.Length:N0}");
            tensor.Data = rawBytes;
            return tensor;
        }
        var data = new byte[byteCount];
        var span = data.AsSpan();
        int count;
        switch (tensor.DataType)
        {
            case OnnxDataType.Float:
                count = floats.Count;
                if (count == elements) for (int i = 0; i < count; i++) BinaryPrimitives.WriteSingleLittleEndian(span[(i * 4)..], floats[i]);
                break;
            case OnnxDataType.Double:
                count = doubles.Count;
                if (count == elements) for (int i = 0; i < count; i++) BinaryPrimitives.WriteDoubleLittleEndian(span[(i * 8)..], doubles[i]);
                break;
            case OnnxDataType.Int64 or OnnxDataType.UInt64:
                count = int64s.Count;
                if (count == elements) for (int i = 0; i < count; i++) BinaryPrimitives.WriteInt64LittleEndian(span[(i * 8)..], int64s[i]);
                break;
            default:
                // int32_data carries int32 and every narrower type (float16 as its bit pattern).
                count = int32s.Count;
                if (count == elements)
                    for (int i = 0; i < count; i++)
                    {
                        long v = int32s[i];
                        switch (size)
                        {
                            case 4: BinaryPrimitives.WriteInt32LittleEndian(span[(i * 4)..], (int)v); break;
                            case 2: BinaryPrimitives.WriteInt16LittleEndian(span[(i * 2)..], (short)v); break;
                            default: span[i] = (byte)v; break;
                        }
                    }
                break;
        }
        if (count != elements)
            throw r.Error($"{what} of shape [{string.Join(", ", dims)}] has {count:N0} values of type {tensor.DataType}; {elements:N0} expected");
        tensor.Data = data;
        return tensor;
    }

    private ReadOnlyMemory<byte> ReadExternal(ProtoReader r, OnnxTensor tensor, Dictionary<string, string> external, long byteCount)
    {
        string what = $"tensor '{tensor.Name}'";
        if (!external.TryGetValue("location", out string? location) || location.Length == 0)
            throw r.Error($"{what} is stored as external data without a location");
        if (_directory is null)
            throw r.Error($"{what} is stored in the external file '{location}', which cannot be read when the model is not read from a file");
        if (Path.IsPathRooted(location) || location.Split('/', '\\').Any(part => part == ".."))
            throw r.Error($"{what} refers to the external file '{location}' outside the model's folder; only files beside the model are read");
        string path = Path.GetFullPath(Path.Combine(_directory, location));
        if (!File.Exists(path)) throw r.Error($"{what} is stored in '{path}', which does not exist");
        long offset = ParseLong(r, external, "offset", 0, what);
        long length = ParseLong(r, external, "length", byteCount, what);
        if (length != byteCount) throw r.Error($"{what} needs {byteCount:N0} bytes but its external data has length {length:N0}");
        long fileLength = new FileInfo(path).Length;
        if (offset < 0 || offset > fileLength || fileLength - offset < length)
            throw r.Error($"{what}: bytes {offset:N0}..{offset + length:N0} lie outside '{path}' ({fileLength:N0} bytes)");
        if (length > int.MaxValue) throw r.Error($"{what} has {length:N0} bytes of external data, more than one tensor may have");
        var data = new byte[length];
        using var stream = File.OpenRead(path);
        stream.Position = offset;
        stream.ReadExactly(data);
        return data;
    }

    private static long ParseLong(ProtoReader r, Dictionary<string, string> external, string key, long fallback, string what)
    {
        if (!external.TryGetValue(key, out string? text)) return fallback;
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value))
            throw r.Error($"{what} has external {key} '{text}', which is not a non-negative integer");
        return value;
    }
}
