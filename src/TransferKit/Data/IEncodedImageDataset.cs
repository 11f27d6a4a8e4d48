using System.Diagnostics.CodeAnalysis;

namespace TransferKit.Data;

/// <summary>
/// A sample's image as its encoded file (JPEG or PNG bytes), with everything needed to decode it
/// exactly as <see cref="IDataset{TSample}.Get(int)"/> would.
/// </summary>
/// <param name="Data">The encoded file's bytes.</param>
/// <param name="Label">The sample's class index.</param>
/// <param name="Name">How to name the image in error messages (the file's path); may be null.</param>
/// <param name="DecodeOptions">The options <c>Get</c> decodes with.</param>
public sealed record EncodedImage(byte[] Data, long Label, string? Name, ImageDecodeOptions DecodeOptions);

/// <summary>
/// An image dataset that can hand over a sample's encoded file instead of its decoded image, so
/// that a <see cref="DataLoader"/> can decode only the part of the image its transform keeps (see
/// <see cref="Transforms.IRegionCropTransform"/> and <see cref="ImageDecoder.DecodeRegion(ReadOnlySpan{byte}, int, int, int, int, string?, ImageDecodeOptions?)"/>).
/// <see cref="ImageFolderDataset"/>, <see cref="CsvImageDataset"/> and <see cref="Subset"/>s of
/// them implement it.
/// </summary>
/// <remarks>
/// Contract: when <see cref="TryGetEncoded"/> returns true,
/// <c>ImageDecoder.Decode(e.Data, e.Name, e.DecodeOptions)</c> and <c>e.Label</c> are exactly what
/// <c>Get(index)</c> returns (same pixels, same exceptions), and reading the file fails the same way
/// as in <c>Get</c>. Like <c>Get</c>, it must be thread-safe.
/// </remarks>
public interface IEncodedImageDataset : IImageDataset
{
    /// <summary>
    /// Reads sample <paramref name="index"/>'s encoded image without decoding it; false when this
    /// sample (or this dataset) has no encoded form, in which case callers use <c>Get</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    bool TryGetEncoded(int index, [NotNullWhen(true)] out EncodedImage? encoded);
}
