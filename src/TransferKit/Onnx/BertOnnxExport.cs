using System.Globalization;
using System.Runtime.CompilerServices;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using static TransferKit.Onnx.OnnxTransformerOps;

namespace TransferKit.Onnx;

/// <summary>
/// Exports a <see cref="BertForSequenceClassification"/> (or a <see cref="BertModel"/>) to ONNX
/// (opset 17) with int64 inputs <c>input_ids</c>, <c>attention_mask</c> and <c>token_type_ids</c>
/// of dynamic shape [batch, sequence]; the output is <c>logits</c> [batch, labels] (or
/// <c>last_hidden_state</c> [batch, sequence, hidden]). The model is exported in inference mode.
/// The graph is built by emitters registered with <see cref="OnnxExport.RegisterEmitter{TModule}"/>
/// for the BERT modules, <see cref="Embedding"/> (Gather) and <see cref="LayerNorm"/>
/// (LayerNormalization over the last dimension).
/// </summary>
public static class BertOnnxExport
{
    private const string Ids = ModelInputs.InputIds, Mask = ModelInputs.AttentionMask, Types = ModelInputs.TokenTypeIds;
    private const string AdditiveMask = "extended_attention_mask";

#pragma warning disable CA2255 // Registers this file's emitters with the exporter of the same assembly.
    [ModuleInitializer]
    internal static void Register()
    {
        OnnxExport.RegisterEmitter<Embedding>(EmitEmbedding);
        OnnxExport.RegisterEmitter<LayerNorm>(EmitLayerNorm);
        OnnxExport.RegisterEmitter<BertEmbeddings>(EmitEmbeddings);
        OnnxExport.RegisterEmitter<BertIntermediate>(EmitIntermediate);
        OnnxExport.RegisterEmitter<BertPooler>(EmitPooler);
        OnnxExport.RegisterEmitter<BertLayer>(EmitLayer);
        OnnxExport.RegisterEmitter<BertModel>(EmitModel);
        OnnxExport.RegisterEmitter<BertForSequenceClassification>(EmitClassifier);
    }
#pragma warning restore CA2255

    /// <summary>Writes the classifier as ONNX; <paramref name="labels"/> (optional) go to the metadata.</summary>
    public static void ExportOnnx(this BertForSequenceClassification model, string path, IReadOnlyList<string>? labels = null) =>
        Export(model, path, "logits", new object[] { "batch", model.NumLabels }, labels);

    /// <summary>Writes the encoder as ONNX with the output <c>last_hidden_state</c>.</summary>
    public static void ExportOnnx(this BertModel model, string path) =>
        Export(model, path, "last_hidden_state", new object[] { "batch", "sequence", model.Config.HiddenSize }, null);

    private static void Export(Module model, string path, string outputName, object[] outputDims, IReadOnlyList<string>? labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var graph = new OnnxGraphBuilder(OnnxExport.EmitterFor);
        foreach (string name in new[] { Ids, Mask, Types, AdditiveMask, outputName }) graph.UniqueName(name);
        bool wasTraining = model.Training;
        model.Eval();
        OnnxValue output;
        try
        {
            using (Torch.NoGrad())
                output = graph.Emit(model, new OnnxValue(Ids, new long[] { -1 }));
        }
        finally
        {
            model.Train(wasTraining);
        }
        object[] tokens = ["batch", "sequence"];
        var inputs = new[] { Ids, Mask, Types }.Select(n => new OnnxGraphIO(n, n, OnnxDataType.Int64, tokens)).ToArray();
        var metadata = new List<(string, string)> { ("producer", "TransferKit"), ("architecture", "bert") };
        if (labels is not null) metadata.Add(("labels", string.Join("\n", labels)));
        OnnxWriter.Write(path, graph, inputs, new[] { new OnnxGraphIO(outputName, output.Name, OnnxDataType.Float, outputDims) }, metadata);
    }

    private static NotSupportedException Unsupported(OnnxGraphBuilder g, string detail) =>
        new($"Cannot export '{(g.CurrentPath.Length > 0 ? g.CurrentPath : "the model")}' to ONNX: {detail}.");

    private static Tensor Parameter(Module m, string name) => m.NamedParameters(recurse: false).First(p => p.Name == name).Parameter;

    private static OnnxValue EmitEmbedding(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var embedding = (Embedding)module;
        string y = g.Node("Gather", new[] { g.Initializer("weight", embedding.Weight), x.Name }, ("axis", 0L));
        return new OnnxValue(y, x.Shape.Append(embedding.EmbeddingDim).ToArray());
    }

    private static OnnxValue EmitLayerNorm(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var norm = (LayerNorm)module;
        var weight = Parameter(norm, "weight");
        if (weight.NDim != 1) throw Unsupported(g, "LayerNorm is exported over the last dimension only");
        string y = g.Node("LayerNormalization", new[] { x.Name, g.Initializer("weight", weight), g.Initializer("bias", Parameter(norm, "bias")) },
            ("axis", -1L), ("epsilon", (float)norm.Eps));
        return x with { Name = y };
    }

    private static OnnxValue EmitEmbeddings(Module module, OnnxValue ids, OnnxGraphBuilder g)
    {
        long hidden = ((Embedding)module.GetSubmodule("word_embeddings")).EmbeddingDim;
        var words = g.Emit(module.GetSubmodule("word_embeddings"), ids, "word_embeddings");
        var types = g.Emit(module.GetSubmodule("token_type_embeddings"), new OnnxValue(Types, ids.Shape), "token_type_embeddings");
        string length = g.Node("Gather", new[] { g.Node("Shape", new[] { ids.Name }), g.Node("Constant", Array.Empty<string>(), ("value_int", 1L)) }, ("axis", 0L));
        string range = g.Node("Range", new[] { g.Node("Constant", Array.Empty<string>(), ("value_int", 0L)), length, g.Node("Constant", Array.Empty<string>(), ("value_int", 1L)) });
        var positions = g.Emit(module.GetSubmodule("position_embeddings"), new OnnxValue(g.Node("Unsqueeze", new[] { range, Ints(g, 0) }), ids.Shape), "position_embeddings");
        string sum = g.Node("Add", new[] { g.Node("Add", new[] { words.Name, types.Name }), positions.Name });
        return g.Emit(module.GetSubmodule("LayerNorm"), new OnnxValue(sum, new[] { -1L, hidden }), "LayerNorm");
    }

    private static OnnxValue EmitIntermediate(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var intermediate = (BertIntermediate)module;
        var y = Linear(g, module.GetSubmodule("dense"), "dense", x);
        string activated = intermediate.Activation switch
        {
            "gelu" => GeluErf(g, y.Name),
            "relu" => g.Node("Relu", new[] { y.Name }),
            _ => throw Unsupported(g, $"the activation '{intermediate.Activation}' has no ONNX emitter (gelu and relu do)"),
        };
        return y with { Name = activated };
    }

    private static OnnxValue Residual(OnnxGraphBuilder g, Module block, string path, OnnxValue x, OnnxValue residual)
    {
        var projected = Linear(g, block.GetSubmodule("dense"), path + ".dense", x);
        string sum = g.Node("Add", new[] { projected.Name, residual.Name });
        return g.Emit(block.GetSubmodule("LayerNorm"), projected with { Name = sum }, path + ".LayerNorm");
    }

    /// <summary>One layer; the additive mask is the value <c>extended_attention_mask</c> its BertModel emitted.</summary>
    private static OnnxValue EmitLayer(Module module, OnnxValue hidden, OnnxGraphBuilder g)
    {
        var self = module.GetSubmodule("attention.self");
        long width = hidden.Shape[^1];
        long heads = ((BertSelfAttention)self).NumAttentionHeads;
        long d = width / heads;
        string Split(string name, long[] perm) =>
            g.Node("Transpose", new[] { g.Node("Reshape", new[] { name, Ints(g, 0, 0, heads, d) }) }, ("perm", perm));
        string q = Split(Linear(g, self.GetSubmodule("query"), "attention.self.query", hidden).Name, new long[] { 0, 2, 1, 3 });
        string kT = Split(Linear(g, self.GetSubmodule("key"), "attention.self.key", hidden).Name, new long[] { 0, 2, 3, 1 });
        string v = Split(Linear(g, self.GetSubmodule("value"), "attention.self.value", hidden).Name, new long[] { 0, 2, 1, 3 });
        string scores = g.Node("Div", new[] { g.Node("MatMul", new[] { q, kT }), Scalar(g, "scale", MathF.Sqrt(d)) });
        string probs = g.Node("Softmax", new[] { g.Node("Add", new[] { scores, AdditiveMask }) }, ("axis", -1L));
        string context = g.Node("Transpose", new[] { g.Node("MatMul", new[] { probs, v }) }, ("perm", new long[] { 0, 2, 1, 3 }));
        var merged = hidden with { Name = g.Node("Reshape", new[] { context, Ints(g, 0, 0, width) }) };
        var attended = Residual(g, module.GetSubmodule("attention.output"), "attention.output", merged, hidden);
        var expanded = g.Emit(module.GetSubmodule("intermediate"), attended, "intermediate");
        return Residual(g, module.GetSubmodule("output"), "output", expanded, attended);
    }

    private static OnnxValue EmitModel(Module module, OnnxValue ids, OnnxGraphBuilder g)
    {
        var model = (BertModel)module;
        if (ids.Name != Ids) throw Unsupported(g, "a BERT model is exported with BertOnnxExport.ExportOnnx (it takes input_ids, attention_mask and token_type_ids)");
        // (1 - mask) · min, [batch, 1, 1, sequence], named so that every layer finds it.
        string inverted = g.Node("Sub", new[] { Scalar(g, "one", 1f), g.Node("Cast", new[] { Mask }, ("to", (long)OnnxDataType.Float)) });
        string scaled = g.Node("Mul", new[] { inverted, Scalar(g, "min", float.MinValue) });
        g.Nodes.Add(("Unsqueeze", AdditiveMask, new[] { scaled, Ints(g, 1, 2) }, new[] { AdditiveMask }, new List<(string, object)>()));
        var hidden = g.Emit(module.GetSubmodule("embeddings"), ids, "embeddings");
        for (int k = 0; k < model.Layers.Count; k++)
            hidden = g.Emit(model.Layers[k], hidden, "encoder.layer." + k.ToString(CultureInfo.InvariantCulture));
        return hidden;
    }

    private static OnnxValue EmitPooler(Module module, OnnxValue hidden, OnnxGraphBuilder g)
    {
        string first = g.Node("Gather", new[] { hidden.Name, g.Node("Constant", Array.Empty<string>(), ("value_int", 0L)) }, ("axis", 1L));
        var projected = Linear(g, module.GetSubmodule("dense"), "dense", new OnnxValue(first, new[] { hidden.Shape[^1] }));
        return projected with { Name = g.Node("Tanh", new[] { projected.Name }) };
    }

    private static OnnxValue EmitClassifier(Module module, OnnxValue ids, OnnxGraphBuilder g)
    {
        var model = (BertForSequenceClassification)module;
        var hidden = g.Emit(model.Bert, ids, "bert");
        OnnxValue pooled;
        if (model.Pooling == BertPooling.Pooler)
        {
            pooled = g.Emit(model.Bert.GetSubmodule("pooler"), hidden, "bert.pooler");
        }
        else
        {
            string mask = g.Node("Unsqueeze", new[] { g.Node("Cast", new[] { Mask }, ("to", (long)OnnxDataType.Float)), Ints(g, -1) });
            string sum = g.Node("ReduceSum", new[] { g.Node("Mul", new[] { hidden.Name, mask }), Ints(g, 1) }, ("keepdims", 0L));
            string count = g.Node("Max", new[] { g.Node("ReduceSum", new[] { mask, Ints(g, 1) }, ("keepdims", 0L)), Scalar(g, "min_count", 1e-9f) });
            pooled = new OnnxValue(g.Node("Div", new[] { sum, count }), new[] { hidden.Shape[^1] });
        }
        return Linear(g, model.Classifier, "classifier", pooled);
    }
}
