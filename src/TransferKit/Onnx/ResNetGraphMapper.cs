using TransferKit.Engine;
using TransferKit.NN;
using TransferKit.Serialization;

namespace TransferKit.Onnx;

/// <summary>
/// Walks an ONNX graph from its input through a ResNet of basic blocks and names each weight with
/// torchvision's key. Every step checks the operator, its inputs and attributes, and names the file
/// and node when the graph is not what a ResNet of basic blocks looks like.
/// </summary>
internal sealed class ResNetGraphMapper
{
    private const double ZooEpsilon = 1e-5;
    private readonly OnnxModel _model;
    private readonly OnnxImportOptions _options;
    private readonly Dictionary<string, OnnxNode> _producer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<OnnxNode>> _consumers = new(StringComparer.Ordinal);
    private readonly List<(string Key, OnnxTensor? Source, OnnxNode? Node, float[] Values, long[] Shape, string Note)> _entries = new();
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public ResNetGraphMapper(OnnxModel model, OnnxImportOptions options)
    {
        _model = model;
        _options = options;
        foreach (var node in model.Graph.Nodes)
        {
            foreach (string output in node.Outputs)
                if (output.Length > 0 && !_producer.TryAdd(output, node))
                    throw Fail(node, $"its output '{output}' is also produced by {_producer[output].Describe()}");
            foreach (string input in node.Inputs)
            {
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = new List<OnnxNode>();
                list.Add(node);
            }
        }
    }

    private string Source => _model.SourceName;

    private CheckpointFormatException Fail(OnnxNode node, string detail) =>
        new(Source, $"{node.Describe()}: {detail} (the graph is not a ResNet of basic blocks that TransferKit can map)");

    private CheckpointFormatException Fail(string detail) => new(Source, detail);

    public OnnxImportResult Map()
    {
        var graph = _model.Graph;
        var inputs = graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1) throw Fail($"the graph has {inputs.Count} inputs besides its initializers; a ResNet has one image input");
        if (graph.Outputs.Count != 1) throw Fail($"the graph has {graph.Outputs.Count} outputs; a ResNet has one");

        // Stem: conv1 → bn1 → relu → maxpool.
        var stemConv = SingleConsumer(inputs[0].Name, "Conv", "the image input");
        AddConv("conv1", stemConv, expectedStride: 2);
        var bn1 = SingleConsumer(stemConv.Outputs[0], "BatchNormalization", stemConv.Describe());
        AddBatchNorm("bn1", bn1);
        var relu = SingleConsumer(bn1.Outputs[0], "Relu", bn1.Describe());
        var pool = SingleConsumer(relu.Outputs[0], "MaxPool", relu.Describe());
        if (pool.Ints("kernel_shape", Array.Empty<long>()) is not [3, 3] || pool.Ints("strides", Array.Empty<long>()) is not [2, 2]
            || pool.Ints("pads", new long[] { 0, 0, 0, 0 }) is not [1, 1, 0 or 1, 0 or 1])
            throw Fail(pool, "the stem's max pooling is not 3x3 with stride 2 and padding 1 (torchvision's)");
        string current = pool.Outputs[0];

        // Residual blocks, each ending in Add → Relu.
        var blocks = new List<int>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            if (!visited.Add(current)) throw Fail($"the graph has a cycle through '{current}'");
            var users = Consumers(current);
            if (users.Count == 1 && users[0].OpType is "AveragePool" or "GlobalAveragePool") break;
            if (users.Count is < 2 or > 3)
                throw Fail(users.Count == 0 ? $"nothing uses '{current}' and it is not followed by a pooling node" : $"{users[0].Describe()}: '{current}' feeds {users.Count} nodes; a basic block feeds 2 or 3");
            var add = Consumers(current).FirstOrDefault(n => n.OpType == "Add")
                ?? FollowToAdd(users.First(n => n.OpType == "Conv"));
            current = MapBlock(current, add, blocks);
        }
        if (blocks.Count != 4) throw Fail($"the graph has {blocks.Count} stages of residual blocks; a ResNet has 4");

        var avg = Consumers(current)[0];
        string features = avg.Outputs[0];
        if (avg.OpType == "AveragePool" && avg.Int("count_include_pad", 0) != 0 && avg.Ints("pads", Array.Empty<long>()).Any(p => p != 0))
            throw Fail(avg, "average pooling with padding is not global average pooling");
        // Optional Flatten/Reshape and Gemm classifier.
        var next = Consumers(features);
        if (next.Count == 1 && next[0].OpType is "Flatten" or "Reshape")
        {
            features = next[0].Outputs[0];
            next = Consumers(features);
        }
        if (next.Count == 1 && next[0].OpType is "Gemm")
        {
            var gemm = next[0];
            if (gemm.Int("transB", 0) != 1) throw Fail(gemm, "the classifier's weight must be stored as [out, in] (transB = 1)");
            var weight = Initializer(gemm, 1, "weight");
            AddTensor("fc.weight", weight, gemm, Floats(weight), weight.Dims, "");
            if (gemm.Inputs.Count > 2 && gemm.Inputs[2].Length > 0)
            {
                var bias = Initializer(gemm, 2, "bias");
                AddTensor("fc.bias", bias, gemm, Floats(bias), bias.Dims, "");
            }
        }

        ConvertFirstConvolution();
        return Build(blocks);
    }

    // Adds the block that starts at `input` and ends at `add`, returning the block's output (the Relu after the Add).
    private string MapBlock(string input, OnnxNode add, List<int> blocks)
    {
        if (add.Inputs.Count != 2) throw Fail(add, $"the residual Add has {add.Inputs.Count} inputs; 2 expected");
        // The main branch is the input whose chain is BN ← Conv ← Relu ← BN ← Conv ← input.
        OnnxNode? Branch(string name)
        {
            var bn2 = Producer(name);
            if (bn2?.OpType != "BatchNormalization") return null;
            var conv2 = Producer(bn2.Inputs[0]);
            if (conv2?.OpType != "Conv") return null;
            var relu = Producer(conv2.Inputs[0]);
            return relu?.OpType == "Relu" ? bn2 : null;
        }
        string a = add.Inputs[0], b = add.Inputs[1];
        var mainBn = Branch(a) is { } ma && (b == input || IsShortcut(b, input)) ? ma
            : Branch(b) is { } mb && (a == input || IsShortcut(a, input)) ? mb
            : throw Fail(add, $"neither input of the residual Add is a conv-bn-relu-conv-bn branch from '{input}' with the shortcut beside it");
        string shortcut = mainBn.Outputs[0] == a ? b : a;
        bool downsample = shortcut != input;
        if (blocks.Count == 0 || downsample) blocks.Add(0);
        int stage = blocks.Count, index = blocks[^1]++;
        string prefix = $"layer{stage}.{index}";
        long stride = downsample && stage > 1 ? 2 : 1;

        var conv2 = Producer(mainBn.Inputs[0])!;
        var relu1 = Producer(conv2.Inputs[0])!;
        var bn1 = Producer(relu1.Inputs[0]);
        if (bn1?.OpType != "BatchNormalization") throw Fail(relu1, "the block's first Relu does not follow a BatchNormalization");
        var conv1 = Producer(bn1.Inputs[0]);
        if (conv1?.OpType != "Conv" || conv1.Inputs[0] != input) throw Fail(bn1, $"the block's first BatchNormalization does not follow a Conv of the block input '{input}'");
        AddConv($"{prefix}.conv1", conv1, stride);
        AddBatchNorm($"{prefix}.bn1", bn1);
        AddConv($"{prefix}.conv2", conv2, 1);
        AddBatchNorm($"{prefix}.bn2", mainBn);
        if (downsample)
        {
            var dbn = Producer(shortcut)!;
            AddConv($"{prefix}.downsample.0", Producer(dbn.Inputs[0])!, stride);
            AddBatchNorm($"{prefix}.downsample.1", dbn);
        }
        var relu = SingleConsumer(add.Outputs[0], "Relu", add.Describe());
        return relu.Outputs[0];
    }

    private bool IsShortcut(string name, string input)
    {
        var bn = Producer(name);
        if (bn?.OpType != "BatchNormalization") return false;
        var conv = Producer(bn.Inputs[0]);
        return conv?.OpType == "Conv" && conv.Inputs[0] == input;
    }

    private OnnxNode FollowToAdd(OnnxNode start)
    {
        var node = start;
        for (int steps = 0; steps < 8; steps++)
        {
            var users = Consumers(node.Outputs[0]);
            if (users.Count != 1) break;
            node = users[0];
            if (node.OpType == "Add") return node;
        }
        throw Fail(start, "no residual Add follows this convolution");
    }

    private void AddConv(string key, OnnxNode conv, long expectedStride)
    {
        if (conv.Inputs.Count < 2) throw Fail(conv, "the convolution has no weight input");
        var weight = Initializer(conv, 1, "weight");
        if (weight.Dims.Length != 4) throw Fail(conv, $"the weight '{weight.Name}' has shape [{string.Join(", ", weight.Dims)}]; 4 dimensions expected");
        if (conv.Int("group", 1) != 1) throw Fail(conv, $"group = {conv.Int("group", 1)}; the zoo ResNet has plain convolutions");
        if (conv.Ints("dilations", new long[] { 1, 1 }).Any(d => d != 1)) throw Fail(conv, "dilated convolutions are not part of a ResNet");
        string autoPad = conv.String("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "")) throw Fail(conv, $"auto_pad = {autoPad}; explicit pads are expected");
        var strides = conv.Ints("strides", new long[] { 1, 1 });
        if (strides.Count != 2 || strides.Any(s => s != expectedStride))
            throw Fail(conv, $"strides [{string.Join(", ", strides)}] where the ResNet's {key} has stride {expectedStride}");
        // torchvision pads k/2 on both sides; a file may pad the end one less (equal on even sizes, as ML.NET's does).
        long k = weight.Dims[2];
        var pads = conv.Ints("pads", new long[] { 0, 0, 0, 0 });
        if (pads.Count != 4 || pads[0] != k / 2 || pads[1] != k / 2 || pads[2] is var e0 && (e0 != k / 2 && e0 != k / 2 - 1) || pads[3] is var e1 && (e1 != k / 2 && e1 != k / 2 - 1))
            throw Fail(conv, $"pads [{string.Join(", ", pads)}] differ from torchvision's {k / 2} for a {k}x{k} kernel");
        if (conv.Inputs.Count > 2 && conv.Inputs[2].Length > 0) throw Fail(conv, "the convolution has a bias; ResNet convolutions have none (a batch norm follows)");
        AddTensor(key + ".weight", weight, conv, Floats(weight), weight.Dims, "");
    }

    private void AddBatchNorm(string key, OnnxNode bn)
    {
        if (bn.Inputs.Count != 5) throw Fail(bn, $"BatchNormalization has {bn.Inputs.Count} inputs; 5 expected");
        double eps = bn.Float("epsilon", 1e-5f);
        if (Math.Abs(eps - ZooEpsilon) > 1e-9) throw Fail(bn, $"epsilon = {eps:G6}; the zoo ResNet's batch norms use {ZooEpsilon:G6}");
        string[] names = { "weight", "bias", "running_mean", "running_var" };
        long channels = -1;
        for (int i = 0; i < 4; i++)
        {
            var t = Initializer(bn, i + 1, names[i]);
            if (t.Dims.Length != 1 || (channels >= 0 && t.Dims[0] != channels))
                throw Fail(bn, $"its {names[i]} '{t.Name}' has shape [{string.Join(", ", t.Dims)}]; a vector of {(channels >= 0 ? channels : "C")} values is expected");
            channels = t.Dims[0];
            AddTensor($"{key}.{names[i]}", t, bn, Floats(t), t.Dims, "");
        }
        _entries.Add(($"{key}.num_batches_tracked", null, bn, Array.Empty<float>(), Array.Empty<long>(), "added (0): ONNX does not store it"));
    }

    private float[] Floats(OnnxTensor t)
    {
        _used.Add(t.Name);
        return t.ToFloats(Source);
    }

    private void AddTensor(string key, OnnxTensor source, OnnxNode node, float[] values, long[] shape, string note) =>
        _entries.Add((key, source, node, values, shape, note));

    // Channel order → RGB, then (optionally) fold the file's normalisation into conv1 and bn1.
    private void ConvertFirstConvolution()
    {
        int wi = _entries.FindIndex(e => e.Key == "conv1.weight");
        int mi = _entries.FindIndex(e => e.Key == "bn1.running_mean");
        var (key, source, node, w, shape, _) = _entries[wi];
        if (shape[1] != 3) throw Fail(node!, $"the first convolution takes {shape[1]} channels; 3 (an image) expected");
        if (_options.FileConvention is not { } convention) return;
        long outC = shape[0], area = shape[2] * shape[3];
        var converted = new float[w.Length];
        // The file's input channel c_file of RGB channel c.
        int FileChannel(int c) => convention.Bgr ? 2 - c : c;
        var notes = new List<string>();
        if (convention.Bgr) notes.Add("input channels reordered BGR → RGB");
        // File input u_c = (Scale·x_c - Mean_c) / FileStd_c with x in [0, 1]. Wanted input z_c = (x_c - mean_c) / std_c,
        // so x_c = std_c·z_c + mean_c and u_c = (Scale·std_c / FileStd_c)·z_c + (Scale·mean_c - Mean_c) / FileStd_c.
        var gain = new double[3];
        var offset = new double[3];
        for (int c = 0; c < 3; c++)
        {
            if (_options.Mean is null)
            {
                gain[c] = 1;
                offset[c] = 0;
            }
            else
            {
                gain[c] = convention.Scale * _options.Std![c] / convention.Std[c];
                offset[c] = (convention.Scale * _options.Mean[c] - convention.Mean[c]) / convention.Std[c];
            }
        }
        var constant = new double[outC];
        for (long o = 0; o < outC; o++)
            for (int c = 0; c < 3; c++)
            {
                long src = (o * 3 + FileChannel(c)) * area, dst = (o * 3 + c) * area;
                for (long k = 0; k < area; k++)
                {
                    double v = w[src + k];
                    converted[dst + k] = (float)(v * gain[c]);
                    constant[o] += v * offset[c];
                }
            }
        if (_options.Mean is not null)
        {
            notes.Add($"normalisation folded (mean [{string.Join(", ", _options.Mean.Select(m => m.ToString("G4")))}], std [{string.Join(", ", _options.Std!.Select(s => s.ToString("G4")))}])");
            var (mk, ms, mn, mean, mshape, _) = _entries[mi];
            var folded = new float[mean.Length];
            for (int o = 0; o < mean.Length; o++) folded[o] = (float)(mean[o] - constant[o]);
            _entries[mi] = (mk, ms, mn, folded, mshape, "conv1's constant offset moved in");
        }
        _entries[wi] = (key, source, node, converted, shape, string.Join("; ", notes));
    }

    private OnnxImportResult Build(List<int> blocks)
    {
        var stateDict = new StateDict();
        var mappings = new List<OnnxKeyMapping>();
        try
        {
            foreach (var (key, source, node, values, shape, note) in _entries)
            {
                if (stateDict.ContainsKey(key)) throw Fail(node!, $"two tensors map to '{key}'");
                var tensor = source is null ? Torch.Zeros(ReadOnlySpan<long>.Empty, ScalarType.Int64) : Torch.FromArray(values, shape);
                stateDict.Add(key, tensor);
                mappings.Add(new OnnxKeyMapping(key, source?.Name ?? "", node?.Describe() ?? "", shape, note));
            }
        }
        catch
        {
            stateDict.Dispose();
            throw;
        }
        var unused = _model.Graph.InitializerOrder.Where(n => !_used.Contains(n)).ToList();
        string producer = $"{_model.ProducerName} {_model.ProducerVersion}".Trim();
        return new OnnxImportResult(Source, producer, stateDict, mappings, unused, blocks);
    }

    private OnnxNode? Producer(string name) => _producer.GetValueOrDefault(name);

    private List<OnnxNode> Consumers(string name) => _consumers.TryGetValue(name, out var list) ? list : new List<OnnxNode>();

    private OnnxNode SingleConsumer(string name, string opType, string after)
    {
        var users = Consumers(name);
        if (users.Count != 1 || users[0].OpType != opType)
            throw users.Count == 0
                ? Fail($"nothing uses the output '{name}' of {after}; a {opType} was expected")
                : Fail(users[0], $"follows {after} where a single {opType} was expected ({users.Count} node(s) use '{name}')");
        return users[0];
    }

    private OnnxTensor Initializer(OnnxNode node, int inputIndex, string what)
    {
        if (node.Inputs.Count <= inputIndex) throw Fail(node, $"it has no input {inputIndex} ({what})");
        string name = node.Inputs[inputIndex];
        if (!_model.Graph.Initializers.TryGetValue(name, out var tensor))
            throw Fail(node, $"its {what} '{name}' is not an initializer (weights computed at run time are not supported)");
        return tensor;
    }
}
