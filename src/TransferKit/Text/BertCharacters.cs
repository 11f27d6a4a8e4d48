using System.Globalization;
using System.Text;

namespace TransferKit.Text;

/// <summary>
/// BERT's character classes (Google's <c>tokenization.py</c>, kept by Hugging Face's <c>BasicTokenizer</c>)
/// and Python's <c>str.lower</c>, which BERT's uncased vocabularies were built with.
/// </summary>
internal static class BertCharacters
{
    /// <summary>Space, tab, newline, carriage return, or a space separator (Zs).</summary>
    public static bool IsWhitespace(Rune r) =>
        r.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator;

    /// <summary>An "other" character (Cc, Cf, Cs, Co, Cn) except tab, newline and carriage return.</summary>
    public static bool IsControl(Rune r) => r.Value is not ('\t' or '\n' or '\r') && Rune.GetUnicodeCategory(r) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    /// <summary>Every non-alphanumeric printable ASCII character (so <c>$</c>, <c>+</c>, <c>^</c> too), or a Unicode punctuation (P*).</summary>
    public static bool IsPunctuation(Rune r) =>
        r.Value is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126
        || Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    /// <summary>A CJK Unified Ideograph (BERT's blocks: not Hangul, Hiragana or Katakana).</summary>
    public static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>
    /// Python's <c>str.lower</c>: each code point's lowercase, with the full mapping of U+0130 (<c>i</c> +
    /// combining dot) and a capital sigma that ends a word becoming final sigma (ς).
    /// </summary>
    public static string PythonLower(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length;)
        {
            var r = Rune.GetRuneAt(text, i);
            if (r.Value == 0x130) sb.Append("i\u0307");
            else if (r.Value == 0x3A3) sb.Append(IsFinalSigma(text, i) ? 'ς' : 'σ');
            else sb.Append(Rune.ToLowerInvariant(r).ToString());
            i += r.Utf16SequenceLength;
        }
        return sb.ToString();
    }

    /// <summary>Unicode's Final_Sigma condition: a cased letter before (across case-ignorables) and none after.</summary>
    private static bool IsFinalSigma(string text, int index)
    {
        bool casedBefore = false;
        for (int i = index; i > 0;)
        {
            Rune.DecodeLastFromUtf16(text.AsSpan(0, i), out var r, out int used);
            i -= used;
            if (IsCaseIgnorable(r)) continue;
            casedBefore = IsCased(r);
            break;
        }
        if (!casedBefore) return false;
        for (int i = index + 1; i < text.Length;)
        {
            var r = Rune.GetRuneAt(text, i);
            i += r.Utf16SequenceLength;
            if (IsCaseIgnorable(r)) continue;
            return !IsCased(r);
        }
        return true;
    }

    private static bool IsCased(Rune r) =>
        Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(Rune r) =>
        r.Value is '\'' or '.' or ':' or '^' or '`' or 0xB7 or 0x2018 or 0x2019 or 0x2024 or 0x2027 or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A
        || Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
}
