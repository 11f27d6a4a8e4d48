using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>Reads a weights file of another format into zoo state-dict keys for one catalog entry.</summary>
internal delegate IReadOnlyDictionary<string, Tensor> WeightsFormatReader(string path, PretrainedWeights weights);

/// <summary>
/// Readers of weight files in formats that later layers implement (ONNX: TransferKit.Onnx registers
/// itself when the assembly loads), chosen by file extension; other files go to the <c>.pth</c> reader.
/// </summary>
internal static class WeightFormats
{
    private static readonly object Gate = new();
    private static KeyValuePair<string, WeightsFormatReader>[] _readers = Array.Empty<KeyValuePair<string, WeightsFormatReader>>();

    /// <summary>Registers the reader for files ending in <paramref name="extension"/> (e.g. <c>.onnx</c>), replacing any earlier one.</summary>
    public static void Register(string extension, WeightsFormatReader reader)
    {
        lock (Gate)
            Volatile.Write(ref _readers, _readers.Where(r => r.Key != extension).Append(new(extension, reader)).ToArray());
    }

    /// <summary>Reads <paramref name="path"/> with the reader registered for its extension, else with <paramref name="fallback"/>.</summary>
    public static IReadOnlyDictionary<string, Tensor> Read(string path, PretrainedWeights weights, StateDictReader fallback)
    {
        foreach (var (extension, reader) in Volatile.Read(ref _readers))
            if (path.EndsWith(extension, StringComparison.OrdinalIgnoreCase)) return reader(path, weights);
        return fallback(path);
    }
}
