using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Text;

/// <summary>How a batch of encodings is padded.</summary>
public enum PaddingStrategy
{
    /// <summary>To the longest encoding of the batch (Hugging Face's <c>padding="longest"</c>).</summary>
    Longest,

    /// <summary>To the tokenizer's maximum length (<c>padding="max_length"</c>).</summary>
    MaxLength,
}

/// <summary>Pads tokenized texts into the int64 tensors a BERT-style model reads.</summary>
public static class EncodingBatch
{
    /// <summary>
    /// <see cref="ModelInputs"/> of <c>input_ids</c>, <c>attention_mask</c> (1 for tokens, 0 for padding)
    /// and <c>token_type_ids</c>, each int64 [N, T], padded on the right with <paramref name="padId"/> (type 0)
    /// to <paramref name="length"/>, or to the longest encoding when it is null.
    /// </summary>
    /// <exception cref="ArgumentException">No encodings, or one longer than <paramref name="length"/>.</exception>
    public static ModelInputs ToModelInputs(IReadOnlyList<TextEncoding> encodings, int padId, int? length = null)
    {
        ArgumentNullException.ThrowIfNull(encodings);
        if (encodings.Count == 0) throw new ArgumentException("A batch needs at least one encoding.", nameof(encodings));
        int longest = encodings.Max(e => e.Length);
        int width = length ?? longest;
        if (longest > width)
            throw new ArgumentException($"An encoding has {longest} tokens, more than the padded length {width}: truncate when tokenizing.", nameof(encodings));
        var ids = new long[encodings.Count * width];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        Array.Fill(ids, padId);
        for (int n = 0; n < encodings.Count; n++)
        {
            var e = encodings[n];
            for (int t = 0; t < e.Length; t++)
            {
                ids[n * width + t] = e.InputIds[t];
                types[n * width + t] = e.TokenTypeIds[t];
                mask[n * width + t] = 1;
            }
        }
        long[] shape = [encodings.Count, width];
        var inputs = new ModelInputs();
        try
        {
            inputs.Add(ModelInputs.InputIds, Torch.FromArray(ids, shape));
            inputs.Add(ModelInputs.AttentionMask, Torch.FromArray(mask, shape));
            inputs.Add(ModelInputs.TokenTypeIds, Torch.FromArray(types, shape));
            return inputs;
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }
}
