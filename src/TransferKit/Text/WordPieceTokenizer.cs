namespace TransferKit.Text;

/// <summary>
/// Greedy longest-match-first WordPiece (BERT's <c>WordpieceTokenizer</c>): a word is cut into the
/// longest vocabulary entry from its start, then the longest <c>##</c>-continuation from there, and so
/// on; a word that cannot be covered, or longer than <see cref="MaxInputCharsPerWord"/> code points,
/// becomes the unknown token. Immutable and thread-safe.
/// </summary>
public sealed class WordPieceTokenizer
{
    /// <summary>The prefix of a piece that continues a word.</summary>
    public const string ContinuationPrefix = "##";

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _starts;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _continuations;

    /// <summary>Creates the tokenizer.</summary>
    /// <param name="vocabulary">The vocabulary; must hold <paramref name="unknownToken"/>.</param>
    /// <param name="unknownToken">The token of words that cannot be covered.</param>
    /// <param name="maxInputCharsPerWord">Longer words (in code points) become <paramref name="unknownToken"/> (BERT: 100).</param>
    public WordPieceTokenizer(Vocabulary vocabulary, string unknownToken = "[UNK]", int maxInputCharsPerWord = 100)
    {
        Vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxInputCharsPerWord);
        if (!vocabulary.TryGetId(unknownToken ?? throw new ArgumentNullException(nameof(unknownToken)), out int unknownId))
            throw new ArgumentException($"The vocabulary has no unknown token '{unknownToken}'.", nameof(unknownToken));
        UnknownId = unknownId;
        MaxInputCharsPerWord = maxInputCharsPerWord;
        var starts = new Dictionary<string, int>(StringComparer.Ordinal);
        var continuations = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < vocabulary.Count; id++)
        {
            string token = vocabulary[id];
            starts[token] = id;
            if (token.StartsWith(ContinuationPrefix, StringComparison.Ordinal)) continuations[token[ContinuationPrefix.Length..]] = id;
        }
        _starts = starts.GetAlternateLookup<ReadOnlySpan<char>>();
        _continuations = continuations.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The vocabulary.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>The id of the unknown token.</summary>
    public int UnknownId { get; }

    /// <summary>Words longer than this many code points become the unknown token.</summary>
    public int MaxInputCharsPerWord { get; }

    /// <summary>Appends the ids of one word's pieces (or the unknown id) to <paramref name="ids"/>.</summary>
    public void AppendIds(string word, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(ids);
        var bounds = CodePointBounds(word);
        if (bounds.Count - 1 > MaxInputCharsPerWord)
        {
            ids.Add(UnknownId);
            return;
        }
        int first = ids.Count;
        for (int start = 0; start < bounds.Count - 1;)
        {
            var lookup = start == 0 ? _starts : _continuations;
            int end = bounds.Count - 1, id = -1;
            for (; end > start; end--)
                if (lookup.TryGetValue(word.AsSpan(bounds[start], bounds[end] - bounds[start]), out id)) break;
            if (end == start)
            {
                ids.RemoveRange(first, ids.Count - first);
                ids.Add(UnknownId);
                return;
            }
            ids.Add(id);
            start = end;
        }
    }

    /// <summary>The pieces of one word, as tokens (<c>["un", "##aff", "##able"]</c>).</summary>
    public IReadOnlyList<string> Tokenize(string word)
    {
        var ids = new List<int>();
        AppendIds(word, ids);
        return ids.Select(id => Vocabulary[id]).ToArray();
    }

    /// <summary>The UTF-16 offset of each code point, and the length at the end.</summary>
    private static List<int> CodePointBounds(string word)
    {
        var bounds = new List<int>(word.Length + 1);
        for (int i = 0; i < word.Length; i += char.IsSurrogatePair(word, i) ? 2 : 1) bounds.Add(i);
        bounds.Add(word.Length);
        return bounds;
    }
}
