using System.Text;

namespace TransferKit.Text;

/// <summary>
/// A WordPiece vocabulary: tokens by id (a token's id is its line number, from 0, in a <c>vocab.txt</c>)
/// and ids by token. When a token appears twice, the later id wins, as in Hugging Face's <c>load_vocab</c>.
/// </summary>
public sealed class Vocabulary
{
    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;

    /// <summary>A vocabulary of these tokens, in id order.</summary>
    public Vocabulary(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _tokens = tokens.ToArray();
        _ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < _tokens.Length; i++)
            _ids[_tokens[i] ?? throw new ArgumentException($"Token {i} is null.", nameof(tokens))] = i;
    }

    /// <summary>Number of ids.</summary>
    public int Count => _tokens.Length;

    /// <summary>The token of an id.</summary>
    public string this[int id] => _tokens[id];

    /// <summary>The id of a token, if present.</summary>
    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    /// <summary>The id of a token.</summary>
    /// <exception cref="KeyNotFoundException">The token is not in the vocabulary.</exception>
    public int IdOf(string token) => _ids.TryGetValue(token, out int id) ? id
        : throw new KeyNotFoundException($"The vocabulary ({Count:N0} tokens) has no token '{token}'.");

    /// <summary>True when the token is present.</summary>
    public bool Contains(string token) => _ids.ContainsKey(token);

    /// <summary>Reads a <c>vocab.txt</c> file (UTF-8, one token a line).</summary>
    public static Vocabulary Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return Parse(stream, path);
    }

    /// <summary>Reads a vocabulary (UTF-8, one token a line) from a stream, which it disposes.</summary>
    /// <exception cref="InvalidDataException">The text is not valid UTF-8 or has no tokens; the message names <paramref name="sourceName"/>.</exception>
    public static Vocabulary Parse(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var tokens = new List<string>();
        using (var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true)))
        {
            try
            {
                while (reader.ReadLine() is { } line) tokens.Add(line);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"{sourceName} is not valid UTF-8 (line {tokens.Count + 1}).", e);
            }
        }
        if (tokens.Count == 0) throw new InvalidDataException($"{sourceName} holds no tokens.");
        return new Vocabulary(tokens);
    }
}
