using TransferKit.NN;

namespace TransferKit.Text;

/// <summary>
/// BERT's WordPiece tokenizer with Hugging Face's encoding conventions: <see cref="BasicTokenizer"/>
/// then <see cref="WordPieceTokenizer"/>; <c>[CLS] a [SEP]</c> for one text and <c>[CLS] a [SEP] b [SEP]</c>
/// (token types 0 then 1) for a pair; truncation to <see cref="BertTokenizerOptions.MaxLength"/> (for a pair,
/// longest-first: a token at a time from the longer text, from the second on a tie); padding with
/// attention masks into <see cref="ModelInputs"/>. Immutable and thread-safe; any string encodes
/// without an exception (unknown words become <c>[UNK]</c>).
/// </summary>
public sealed class BertTokenizer
{
    private readonly BasicTokenizer _basic;
    private readonly WordPieceTokenizer _wordPiece;

    /// <summary>A tokenizer over a vocabulary.</summary>
    /// <exception cref="ArgumentException">Invalid options, or a special token missing from the vocabulary.</exception>
    public BertTokenizer(Vocabulary vocabulary, BertTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        Options = options ?? new BertTokenizerOptions();
        Options.Validate();
        var missing = new[] { Options.UnknownToken, Options.ClassifierToken, Options.SeparatorToken, Options.PaddingToken }.Where(t => !vocabulary.Contains(t)).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"The vocabulary ({vocabulary.Count:N0} tokens) lacks the special token(s) {string.Join(", ", missing)}.", nameof(vocabulary));
        _basic = new BasicTokenizer(Options.LowerCase, Options.StripAccents, Options.TokenizeChineseChars);
        _wordPiece = new WordPieceTokenizer(vocabulary, Options.UnknownToken, Options.MaxInputCharsPerWord);
        ClassifierId = vocabulary.IdOf(Options.ClassifierToken);
        SeparatorId = vocabulary.IdOf(Options.SeparatorToken);
        PaddingId = vocabulary.IdOf(Options.PaddingToken);
    }

    /// <summary>A tokenizer over a <c>vocab.txt</c> file.</summary>
    public static BertTokenizer FromVocabularyFile(string path, BertTokenizerOptions? options = null) => new(Vocabulary.Load(path), options);

    /// <summary>MiniLM's uncased tokenizer, with the vocabulary of <paramref name="package"/> (located when null).</summary>
    /// <exception cref="FileNotFoundException">The package is not found; the message says how to add it.</exception>
    public static BertTokenizer FromMiniLm(MiniLmPackage? package = null, BertTokenizerOptions? options = null) =>
        new((package ?? MiniLmPackage.Locate()).ReadVocabulary(), options);

    /// <summary>The settings.</summary>
    public BertTokenizerOptions Options { get; }

    /// <summary>The vocabulary.</summary>
    public Vocabulary Vocabulary => _wordPiece.Vocabulary;

    /// <summary>The id of <c>[CLS]</c>.</summary>
    public int ClassifierId { get; }

    /// <summary>The id of <c>[SEP]</c>.</summary>
    public int SeparatorId { get; }

    /// <summary>The id of <c>[PAD]</c>.</summary>
    public int PaddingId { get; }

    /// <summary>The id of <c>[UNK]</c>.</summary>
    public int UnknownId => _wordPiece.UnknownId;

    /// <summary>The WordPiece ids of a text, without special tokens or truncation.</summary>
    public IReadOnlyList<int> TokenIds(string text)
    {
        var ids = new List<int>();
        foreach (string word in _basic.Split(text)) _wordPiece.AppendIds(word, ids);
        return ids;
    }

    /// <summary>The WordPiece tokens of a text (<c>"unaffable" → ["un", "##aff", "##able"]</c>), without special tokens.</summary>
    public IReadOnlyList<string> Tokenize(string text) => TokenIds(text).Select(id => Vocabulary[id]).ToArray();

    /// <summary>
    /// Encodes a text, or a pair, with special tokens, truncated to <paramref name="maxLength"/>
    /// (default <see cref="BertTokenizerOptions.MaxLength"/>) tokens in all.
    /// </summary>
    public TextEncoding Encode(string text, string? pair = null, int? maxLength = null)
    {
        int limit = CheckMaxLength(maxLength);
        var first = TokenIds(text);
        if (pair is null)
        {
            var single = new List<int>(Math.Min(first.Count, limit - 2) + 2) { ClassifierId };
            single.AddRange(first.Take(limit - 2));
            single.Add(SeparatorId);
            return new TextEncoding(single, new int[single.Count]);
        }
        var second = TokenIds(pair);
        var (a, b) = LongestFirst(first.Count, second.Count, limit - 3);
        var ids = new List<int>(a + b + 3) { ClassifierId };
        ids.AddRange(first.Take(a));
        ids.Add(SeparatorId);
        ids.AddRange(second.Take(b));
        ids.Add(SeparatorId);
        var types = new int[ids.Count];
        Array.Fill(types, 1, a + 2, b + 1);
        return new TextEncoding(ids, types);
    }

    /// <summary>
    /// Encodes a batch of texts (and, when given, a second text for each) into <c>input_ids</c>,
    /// <c>attention_mask</c> and <c>token_type_ids</c> (int64 [N, T]), padded to the longest encoding
    /// or to <paramref name="maxLength"/> as <paramref name="padding"/> says.
    /// </summary>
    public ModelInputs EncodeBatch(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs = null,
        PaddingStrategy padding = PaddingStrategy.Longest, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (pairs is not null && pairs.Count != texts.Count)
            throw new ArgumentException($"{texts.Count} texts but {pairs.Count} second texts.", nameof(pairs));
        int limit = CheckMaxLength(maxLength);
        var encodings = texts.Select((t, n) => Encode(t, pairs?[n], limit)).ToArray();
        return EncodingBatch.ToModelInputs(encodings, PaddingId, padding == PaddingStrategy.MaxLength ? limit : null);
    }

    /// <summary>
    /// The text of token ids: tokens joined by spaces with <c>##</c> continuations glued to the previous
    /// piece (Hugging Face's <c>convert_tokens_to_string</c>, without its clean-up of spaces before
    /// punctuation); <c>[CLS]</c>, <c>[SEP]</c> and <c>[PAD]</c> left out unless asked.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool keepSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = ids.Where(id => keepSpecialTokens || (id != ClassifierId && id != SeparatorId && id != PaddingId)).Select(id => Vocabulary[id]);
        return string.Join(' ', tokens).Replace(" " + WordPieceTokenizer.ContinuationPrefix, "", StringComparison.Ordinal);
    }

    private int CheckMaxLength(int? maxLength)
    {
        int limit = maxLength ?? Options.MaxLength;
        if (limit < 3) throw new ArgumentOutOfRangeException(nameof(maxLength), limit, "An encoding needs at least 3 tokens ([CLS] a [SEP] b [SEP]).");
        return limit;
    }

    /// <summary>How many tokens of each text remain: a token at a time from the longer one (the second on a tie) until they fit.</summary>
    internal static (int First, int Second) LongestFirst(int first, int second, int budget)
    {
        int excess = first + second - budget;
        if (excess <= 0) return (first, second);
        // Removing from the longer until both are equal, then alternately (second first) is the same as the one-at-a-time loop.
        int fromFirst = Math.Min(excess, Math.Max(0, first - second));
        int fromSecond = Math.Min(excess - fromFirst, Math.Max(0, second - first));
        int rest = excess - fromFirst - fromSecond;
        return (first - fromFirst - rest / 2, second - fromSecond - (rest + 1) / 2);
    }
}
