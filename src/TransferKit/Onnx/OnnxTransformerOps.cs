using TransferKit.NN;

namespace TransferKit.Onnx;

/// <summary>Graph pieces the transformer exporters share (BERT, ViT): any-rank linear layers, int64 constants, scalars, exact GELU.</summary>
internal static class OnnxTransformerOps
{
    /// <summary>x W^T + b for inputs of any rank (MatMul with the transposed weight, then Add).</summary>
    public static OnnxValue Linear(OnnxGraphBuilder g, Module module, string path, OnnxValue x)
    {
        var linear = (Linear)module;
        using var transposed = linear.Weight.T();
        string y = g.Node("MatMul", new[] { x.Name, g.Initializer(path + ".weight_t", transposed) });
        if (linear.Bias is { } bias) y = g.Node("Add", new[] { y, g.Initializer(path + ".bias", bias) });
        return new OnnxValue(y, x.Shape.Take(x.Shape.Count - 1).Append(linear.OutFeatures).ToArray());
    }

    /// <summary>A Constant node holding an int64 vector (shapes, axes).</summary>
    public static string Ints(OnnxGraphBuilder g, params long[] values) => g.Node("Constant", Array.Empty<string>(), ("value_ints", values));

    /// <summary>A float32 scalar initializer.</summary>
    public static string Scalar(OnnxGraphBuilder g, string name, float value) => g.Initializer(name, Array.Empty<long>(), new[] { value });

    /// <summary>Exact GELU, x · (1 + erf(x / √2)) / 2 (opset 17 has no Gelu operator).</summary>
    public static string GeluErf(OnnxGraphBuilder g, string x) => g.Node("Mul", new[]
    {
        g.Node("Mul", new[] { x, Scalar(g, "half", 0.5f) }),
        g.Node("Add", new[] { g.Node("Erf", new[] { g.Node("Div", new[] { x, Scalar(g, "sqrt2", MathF.Sqrt(2)) }) }), Scalar(g, "one", 1f) }),
    });
}
