using System.Globalization;
using System.Text;

namespace TransferKit.Text;

/// <summary>
/// BERT's basic tokenization, before WordPiece (Hugging Face's <c>BasicTokenizer</c>): removes NUL,
/// U+FFFD and control characters and turns whitespace into spaces; puts spaces around CJK ideographs;
/// NFC-normalises; splits on whitespace; lower-cases (Python's rules) and strips accents (NFD, then
/// drops non-spacing marks) when asked; splits every punctuation character (<see cref="BertCharacters.IsPunctuation"/>)
/// into its own token. Special-token strings in the text (<c>[SEP]</c>) are ordinary text, as with
/// Hugging Face's <c>split_special_tokens=True</c>. Immutable and thread-safe; never throws on any string.
/// </summary>
public sealed class BasicTokenizer
{
    /// <summary>Creates the tokenizer.</summary>
    /// <param name="lowerCase">Lower-case the text (uncased models).</param>
    /// <param name="stripAccents">Strip accents; null (the default) follows <paramref name="lowerCase"/>, as in Hugging Face.</param>
    /// <param name="tokenizeChineseChars">Split CJK ideographs into single characters.</param>
    public BasicTokenizer(bool lowerCase = true, bool? stripAccents = null, bool tokenizeChineseChars = true)
    {
        LowerCase = lowerCase;
        StripAccents = stripAccents ?? lowerCase;
        TokenizeChineseChars = tokenizeChineseChars;
    }

    /// <summary>Whether text is lower-cased.</summary>
    public bool LowerCase { get; }

    /// <summary>Whether accents are stripped.</summary>
    public bool StripAccents { get; }

    /// <summary>Whether CJK ideographs become single tokens.</summary>
    public bool TokenizeChineseChars { get; }

    /// <summary>The words and punctuation marks of <paramref name="text"/>, in order.</summary>
    public IReadOnlyList<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        foreach (string token in SplitWhitespace(Clean(text).Normalize(NormalizationForm.FormC)))
        {
            string word = LowerCase ? BertCharacters.PythonLower(token) : token;
            if (StripAccents) word = RemoveAccents(word);
            SplitPunctuation(word, words);
        }
        return words;
    }

    /// <summary>Drops NUL, U+FFFD, control characters (and unpaired surrogates); whitespace becomes a space; CJK gets spaces around.</summary>
    private string Clean(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length;)
        {
            var status = Rune.DecodeFromUtf16(text.AsSpan(i), out var r, out int used);
            i += used;
            if (status != System.Buffers.OperationStatus.Done || r.Value is 0 or 0xFFFD || BertCharacters.IsControl(r)) continue;
            if (BertCharacters.IsWhitespace(r)) sb.Append(' ');
            else if (TokenizeChineseChars && BertCharacters.IsCjk(r.Value)) sb.Append(' ').Append(r.ToString()).Append(' ');
            else sb.Append(r.ToString());
        }
        return sb.ToString();
    }

    /// <summary>Python's <c>str.split()</c> on cleaned text, where the whitespace left is the space and the line and paragraph separators.</summary>
    private static string[] SplitWhitespace(string text) =>
        text.Split([' ', '\u2028', '\u2029'], StringSplitOptions.RemoveEmptyEntries);

    private static string RemoveAccents(string word)
    {
        string decomposed = word.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var r in decomposed.EnumerateRunes())
            if (Rune.GetUnicodeCategory(r) != UnicodeCategory.NonSpacingMark) sb.Append(r.ToString());
        return sb.ToString();
    }

    private static void SplitPunctuation(string word, List<string> output)
    {
        int start = 0;
        for (int i = 0; i < word.Length;)
        {
            var r = Rune.GetRuneAt(word, i);
            if (BertCharacters.IsPunctuation(r))
            {
                if (i > start) output.Add(word[start..i]);
                output.Add(word.Substring(i, r.Utf16SequenceLength));
                start = i + r.Utf16SequenceLength;
            }
            i += r.Utf16SequenceLength;
        }
        if (start < word.Length) output.Add(word[start..]);
    }
}
