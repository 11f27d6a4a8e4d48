using System.IO.Compression;

namespace TransferKit.Serialization;

/// <summary>
/// Writes the zip format that <c>torch.load</c> reads: <c>archive/data.pkl</c>, one stored
/// (uncompressed) record <c>archive/data/&lt;key&gt;</c> per storage, and <c>archive/version</c>
/// (3, what PyTorch 1.13 writes). Timestamps are fixed so that equal inputs give equal files.
/// PyTorch additionally pads records to 64-byte boundaries, which only its memory-mapped loading
/// (PyTorch 2.1+, <c>mmap=True</c>) relies on; plain <c>torch.load</c> reads these files.
/// </summary>
internal static class TorchZipWriter
{
    private const string Prefix = "archive/";
    private static readonly DateTimeOffset Epoch = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Prefix of extra records inside the archive; <c>torch.load</c> ignores them.</summary>
    public const string ExtraPrefix = Prefix + "extra/";

    public static void Write(Stream output, byte[] pickle, SaveStorageTable storages, IReadOnlyDictionary<string, byte[]>? extraRecords = null)
    {
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        Add(zip, Prefix + "data.pkl", s => s.Write(pickle));
        foreach (var record in storages.Records)
            Add(zip, $"{Prefix}data/{record.Key}", s => StorageIO.WriteStorage(record.Owner, 0, record.Bytes, s));
        Add(zip, Prefix + "version", s => s.Write("3\n"u8));
        if (extraRecords is null) return;
        foreach (var (name, bytes) in extraRecords)
            Add(zip, ExtraPrefix + name, s => s.Write(bytes));
    }

    private static void Add(ZipArchive zip, string name, Action<Stream> write)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        entry.LastWriteTime = Epoch;
        using var stream = entry.Open();
        write(stream);
    }
}
