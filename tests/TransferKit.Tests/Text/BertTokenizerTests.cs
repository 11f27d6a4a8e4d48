using System.Text;
using TransferKit.NN;
using TransferKit.Text;

namespace TransferKit.Tests.Text;

[Trait("Category", "Unit")]
public sealed class BertTokenizerTests
{
    private static readonly Vocabulary Small = new(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "a", "##a", "😀", "##😀", "hello", ",", "!", "world"]);

    private static BertTokenizer MiniLm => new(TextTestSupport.MiniLmVocabulary);

    [Theory]
    [InlineData("Hello, World!", "hello|,|world|!")]
    [InlineData("Café  naïve\tRÉSUMÉ", "cafe|naive|resume")]
    [InlineData("日本語abc", "日|本|語|abc")]
    [InlineData("$5+3=8^2", "$|5|+|3|=|8|^|2")]
    [InlineData("nul\0ctl\u0007zw\u200bsp\u00a0x", "nulctlzwsp|x")]
    [InlineData("ΟΔΟΣ Σ", "οδος|σ")]
    [InlineData("[SEP]", "[|sep|]")]
    public void BasicTokenizationCleansLowersStripsAccentsAndSplitsPunctuationAndCjk(string text, string expected) =>
        Assert.Equal(expected.Split('|'), new BasicTokenizer().Split(text));

    [Fact]
    public void ACasedBasicTokenizerKeepsCaseAndAccents() =>
        Assert.Equal(new[] { "Café", "!" }, new BasicTokenizer(lowerCase: false).Split("Café!"));

    [Fact]
    public void WordPieceTakesTheLongestPieceFirstAndMarksContinuations()
    {
        var wordPiece = new WordPieceTokenizer(Small, "[UNK]");
        Assert.Equal(new[] { "un", "##aff", "##able" }, wordPiece.Tokenize("unaffable"));
        Assert.Equal(new[] { "[UNK]" }, wordPiece.Tokenize("unaffablex"));
        Assert.Equal(new[] { "[UNK]" }, wordPiece.Tokenize("affable"));
    }

    [Fact]
    public void WordsLongerThanTheLimitInCodePointsBecomeUnknown()
    {
        var wordPiece = new WordPieceTokenizer(Small, "[UNK]", maxInputCharsPerWord: 100);
        Assert.Equal(100, wordPiece.Tokenize(new string('a', 100)).Count);
        Assert.Equal(new[] { "[UNK]" }, wordPiece.Tokenize(new string('a', 101)));
        string emojis = string.Concat(Enumerable.Repeat("😀", 100)); // 200 UTF-16 units, 100 code points
        Assert.Equal(100, wordPiece.Tokenize(emojis).Count);
        Assert.Equal(new[] { "[UNK]" }, wordPiece.Tokenize(emojis + "😀"));
    }

    [Fact]
    public void ASingleTextIsClsTextSepWithSegmentZero()
    {
        var tokenizer = new BertTokenizer(Small);
        var encoding = tokenizer.Encode("Hello, unaffable world!");
        Assert.Equal(new[] { 2, 11, 12, 4, 5, 6, 14, 13, 3 }, encoding.InputIds);
        Assert.All(encoding.TokenTypeIds, t => Assert.Equal(0, t));
        Assert.Equal("hello , unaffable world !", tokenizer.Decode(encoding.InputIds));
        Assert.Equal("[CLS] hello , unaffable world ! [SEP]", tokenizer.Decode(encoding.InputIds, keepSpecialTokens: true));
    }

    [Fact]
    public void APairHasTwoSeparatorsAndSegmentOneForTheSecondText()
    {
        var encoding = new BertTokenizer(Small).Encode("hello", "world !");
        Assert.Equal(new[] { 2, 11, 3, 14, 13, 3 }, encoding.InputIds);
        Assert.Equal(new[] { 0, 0, 0, 1, 1, 1 }, encoding.TokenTypeIds);
    }

    [Fact]
    public void TruncationKeepsSpecialTokensAndCutsTheLongerTextOfAPairFirst()
    {
        var tokenizer = new BertTokenizer(Small);
        Assert.Equal(new[] { 2, 7, 8, 3 }, tokenizer.Encode("aaaaa", maxLength: 4).InputIds);
        var pair = tokenizer.Encode("aaaaaa", "hello world", maxLength: 7); // 6 + 2 tokens into 4: all four cut from the first
        Assert.Equal(new[] { 2, 7, 8, 3, 11, 14, 3 }, pair.InputIds);
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 1, 1 }, pair.TokenTypeIds);
        var tie = tokenizer.Encode("aaa", "aaaa", maxLength: 7); // 3 + 4 into 4: one from the second (longer), then the tie from the second, then the first
        Assert.Equal(new[] { 2, 7, 8, 3, 7, 8, 3 }, tie.InputIds);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Encode("a", maxLength: 2));
    }

    [Fact]
    public void LongestFirstEqualsRemovingOneTokenAtATimeFromTheLonger()
    {
        for (int first = 0; first < 12; first++)
            for (int second = 0; second < 12; second++)
                for (int budget = 0; budget < 25; budget++)
                {
                    int a = first, b = second;
                    while (a + b > budget)
                        if (a > b) a--;
                        else b--;
                    Assert.Equal((a, b), BertTokenizer.LongestFirst(first, second, budget));
                }
    }

    [Fact]
    public void ABatchIsPaddedToItsLongestOrToTheMaximumWithMasks()
    {
        var tokenizer = MiniLm;
        using var longest = tokenizer.EncodeBatch(["Great food!", "The service was slow and the soup was cold."]);
        Assert.Equal(new long[] { 2, 12 }, longest[ModelInputs.InputIds].Shape); // 10 tokens + [CLS] + [SEP]
        long[] mask = longest[ModelInputs.AttentionMask].ToArray<long>();
        Assert.Equal(5 + 12, mask.Sum());
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 0 }, mask[..6]);
        Assert.Equal(tokenizer.PaddingId, longest[ModelInputs.InputIds].ToArray<long>()[5]);
        using var fixedLength = tokenizer.EncodeBatch(["Great food!"], padding: PaddingStrategy.MaxLength, maxLength: 16);
        Assert.Equal(new long[] { 1, 16 }, fixedLength[ModelInputs.TokenTypeIds].Shape);
        using var pairs = tokenizer.EncodeBatch(["a question"], ["an answer"]);
        Assert.Equal(new long[] { 0, 0, 0, 0, 1, 1, 1 }, pairs[ModelInputs.TokenTypeIds].ToArray<long>());
        Assert.Throws<ArgumentException>(() => tokenizer.EncodeBatch(["a", "b"], ["c"]));
    }

    [Fact]
    public void MiniLmsVocabularyTokenizesKnownWordsAsBertUncasedDoes()
    {
        // Ids fixed by bert-base-uncased's published vocabulary, which MiniLM shares.
        Assert.Equal(new[] { 101, 7592, 1010, 2088, 999, 102 }, MiniLm.Encode("Hello, World!").InputIds);
        Assert.Equal(new[] { "em", "##bed", "##ding", "##s" }, MiniLm.Tokenize("embeddings"));
    }

    [Fact]
    public void MissingSpecialTokensAndBadOptionsAreListed()
    {
        var e = Assert.Throws<ArgumentException>(() => new BertTokenizer(new Vocabulary(["[UNK]", "a"])));
        Assert.Contains("[CLS], [SEP], [PAD]", e.Message);
        var options = Assert.Throws<ArgumentException>(() => new BertTokenizerOptions { MaxLength = 2, MaxInputCharsPerWord = 0 }.Validate());
        Assert.Contains("MaxLength", options.Message);
        Assert.Contains("MaxInputCharsPerWord", options.Message);
    }

    [Fact]
    public void RandomUnicodeNeverThrowsAndStaysWithinTheVocabularyAndLength()
    {
        var tokenizer = MiniLm;
        var random = new Random(52193);
        for (int trial = 0; trial < 1500; trial++)
        {
            var sb = new StringBuilder();
            for (int k = random.Next(0, 60); k > 0; k--)
            {
                int kind = random.Next(4);
                if (kind == 0) sb.Append((char)random.Next(0x10000)); // any UTF-16 unit, lone surrogates included
                else if (kind == 1) sb.Append(char.ConvertFromUtf32(RandomScalar(random)));
                else if (kind == 2) sb.Append((char)random.Next(0x80));
                else sb.Append(' ');
            }
            string text = sb.ToString();
            int max = 3 + random.Next(40);
            var encoding = random.Next(2) == 0 ? tokenizer.Encode(text, maxLength: max) : tokenizer.Encode(text, text[..(text.Length / 2)], max);
            Assert.InRange(encoding.Length, 2, max);
            Assert.All(encoding.InputIds, id => Assert.InRange(id, 0, tokenizer.Vocabulary.Count - 1));
        }
    }

    private static int RandomScalar(Random random)
    {
        while (true)
        {
            int cp = random.Next(0x110000);
            if (cp is < 0xD800 or > 0xDFFF) return cp;
        }
    }
}
