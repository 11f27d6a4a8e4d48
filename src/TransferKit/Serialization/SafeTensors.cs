using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Serialization;

/// <summary>
/// Reads and writes <c>.safetensors</c> files (Hugging Face's format: a JSON header describing
/// each tensor, then the raw little-endian bytes). Loading never runs code and never allocates more
/// than the file describes and holds; corrupt files raise <see cref="CheckpointFormatException"/>.
/// Supported dtypes: F32, F64, F16, BF16, I64, I32, I16, I8, U8 and BOOL.
/// </summary>
public static class SafeTensors
{
    /// <summary>
    /// Loads every tensor of a file, in the order of its header, as CPU tensors owned by the caller
    /// (or the current <see cref="DisposeScope"/>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The file is corrupt, truncated, or uses an unsupported dtype.</exception>
    public static StateDict Load(string path)
    {
        using var stream = CheckpointIO.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>Loads a safetensors file from a stream holding it (from its current position); see <see cref="Load(string)"/>.</summary>
    /// <param name="stream">The file's bytes (non-seekable streams are first copied into memory).</param>
    /// <param name="sourceName">The name used in error messages.</param>
    public static StateDict Load(Stream stream, string? sourceName = null)
    {
        string source = CheckpointIO.NameOf(stream, sourceName);
        var seekable = CheckpointIO.Seekable(stream);
        return CheckpointIO.Guard(source, () => SafeTensorsFormat.Read(seekable));
    }

    /// <summary>The string metadata of a file's header (<c>__metadata__</c>), without reading the tensors.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The header is corrupt.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var stream = CheckpointIO.OpenRead(path);
        return CheckpointIO.Guard(path, () => SafeTensorsFormat.ReadMetadata(stream));
    }

    /// <summary>
    /// Saves tensors in the given order, with optional string metadata. Non-contiguous tensors are
    /// written in row-major order and tensors on another device from a CPU copy. The file is written
    /// to a temporary name and moved into place when complete.
    /// </summary>
    /// <exception cref="ArgumentException">A name appears twice or is <c>__metadata__</c>.</exception>
    /// <exception cref="NotSupportedException">A tensor's dtype has no safetensors code.</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        CheckpointIO.WriteAtomically(path, stream => SafeTensorsFormat.Write(stream, tensors, metadata));
    }

    /// <summary>Writes tensors in safetensors format to a stream; see <see cref="Save(string, IEnumerable{KeyValuePair{string, Tensor}}, IReadOnlyDictionary{string, string}?)"/>.</summary>
    public static void Save(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        SafeTensorsFormat.Write(stream, tensors, metadata);
    }
}
