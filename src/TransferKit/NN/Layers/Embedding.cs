using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>
/// A lookup table of <see cref="NumEmbeddings"/> vectors of size <see cref="EmbeddingDim"/>
/// (<c>nn.Embedding</c>, weight key <c>weight</c> [V, D]): int64 indices of any shape give
/// indices.shape + [D]. The row <see cref="PaddingIdx"/> starts at zero and receives no gradient.
/// </summary>
public sealed class Embedding : Module
{
    /// <summary>Creates the table with PyTorch's initialisation: N(0, 1), the padding row zeroed.</summary>
    /// <param name="numEmbeddings">Number of rows (vocabulary size).</param>
    /// <param name="embeddingDim">Size of each vector.</param>
    /// <param name="paddingIdx">A row that stays zero-gradient (negative counts from the end, as in PyTorch), or null.</param>
    public Embedding(long numEmbeddings, long embeddingDim, long? paddingIdx = null)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(numEmbeddings), $"Embedding({numEmbeddings}, {embeddingDim}): sizes must be positive.");
        if (paddingIdx is { } p)
        {
            if (p >= numEmbeddings || p < -numEmbeddings)
                throw new ArgumentOutOfRangeException(nameof(paddingIdx), p, $"padding_idx must be within [-{numEmbeddings}, {numEmbeddings}).");
            paddingIdx = p < 0 ? p + numEmbeddings : p;
        }
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = paddingIdx;
        RegisterParameter("weight", Torch.Empty(new[] { numEmbeddings, embeddingDim }));
        ResetParameters();
    }

    /// <summary>Number of rows.</summary>
    public long NumEmbeddings { get; }

    /// <summary>Size of each vector.</summary>
    public long EmbeddingDim { get; }

    /// <summary>The row that receives no gradient (non-negative), or null.</summary>
    public long? PaddingIdx { get; }

    /// <summary>The table [V, D].</summary>
    public Tensor Weight => GetParameter("weight")!;

    /// <summary>Re-draws the table from N(0, 1) and zeroes the padding row.</summary>
    public void ResetParameters()
    {
        Init.Normal_(Weight);
        if (PaddingIdx is { } p)
        {
            using var noGrad = Torch.NoGrad();
            using var row = Weight.Select(0, p);
            row.Zero_();
        }
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Embedding(input, Weight, PaddingIdx);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is { } p ? $", padding_idx={p}" : "");
}
