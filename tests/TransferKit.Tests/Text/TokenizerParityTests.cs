using System.Text.Json;
using TransferKit.Tests.Fixtures;
using TransferKit.Text;

namespace TransferKit.Tests.Text;

/// <summary>
/// BertTokenizer against an independent Python reference of BERT's uncased tokenization
/// (Fixtures/wordpiece_reference.py), with MiniLM's real vocabulary, on the review sentences,
/// edge cases, random strings, and pairs truncated longest-first.
/// </summary>
[Trait("Category", "Parity")]
public sealed class TokenizerParityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-wordpiece-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Item(string text, string? pair, int max_length);

    private sealed record Reference(List<List<string>> tokens, List<List<int>> ids, List<List<int>> type_ids);

    [PyTorchFact(SharedData = ["sentiment"])]
    public void EncodingsEqualTheReferenceOnSentencesEdgeCasesRandomTextAndTruncatedPairs()
    {
        var texts = TokenizerCases.SentencesAndEdgeCases();
        var items = texts.Select(t => new Item(t, null, 512)).ToList();
        items.AddRange(TokenizerCases.Shuffled(texts, 400, seed: 11).Select(t => new Item(t, null, 512)));
        int[] limits = [3, 5, 8, 12, 16, 24, 512];
        for (int k = 0; k + 1 < 600; k += 2) items.Add(new Item(texts[k], texts[k + 1], limits[k / 2 % limits.Length]));
        for (int k = 0; k < 40; k++) items.Add(new Item(texts[k], null, limits[k % limits.Length]));

        var vocab = TextTestSupport.MiniLmVocabulary;
        string vocabPath = Path.Combine(_dir, "vocab.txt"), input = Path.Combine(_dir, "in.json"), output = Path.Combine(_dir, "out.json");
        File.WriteAllLines(vocabPath, Enumerable.Range(0, vocab.Count).Select(i => vocab[i]));
        File.WriteAllText(input, JsonSerializer.Serialize(new { items }));
        var (code, stdout, stderr) = PythonReference.RunCapturing(
            [PythonReference.ScriptPath("wordpiece_reference.py"), vocabPath, input, output], _dir, TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"wordpiece_reference.py failed ({code}): {stdout}{stderr}");
        var reference = JsonSerializer.Deserialize<Reference>(File.ReadAllText(output))!;

        var tokenizer = new BertTokenizer(vocab);
        Assert.Equal(items.Count, reference.ids.Count);
        var mismatches = new List<string>();
        for (int n = 0; n < items.Count; n++)
        {
            var encoding = tokenizer.Encode(items[n].text, items[n].pair, items[n].max_length);
            if (!encoding.InputIds.SequenceEqual(reference.ids[n]) || !encoding.TokenTypeIds.SequenceEqual(reference.type_ids[n]))
                mismatches.Add($"#{n} {JsonSerializer.Serialize(items[n])}: ours [{string.Join(" ", encoding.InputIds.Select(i => vocab[i]))}] " +
                               $"reference [{string.Join(" ", reference.tokens[n])}]");
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {items.Count} encodings differ:\n" + string.Join("\n", mismatches.Take(20)));
        // The comparison covered what it claims: real sentences, unknown words, truncation and second segments.
        Assert.True(items.Count > 2500);
        Assert.Contains(reference.ids, ids => ids.Contains(tokenizer.UnknownId));
        Assert.Contains(reference.type_ids, types => types.Contains(1));
        Assert.Contains(items.Select((item, n) => (item, n)), x => reference.ids[x.n].Count == x.item.max_length && x.item.max_length < 512);
    }
}
