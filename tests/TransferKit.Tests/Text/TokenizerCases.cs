using System.Text;
using TransferKit.Tests.Data;

namespace TransferKit.Tests.Text;

/// <summary>Texts for the tokenizer tests: the review sentences and hand-picked edge cases.</summary>
internal static class TokenizerCases
{
    /// <summary>Accents, punctuation (BERT's ASCII symbols too), CJK, casing rules, invisible and control characters, long words.</summary>
    public static readonly string[] EdgeCases =
    [
        "Café naïve résumé, Crème Brûlée!", "ÀÉÎÕÜ àéîõü ÅØÆ", "Hello, world!!", "$100.00 + 5% = ?", "a+b=c^2 `x` ~y~ |z| \\w",
        "\u201cquoted\u201d \u2014 dash\u2026 \u00abguillemets\u00bb \u00bfQu\u00e9? \u00a1S\u00ed!", "日本語のテキスト", "中文字符测试，标点。",
        "한국어 텍스트", "\U00020000\U00020001 ext B", "ΟΔΟΣ ΣΟΦΟΣ", "Σ", "ΑΣ. ΑΣ'Β ΣΑΣ", "İstanbul İ", "ﬁne ﬂow", "Ⅻ ⅻ",
        "A\u0301 e\u0301", "\u0301alone", "x\u2028y\u2029z", "soft\u00adhyphen", "zero\u200bwidth", "tab\tnew\nline\rcr", "nul\0char",
        "\ufffdreplacement", "emoji 😀👍🏽 test", "ＦＵＬＬ\u3000ｗｉｄｔｈ！", "non\u00a0breaking\u2003em", new string('a', 100), new string('a', 101),
        "supercalifragilisticexpialidocious", "[CLS] [SEP] [PAD] [MASK] [UNK]", "", "   ", "ǅemo ǈ", "straße STRASSE", "مرحبا بالعالم",
        "שָׁלוֹם", "नमस्ते दुनिया", "สวัสดี", "\U0001D400\U0001D41A", "\ue000private", "don't won't y'all", "e-mail co-op 3.14",
        "Ω Ω K Å", "\u0130\u0307", "ΌΣΟΣ όσος", "ǰ ǰ", "\U00010400\U00010428 deseret",
    ];

    /// <summary>The sentences of both sentiment files, then the edge cases.</summary>
    public static List<string> SentencesAndEdgeCases() =>
        new[] { "yelp_labelled.txt", "amazon_cells_labelled.txt" }
            .SelectMany(f => File.ReadLines(Path.Combine(TestEnvironment.Sentiment, f)))
            .Select(line => line.Split('\t')[0])
            .Concat(EdgeCases)
            .ToList();

    /// <summary>Random strings of characters drawn from the edge cases and sentences, with spaces.</summary>
    public static List<string> Shuffled(IReadOnlyList<string> sources, int count, int seed)
    {
        var pool = sources.SelectMany(s => s.EnumerateRunes()).Distinct().Append(new Rune(' ')).ToArray();
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var sb = new StringBuilder();
            for (int k = random.Next(1, 40); k > 0; k--) sb.Append(pool[random.Next(pool.Length)].ToString());
            return sb.ToString();
        }).ToList();
    }
}
