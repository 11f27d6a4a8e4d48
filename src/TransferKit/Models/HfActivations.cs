using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>Hugging Face activation names (<c>hidden_act</c>, <c>feat_extract_activation</c>) as functions.</summary>
internal static class HfActivations
{
    public static Func<Tensor, Tensor> Get(string name) => name switch
    {
        "gelu" => x => Functional.Gelu(x),
        "gelu_new" or "gelu_pytorch_tanh" => x => Functional.Gelu(x, tanhApproximation: true),
        "relu" => Functional.Relu,
        _ => throw new ArgumentException($"Unsupported activation '{name}'."),
    };
}
