using System.Runtime.CompilerServices;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using static TransferKit.Onnx.OnnxTransformerOps;

namespace TransferKit.Onnx;

/// <summary>
/// ONNX emitters of <see cref="VisionTransformer"/> (opset 17), so that <c>ExportOnnx</c> writes a ViT
/// classifier like the CNNs: input [batch, 3, ImageSize, ImageSize], output the logits. The patch
/// embedding is a Conv; the [CLS] token is expanded to the batch; attention is MatMul, Div by √d,
/// Softmax, MatMul per head (Reshape/Transpose); GELU is the exact erf form; LayerNorm is
/// LayerNormalization (its emitter is registered with BERT's).
/// </summary>
internal static class VitOnnxExport
{
#pragma warning disable CA2255 // Registers this file's emitters with the exporter of the same assembly.
    [ModuleInitializer]
    internal static void Register()
    {
        OnnxExport.RegisterEmitter<VisionTransformer>(EmitVit);
        OnnxExport.RegisterEmitter<VitEncoderLayer>(EmitLayer);
        OnnxExport.RegisterEmitter<VitSelfAttention>(EmitAttention);
    }
#pragma warning restore CA2255

    private static Tensor Own(Module module, string name) => module.NamedParameters(recurse: false).First(p => p.Name == name).Parameter;

    private static OnnxValue EmitVit(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var vit = (VisionTransformer)module;
        var c = vit.Config;
        if (x.Shape.Count != 3 || x.Shape[0] != 3 || x.Shape[1] != c.ImageSize || x.Shape[2] != c.ImageSize)
            throw new NotSupportedException($"Cannot export the ViT to ONNX at input [{string.Join(", ", x.Shape)}]: it takes [3, {c.ImageSize}, {c.ImageSize}] (set OnnxExportOptions.InputSize).");
        var patches = g.Emit(vit.GetSubmodule("conv_proj"), x, "conv_proj");
        long count = (long)c.GridSize * c.GridSize;
        string tokens = g.Node("Transpose", new[] { g.Node("Reshape", new[] { patches.Name, Ints(g, 0, c.HiddenDim, count) }) }, ("perm", new long[] { 0, 2, 1 }));
        string batch = g.Node("Shape", new[] { x.Name }, ("start", 0L), ("end", 1L));
        string clsShape = g.Node("Concat", new[] { batch, Ints(g, 1, c.HiddenDim) }, ("axis", 0L));
        string cls = g.Node("Expand", new[] { g.Initializer("class_token", Own(vit, "class_token")), clsShape });
        var encoder = vit.GetSubmodule("encoder");
        string sequence = g.Node("Add", new[] { g.Node("Concat", new[] { cls, tokens }, ("axis", 1L)), g.Initializer("encoder.pos_embedding", Own(encoder, "pos_embedding")) });
        var h = new OnnxValue(sequence, new long[] { c.SequenceLength, c.HiddenDim });
        foreach (var (name, layer) in encoder.GetSubmodule("layers").NamedChildren()) h = g.Emit(layer, h, "encoder.layers." + name);
        h = g.Emit(encoder.GetSubmodule("ln"), h, "encoder.ln");
        string first = g.Node("Gather", new[] { h.Name, g.Node("Constant", Array.Empty<string>(), ("value_int", 0L)) }, ("axis", 1L));
        return g.Emit(vit.Head, new OnnxValue(first, new long[] { c.HiddenDim }), vit.HeadPath);
    }

    private static OnnxValue EmitLayer(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var attended = g.Emit(module.GetSubmodule("self_attention"), g.Emit(module.GetSubmodule("ln_1"), x, "ln_1"), "self_attention");
        var h = x with { Name = g.Node("Add", new[] { attended.Name, x.Name }) };
        var mlp = module.GetSubmodule("mlp");
        var y = Linear(g, mlp.GetSubmodule("0"), "mlp.0", g.Emit(module.GetSubmodule("ln_2"), h, "ln_2"));
        y = Linear(g, mlp.GetSubmodule("3"), "mlp.3", y with { Name = GeluErf(g, y.Name) });
        return h with { Name = g.Node("Add", new[] { h.Name, y.Name }) };
    }

    private static OnnxValue EmitAttention(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var attention = (VitSelfAttention)module;
        long width = attention.HiddenDim, heads = attention.NumHeads, d = width / heads;
        var weight = Own(attention, "in_proj_weight");
        var bias = Own(attention, "in_proj_bias");
        string[] names = { "q", "k", "v" };
        string Projection(int k, long[] perm)
        {
            using var w = weight.Narrow(0, k * width, width).T();
            using var b = bias.Narrow(0, k * width, width);
            string y = g.Node("Add", new[] { g.Node("MatMul", new[] { x.Name, g.Initializer($"in_proj_weight.{names[k]}_t", w) }), g.Initializer($"in_proj_bias.{names[k]}", b) });
            return g.Node("Transpose", new[] { g.Node("Reshape", new[] { y, Ints(g, 0, 0, heads, d) }) }, ("perm", perm));
        }
        string q = Projection(0, new long[] { 0, 2, 1, 3 });
        string kT = Projection(1, new long[] { 0, 2, 3, 1 });
        string v = Projection(2, new long[] { 0, 2, 1, 3 });
        string scores = g.Node("Div", new[] { g.Node("MatMul", new[] { q, kT }), Scalar(g, "scale", MathF.Sqrt(d)) });
        string probs = g.Node("Softmax", new[] { scores }, ("axis", -1L));
        string context = g.Node("Transpose", new[] { g.Node("MatMul", new[] { probs, v }) }, ("perm", new long[] { 0, 2, 1, 3 }));
        var merged = x with { Name = g.Node("Reshape", new[] { context, Ints(g, 0, 0, width) }) };
        return Linear(g, attention.GetSubmodule("out_proj"), "out_proj", merged);
    }
}
