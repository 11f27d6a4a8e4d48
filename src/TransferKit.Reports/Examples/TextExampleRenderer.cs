using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Reports;

/// <summary>
/// Shows text examples as strings. Give it the tokenizer's decoding (token ids → sentence), or any
/// function of (batch, index); without one it lists the token ids. Padding is dropped using the
/// batch's <see cref="ModelInputs.AttentionMask"/> when there is one.
/// </summary>
public sealed class TextExampleRenderer : ExampleRenderer
{
    private const int MaxIdsShown = 64;
    private readonly Func<Batch, int, string> _text;

    /// <summary>Lists the token ids (for when no decoding is at hand).</summary>
    public TextExampleRenderer() : this(ids => "token ids: " + string.Join(' ', ids.Take(MaxIdsShown)) + (ids.Count > MaxIdsShown ? " …" : "")) { }

    /// <summary>Decodes each example's token ids (padding removed) with <paramref name="decode"/>, e.g. a tokenizer's Decode.</summary>
    public TextExampleRenderer(Func<IReadOnlyList<long>, string> decode)
    {
        ArgumentNullException.ThrowIfNull(decode);
        _text = (batch, index) => decode(TokenIds(batch, index));
    }

    /// <summary>Shows what <paramref name="text"/> returns for (batch, index in batch), e.g. the original sentence looked up by an id input.</summary>
    public TextExampleRenderer(Func<Batch, int, string> text) => _text = text ?? throw new ArgumentNullException(nameof(text));

    /// <inheritdoc />
    public override ReportExample Render(Batch batch, int index)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return ReportExample.FromText(_text(batch, index) ?? "");
    }

    /// <summary>The token ids of one example, without the positions its attention mask marks as padding.</summary>
    public static IReadOnlyList<long> TokenIds(Batch batch, int index)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = Torch.NewDisposeScope();
        long[] ids = batch[ModelInputs.InputIds].Select(0, index).To(ScalarType.Int64).ToArray<long>();
        if (!batch.Inputs.TryGetValue(ModelInputs.AttentionMask, out var mask)) return ids;
        long[] keep = mask.Select(0, index).To(ScalarType.Int64).ToArray<long>();
        return ids.Where((_, k) => k < keep.Length && keep[k] != 0).ToArray();
    }
}
