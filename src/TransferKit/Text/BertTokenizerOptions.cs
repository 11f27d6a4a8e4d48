using TransferKit.Engine;

namespace TransferKit.Text;

/// <summary>Settings of a <see cref="BertTokenizer"/>; the defaults are those of <c>bert-base-uncased</c> and MiniLM.</summary>
public sealed record BertTokenizerOptions
{
    /// <summary>Lower-case the text (uncased vocabularies). Default true.</summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>Strip accents; null (the default) follows <see cref="LowerCase"/>, as in Hugging Face.</summary>
    public bool? StripAccents { get; init; }

    /// <summary>Split CJK ideographs into single characters. Default true.</summary>
    public bool TokenizeChineseChars { get; init; } = true;

    /// <summary>Longest encoding, special tokens included (the model's position embeddings: 512 for BERT and MiniLM).</summary>
    public int MaxLength { get; init; } = 512;

    /// <summary>Words longer than this many code points become <see cref="UnknownToken"/>. Default 100.</summary>
    public int MaxInputCharsPerWord { get; init; } = 100;

    /// <summary>The unknown token. Default <c>[UNK]</c>.</summary>
    public string UnknownToken { get; init; } = "[UNK]";

    /// <summary>The token that starts every encoding. Default <c>[CLS]</c>.</summary>
    public string ClassifierToken { get; init; } = "[CLS]";

    /// <summary>The token that ends each text. Default <c>[SEP]</c>.</summary>
    public string SeparatorToken { get; init; } = "[SEP]";

    /// <summary>The padding token. Default <c>[PAD]</c>.</summary>
    public string PaddingToken { get; init; } = "[PAD]";

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate() => new OptionsCheck(nameof(BertTokenizerOptions))
        .Require(MaxLength >= 3, $"MaxLength must be at least 3 ([CLS] a [SEP] b [SEP] needs room); got {MaxLength}.")
        .Require(MaxInputCharsPerWord >= 1, $"MaxInputCharsPerWord must be positive; got {MaxInputCharsPerWord}.")
        .Require(!string.IsNullOrEmpty(UnknownToken), "UnknownToken must be set.")
        .Require(!string.IsNullOrEmpty(ClassifierToken), "ClassifierToken must be set.")
        .Require(!string.IsNullOrEmpty(SeparatorToken), "SeparatorToken must be set.")
        .Require(!string.IsNullOrEmpty(PaddingToken), "PaddingToken must be set.")
        .ThrowIfAny();
}
