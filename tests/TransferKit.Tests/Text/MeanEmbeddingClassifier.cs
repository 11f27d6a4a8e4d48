using TransferKit.NN;

namespace TransferKit.Tests.Text;

/// <summary>
/// A small text classifier for the tests (fastText-like): the mean of the token embeddings over the
/// attention mask, then a linear layer. It reads <c>input_ids</c> and <c>attention_mask</c> as a BERT would.
/// </summary>
internal sealed class MeanEmbeddingClassifier : Module
{
    private readonly Linear _head;

    public MeanEmbeddingClassifier(long vocabularySize, long dimension, long classes)
    {
        using (Torch.NoGrad())
        using (var init = Torch.Randn(vocabularySize, dimension))
            RegisterParameter("embedding", init.Mul(0.1));
        _head = RegisterModule("head", new Linear(dimension, classes));
    }

    private Tensor Embedding => GetParameter("embedding")!;

    public override Tensor Forward(ModelInputs inputs) => Classify(inputs[ModelInputs.InputIds], inputs[ModelInputs.AttentionMask]);

    /// <summary>Token ids [N, T] with every token real.</summary>
    public override Tensor Forward(Tensor inputIds)
    {
        using var mask = Torch.Ones(inputIds.Shape);
        return Classify(inputIds, mask);
    }

    private Tensor Classify(Tensor ids, Tensor mask)
    {
        long n = ids.Size(0), t = ids.Size(1);
        using var flat = ids.Flatten();
        using var rows = Embedding.IndexSelect(0, flat);
        using var vectors = rows.Reshape(n, t, -1);
        using var weights = mask.To(ScalarType.Float32).Unsqueeze(2);
        using var weighted = vectors.Mul(weights);
        using var sum = weighted.Sum(1);
        using var tokens = weights.Sum(1);
        using var count = tokens.Clamp(min: 1);
        using var mean = sum.Div(count);
        return _head.Forward(mean);
    }
}
