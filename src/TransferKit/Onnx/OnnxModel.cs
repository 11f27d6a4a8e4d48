using System.Buffers.Binary;
using TransferKit.Engine;
using TransferKit.Serialization;

namespace TransferKit.Onnx;

/// <summary>
/// Limits that an ONNX file must stay within to be read. They bound memory and time on untrusted
/// files; the defaults admit every published vision model of a few hundred MB.
/// </summary>
public sealed record OnnxReadLimits
{
    /// <summary>Largest file accepted (2 GiB - 1 by default, protobuf's own limit).</summary>
    public long MaxFileBytes { get; init; } = int.MaxValue;

    /// <summary>Most nodes in the graph (100,000 by default).</summary>
    public int MaxNodes { get; init; } = 100_000;

    /// <summary>Most initializers (100,000 by default).</summary>
    public int MaxInitializers { get; init; } = 100_000;

    /// <summary>Most dimensions of one tensor (16 by default).</summary>
    public int MaxRank { get; init; } = 16;

    /// <summary>Most elements of one tensor (1 billion by default).</summary>
    public long MaxTensorElements { get; init; } = 1L << 30;

    /// <summary>Most values in one repeated attribute or field (1 million by default).</summary>
    public int MaxRepeated { get; init; } = 1 << 20;

    /// <summary>Checks the limits; throws one <see cref="ArgumentException"/> listing every invalid one.</summary>
    public void Validate()
    {
        new OptionsCheck(nameof(OnnxReadLimits))
            .Require(MaxFileBytes > 0, $"MaxFileBytes must be positive; got {MaxFileBytes}.")
            .Require(MaxNodes > 0, $"MaxNodes must be positive; got {MaxNodes}.")
            .Require(MaxInitializers > 0, $"MaxInitializers must be positive; got {MaxInitializers}.")
            .Require(MaxRank > 0, $"MaxRank must be positive; got {MaxRank}.")
            .Require(MaxTensorElements > 0, $"MaxTensorElements must be positive; got {MaxTensorElements}.")
            .Require(MaxRepeated > 0, $"MaxRepeated must be positive; got {MaxRepeated}.")
            .ThrowIfAny();
    }
}

/// <summary>ONNX tensor element types (TensorProto.DataType) that TransferKit reads or writes.</summary>
internal enum OnnxDataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    BFloat16 = 16,
}

/// <summary>An initializer or constant tensor: shape, type and its little-endian element bytes.</summary>
internal sealed class OnnxTensor
{
    public string Name { get; set; } = "";
    public long[] Dims { get; set; } = Array.Empty<long>();
    public OnnxDataType DataType { get; set; }
    /// <summary>The elements as little-endian bytes of <see cref="DataType"/>, whatever field held them.</summary>
    public ReadOnlyMemory<byte> Data { get; set; }

    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

    /// <summary>The elements as float32 (float, double and float16 are converted; integer types are refused).</summary>
    public float[] ToFloats(string sourceName)
    {
        var span = Data.Span;
        var result = new float[ElementCount];
        switch (DataType)
        {
            case OnnxDataType.Float:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(span.Slice(i * 4, 4));
                break;
            case OnnxDataType.Double:
                for (int i = 0; i < result.Length; i++) result[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(span.Slice(i * 8, 8));
                break;
            case OnnxDataType.Float16:
                for (int i = 0; i < result.Length; i++) result[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(span.Slice(i * 2, 2));
                break;
            default:
                throw new CheckpointFormatException(sourceName, $"initializer '{Name}' has element type {DataType}; a floating-point tensor was expected");
        }
        return result;
    }

    /// <summary>A new float32 CPU tensor with the elements (the caller owns it).</summary>
    public Tensor ToTensor(string sourceName) => Torch.FromArray(ToFloats(sourceName), Dims);

    public static int ElementSize(OnnxDataType type) => type switch
    {
        OnnxDataType.Float or OnnxDataType.Int32 or OnnxDataType.UInt32 => 4,
        OnnxDataType.Double or OnnxDataType.Int64 or OnnxDataType.UInt64 => 8,
        OnnxDataType.Float16 or OnnxDataType.BFloat16 or OnnxDataType.Int16 or OnnxDataType.UInt16 => 2,
        OnnxDataType.UInt8 or OnnxDataType.Int8 or OnnxDataType.Bool => 1,
        _ => 0,
    };
}

/// <summary>An attribute of a node: one of float, int, string, tensor, floats, ints, strings (others are kept as their type only).</summary>
internal sealed class OnnxAttribute
{
    public string Name { get; set; } = "";
    public int Type { get; set; }
    public float F { get; set; }
    public long I { get; set; }
    public string S { get; set; } = "";
    public OnnxTensor? T { get; set; }
    public List<float> Floats { get; } = new();
    public List<long> Ints { get; } = new();
    public List<string> Strings { get; } = new();
}

/// <summary>A graph node: an operator applied to named inputs, producing named outputs.</summary>
internal sealed class OnnxNode
{
    public int Index { get; set; }
    public string Name { get; set; } = "";
    public string OpType { get; set; } = "";
    public string Domain { get; set; } = "";
    public List<string> Inputs { get; } = new();
    public List<string> Outputs { get; } = new();
    public Dictionary<string, OnnxAttribute> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>How error messages name the node: <c>node 12 'Conv_3' (Conv)</c>.</summary>
    public string Describe() => $"node {Index} '{(Name.Length > 0 ? Name : Outputs.FirstOrDefault() ?? "")}' ({OpType})";

    public IReadOnlyList<long> Ints(string name, IReadOnlyList<long> fallback) =>
        Attributes.TryGetValue(name, out var a) ? a.Ints : fallback;

    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out var a) ? a.I : fallback;

    public float Float(string name, float fallback) => Attributes.TryGetValue(name, out var a) ? a.F : fallback;

    public string String(string name, string fallback) => Attributes.TryGetValue(name, out var a) ? a.S : fallback;
}

/// <summary>A graph input or output: name, element type and shape (a dimension is null when symbolic or unknown).</summary>
internal sealed class OnnxValueInfo
{
    public string Name { get; set; } = "";
    public OnnxDataType ElementType { get; set; }
    public List<long?> Shape { get; } = new();
    public List<string?> DimNames { get; } = new();
}

/// <summary>The parts of an ONNX <c>GraphProto</c> TransferKit uses.</summary>
internal sealed class OnnxGraph
{
    public string Name { get; set; } = "";
    public List<OnnxNode> Nodes { get; } = new();
    public Dictionary<string, OnnxTensor> Initializers { get; } = new(StringComparer.Ordinal);
    public List<string> InitializerOrder { get; } = new();
    public List<OnnxValueInfo> Inputs { get; } = new();
    public List<OnnxValueInfo> Outputs { get; } = new();
}

/// <summary>
/// An ONNX model read from a file: producer, opsets, metadata and the main graph with its
/// initializers. Reading is bounds-checked throughout (<see cref="OnnxReadLimits"/>); a malformed
/// file gives <see cref="CheckpointFormatException"/> naming the file, the message and the byte
/// offset, never a crash. Initializers may be stored in the file (raw_data or the typed fields) or
/// as external data next to it (files inside the model's folder only).
/// </summary>
internal sealed class OnnxModel
{
    public required string SourceName { get; init; }
    public long IrVersion { get; set; }
    public string ProducerName { get; set; } = "";
    public string ProducerVersion { get; set; } = "";
    public Dictionary<string, long> Opsets { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);
    public OnnxGraph Graph { get; set; } = new();

    /// <summary>Reads an ONNX file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The file is malformed or exceeds a limit.</exception>
    public static OnnxModel Load(string path, OnnxReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        limits ??= new OnnxReadLimits();
        limits.Validate();
        if (!File.Exists(path)) throw new FileNotFoundException($"The ONNX file {Path.GetFullPath(path)} does not exist.", path);
        long length = new FileInfo(path).Length;
        if (length > limits.MaxFileBytes)
            throw new CheckpointFormatException(path, $"the file has {length:N0} bytes, more than the limit of {limits.MaxFileBytes:N0} (OnnxReadLimits.MaxFileBytes)");
        byte[] bytes = File.ReadAllBytes(path);
        return Parse(bytes, path, limits, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Parses ONNX bytes; external data, if any, is looked up in <paramref name="directory"/> (refused when null).</summary>
    public static OnnxModel Parse(byte[] bytes, string sourceName, OnnxReadLimits? limits = null, string? directory = null)
    {
        limits ??= new OnnxReadLimits();
        var parser = new OnnxParser(sourceName, limits, directory);
        try
        {
            return parser.ReadModel(bytes);
        }
        catch (Exception e) when (e is not CheckpointFormatException and not OutOfMemoryException)
        {
            throw new CheckpointFormatException(sourceName, $"unexpected error while reading the ONNX model: {e.Message}", e);
        }
    }
}
