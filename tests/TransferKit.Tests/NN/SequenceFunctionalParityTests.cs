using TransferKit.Engine;
using TransferKit.NN;
using TransferKit.Serialization;
using TransferKit.Tests.Fixtures;

namespace TransferKit.Tests.NN;

/// <summary>
/// Functional.GroupNorm (3 groups of 2 channels), Functional.Conv1d (stride, padding, dilation and groups) and
/// Functional.WeightNorm (over dimension 2) against PyTorch's F.group_norm, F.conv1d and torch._weight_norm
/// (wav2vec2_reference.py, blocks.pth): outputs and the gradients of every input within 1e-10 in float64.
/// </summary>
[Trait("Category", "Parity")]
public class SequenceFunctionalParityTests
{
    private const double Tolerance = 1e-10;

    private static StateDict Reference() =>
        TorchSerializer.LoadStateDict(Path.Combine(PythonReference.Fixture("wav2vec2_reference.py", Torch.NumThreads.ToString()), "blocks.pth"));

    private static Tensor Leaf(StateDict r, string key) => r[key].Clone().RequiresGrad_();

    /// <summary>Runs <paramref name="f"/> on leaf copies of the inputs, backpropagates the reference's upstream gradient and compares.</summary>
    private static void Check(string prefix, string[] names, Func<Tensor[], Tensor> f)
    {
        using var r = Reference();
        var inputs = names.Select(n => Leaf(r, prefix + n)).ToArray();
        try
        {
            using var output = f(inputs);
            TensorDiff.AssertNear(r[prefix + "out"], output, Tolerance, prefix + "out");
            using var weighted = output * r[prefix + "upstream"];
            using var total = weighted.Sum();
            total.Backward();
            for (int k = 0; k < names.Length; k++)
                TensorDiff.AssertNear(r[prefix + "grad." + names[k]], inputs[k].Grad!, Tolerance, prefix + "grad." + names[k]);
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
        }
    }

    [PyTorchFact]
    public void GroupNormGivesPyTorchsOutputAndGradients() =>
        Check("gn.", ["x", "weight", "bias"], t => Functional.GroupNorm(t[0], 3, t[1], t[2], 1e-5));

    [PyTorchFact]
    public void GroupedStridedDilatedConv1dGivesPyTorchsOutputAndGradients() =>
        Check("conv.", ["x", "weight", "bias"], t => Functional.Conv1d(t[0], t[1], t[2], stride: 2, padding: 1, dilation: 2, groups: 2));

    [PyTorchFact]
    public void WeightNormOverDimensionTwoGivesPyTorchsWeightAndGradients() =>
        Check("wn.", ["v", "g"], t => Functional.WeightNorm(t[0], t[1], 2));
}
