using TransferKit.Engine;
using TransferKit.NN;
using TransferKit.Serialization;
using TransferKit.Tests.Fixtures;

namespace TransferKit.Tests.NN;

/// <summary>
/// The transformer building blocks against PyTorch 1.13 (bert_reference.py blocks): embedding with a
/// padding index, attention with Hugging Face's additive padding mask, LayerNorm with eps 1e-12,
/// exact GELU and masked mean pooling, forward and backward within 1e-5. Backward is checked as the
/// gradient of sum(output · upstream) for a random upstream tensor the fixture records.
/// </summary>
[Trait("Category", "Parity")]
public class TransformerBlockParityTests
{
    private const double Tolerance = 1e-5;

    private static StateDict Reference() =>
        TorchSerializer.LoadStateDict(Path.Combine(PythonReference.Fixture("bert_reference.py", "blocks", Torch.NumThreads.ToString()), "reference.pth"));

    private static void Near(Tensor expected, Tensor actual, string what) => TensorDiff.AssertNear(expected, actual, Tolerance, what);

    private static Tensor Leaf(Tensor t) => t.Clone().RequiresGrad_();

    private static void Backward(Tensor output, Tensor upstream)
    {
        using var weighted = output * upstream;
        using var sum = weighted.Sum();
        sum.Backward();
    }

    [PyTorchFact]
    public void EmbeddingWithAPaddingIndexMatchesPyTorchForwardAndBackward()
    {
        using var r = Reference();
        using var layer = new Embedding(11, 6, paddingIdx: 2);
        layer.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = r["emb.weight"] });
        using var y = layer.Forward(r["emb.ids"]);
        Near(r["emb.out"], y, "output");
        Backward(y, r["emb.upstream"]);
        Near(r["emb.grad"], layer.Weight.Grad!, "weight gradient");
        using var paddingRow = layer.Weight.Grad!.Select(0, 2);
        using var absSum = paddingRow.Abs().Sum();
        Assert.Equal(0f, absSum.Item<float>());
    }

    [PyTorchFact]
    public void AttentionWithAnAdditivePaddingMaskMatchesPyTorchForwardAndBackward()
    {
        using var r = Reference();
        using var q = Leaf(r["attn.q"]);
        using var k = Leaf(r["attn.k"]);
        using var v = Leaf(r["attn.v"]);
        using var mask = Functional.ExtendedAttentionMask(r["attn.mask"]);
        using var y = Functional.ScaledDotProductAttention(q, k, v, mask);
        Near(r["attn.out"], y, "output");
        Backward(y, r["attn.upstream"]);
        Near(r["attn.grad.q"], q.Grad!, "q gradient");
        Near(r["attn.grad.k"], k.Grad!, "k gradient");
        Near(r["attn.grad.v"], v.Grad!, "v gradient");
    }

    [PyTorchFact]
    public void LayerNormWithBertsEpsilonMatchesPyTorchForwardAndBackward()
    {
        using var r = Reference();
        using var layer = new LayerNorm(8, eps: 1e-12);
        layer.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = r["ln.weight"], ["bias"] = r["ln.bias"] });
        using var x = Leaf(r["ln.x"]);
        using var y = layer.Forward(x);
        Near(r["ln.out"], y, "output");
        Backward(y, r["ln.upstream"]);
        Near(r["ln.grad.x"], x.Grad!, "input gradient");
        var parameters = layer.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        Near(r["ln.grad.weight"], parameters["weight"].Grad!, "weight gradient");
        Near(r["ln.grad.bias"], parameters["bias"].Grad!, "bias gradient");
    }

    [PyTorchFact]
    public void ExactGeluMatchesPyTorchForwardAndBackward()
    {
        using var r = Reference();
        using var x = Leaf(r["gelu.x"]);
        using var layer = new GELU();
        using var y = layer.Forward(x);
        Near(r["gelu.out"], y, "output");
        Backward(y, r["gelu.upstream"]);
        Near(r["gelu.grad"], x.Grad!, "input gradient");
    }

    [PyTorchFact]
    public void MaskedMeanPoolingMatchesPyTorchForwardAndBackward()
    {
        using var r = Reference();
        using var h = Leaf(r["pool.h"]);
        using var y = Functional.MaskedMeanPool(h, r["pool.mask"]);
        Near(r["pool.out"], y, "output");
        Backward(y, r["pool.upstream"]);
        Near(r["pool.grad"], h.Grad!, "input gradient");
    }
}
