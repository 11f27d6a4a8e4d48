namespace TransferKit.Text;

/// <summary>
/// One tokenized text (or text pair), unpadded: the token ids with the special tokens
/// (<c>[CLS] a [SEP]</c> or <c>[CLS] a [SEP] b [SEP]</c>) and each token's segment (0 for the first
/// text, 1 for the second). <see cref="EncodingBatch"/> pads several into model inputs.
/// </summary>
public sealed class TextEncoding
{
    /// <summary>An encoding; both lists must have the same length.</summary>
    public TextEncoding(IReadOnlyList<int> inputIds, IReadOnlyList<int> tokenTypeIds)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(tokenTypeIds);
        if (inputIds.Count != tokenTypeIds.Count)
            throw new ArgumentException($"{inputIds.Count} ids but {tokenTypeIds.Count} token types.", nameof(tokenTypeIds));
        InputIds = inputIds;
        TokenTypeIds = tokenTypeIds;
    }

    /// <summary>The token ids, special tokens included.</summary>
    public IReadOnlyList<int> InputIds { get; }

    /// <summary>Each token's segment: 0 for the first text (and its <c>[CLS]</c> and <c>[SEP]</c>), 1 for the second.</summary>
    public IReadOnlyList<int> TokenTypeIds { get; }

    /// <summary>Number of tokens.</summary>
    public int Length => InputIds.Count;
}
