using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Serialization;

namespace TransferKit.Onnx;

/// <summary>
/// Names the weights of a BERT exported to ONNX by PyTorch with Hugging Face's keys. Initializers
/// that already carry a BERT name (<c>embeddings.*</c>, <c>encoder.layer.N.*.bias</c>, LayerNorms,
/// the pooler) are taken as they are. The linear layers' weights are anonymous (e.g. <c>onnx::MatMul_1234</c>)
/// and stored transposed, [in, out], as the second input of a MatMul; each such MatMul is followed
/// by the Add of a named bias, whose name (<c>….bias</c> → <c>….weight</c>) names the weight, which
/// is transposed back to [out, in]. Other initializers (constants, position ids) are left out.
/// </summary>
internal static class BertOnnxWeights
{
    private static readonly string[] Prefixes = ["embeddings.", "encoder.", "pooler.", "bert."];

    /// <summary>The named weights of the graph (the caller owns the tensors).</summary>
    public static StateDict Read(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        var consumers = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
            foreach (string input in node.Inputs)
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = new List<OnnxNode>();
                list.Add(node);
            }

        var matmuls = graph.Nodes.Where(n => n.OpType == "MatMul" && n.Inputs.Count == 2 && graph.Initializers.TryGetValue(n.Inputs[1], out var w) && w.Dims.Length == 2).ToList();
        var matmulWeights = matmuls.Select(n => n.Inputs[1]).ToHashSet(StringComparer.Ordinal);
        var result = new StateDict();
        try
        {
            foreach (string name in graph.InitializerOrder)
            {
                var init = graph.Initializers[name];
                if (matmulWeights.Contains(name) || !Prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) || !IsFloat(init)) continue;
                if (BertStateDictKeys.Normalize(name) is not { } key || result.ContainsKey(key)) continue;
                if (!key.EndsWith(".weight", StringComparison.Ordinal) && !key.EndsWith(".bias", StringComparison.Ordinal)) continue;
                result.Add(key, init.ToTensor(model.SourceName));
            }
            foreach (var matmul in matmuls)
            {
                var weight = graph.Initializers[matmul.Inputs[1]];
                var add = consumers.TryGetValue(matmul.Outputs[0], out var users) && users.Count == 1 && users[0].OpType == "Add" ? users[0] : null;
                string? biasName = add?.Inputs.FirstOrDefault(i => i != matmul.Outputs[0]);
                if (biasName is null || !biasName.EndsWith(".bias", StringComparison.Ordinal) || !graph.Initializers.ContainsKey(biasName))
                    throw new CheckpointFormatException(model.SourceName,
                        $"{matmul.Describe()} multiplies by the initializer '{matmul.Inputs[1]}' but is not followed by the Add of a named bias, so its weight cannot be named");
                if (BertStateDictKeys.Normalize(biasName[..^".bias".Length] + ".weight") is not { } key) continue;
                if (result.ContainsKey(key))
                    throw new CheckpointFormatException(model.SourceName, $"two MatMul weights are named '{key}' (by the bias of {add!.Describe()})");
                using var stored = weight.ToTensor(model.SourceName);
                using var transposed = stored.T();
                result.Add(key, transposed.Contiguous());
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private static bool IsFloat(OnnxTensor t) => t.DataType is OnnxDataType.Float or OnnxDataType.Double or OnnxDataType.Float16;
}
