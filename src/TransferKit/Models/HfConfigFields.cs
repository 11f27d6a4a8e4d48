using System.Text.Json;

namespace TransferKit.Models;

/// <summary>
/// Typed reads of Hugging Face <c>config.json</c> fields: an absent or null field gives the fallback,
/// a field of the wrong type an <see cref="InvalidDataException"/> naming the file (<c>source</c>) and the field.
/// </summary>
internal static class HfConfigFields
{
    public static long Long(JsonElement root, string name, long fallback, string source)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long x)) return x;
        throw Wrong(source, name, "an integer", v);
    }

    public static int Int(JsonElement root, string name, int fallback, string source)
    {
        long x = Long(root, name, fallback, source);
        if (x is < int.MinValue or > int.MaxValue) throw new InvalidDataException($"{source}: '{name}' is out of range ({x}).");
        return (int)x;
    }

    public static double Double(JsonElement root, string name, double fallback, string source)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        throw Wrong(source, name, "a number", v);
    }

    public static bool Bool(JsonElement root, string name, bool fallback, string source)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
        throw Wrong(source, name, "true or false", v);
    }

    public static string String(JsonElement root, string name, string fallback, string source)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        if (v.ValueKind == JsonValueKind.String) return v.GetString()!;
        throw Wrong(source, name, "a string", v);
    }

    public static IReadOnlyList<long> Longs(JsonElement root, string name, IReadOnlyList<long> fallback, string source)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        if (v.ValueKind != JsonValueKind.Array) throw Wrong(source, name, "an array of integers", v);
        var result = new List<long>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long x)) throw Wrong(source, name, "an array of integers", v);
            result.Add(x);
        }
        return result;
    }

    /// <summary>Parses <paramref name="json"/> as an object and hands its root to <paramref name="read"/>; JSON errors name the file.</summary>
    public static T Parse<T>(string json, string source, Func<JsonElement, T> read)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: expected a JSON object, found {root.ValueKind}.");
            return read(root);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON: {e.Message}", e);
        }
    }

    private static InvalidDataException Wrong(string source, string name, string expected, JsonElement found)
    {
        string text = found.GetRawText();
        if (text.Length > 80) text = text[..80] + "…";
        return new InvalidDataException($"{source}: '{name}' must be {expected} (found {text}).");
    }
}
