using System.IO.Compression;
using System.Text;

namespace TransferKit.Tests.Serialization;

/// <summary>Builds pickles and torch.save-shaped zip archives by hand, for tests that need exact bytes.</summary>
internal static class PickleBytes
{
    /// <summary>Concatenates opcodes and ASCII text ("c" + "os\nsystem\n", ...).</summary>
    public static byte[] Of(params object[] parts)
    {
        var ms = new MemoryStream();
        foreach (var part in parts)
        {
            switch (part)
            {
                case byte b: ms.WriteByte(b); break;
                case int i: ms.WriteByte(checked((byte)i)); break;
                case char c: ms.WriteByte(checked((byte)c)); break;
                case string s: ms.Write(Encoding.UTF8.GetBytes(s)); break;
                case byte[] bytes: ms.Write(bytes); break;
                default: throw new ArgumentException(part.GetType().Name);
            }
        }
        return ms.ToArray();
    }

    /// <summary>A zip laid out like torch.save's: archive/data.pkl, archive/data/&lt;key&gt;, archive/version.</summary>
    public static byte[] TorchZip(byte[] pickle, params (string Key, byte[] Data)[] records)
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] data)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(data);
            }
            Add("archive/data.pkl", pickle);
            foreach (var (key, data) in records) Add($"archive/data/{key}", data);
            Add("archive/version", "3\n"u8.ToArray());
        }
        return ms.ToArray();
    }

    /// <summary>Rewrites every entry of a zip through <paramref name="transform"/> (new CRCs are computed).</summary>
    public static byte[] RewriteZip(byte[] zipBytes, Func<string, byte[], byte[]> transform, CompressionLevel level = CompressionLevel.NoCompression)
    {
        var output = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                var data = new MemoryStream();
                using (var s = entry.Open()) s.CopyTo(data);
                using var t = target.CreateEntry(entry.FullName, level).Open();
                t.Write(transform(entry.FullName, data.ToArray()));
            }
        }
        return output.ToArray();
    }

    /// <summary>The bytes of one entry of a zip.</summary>
    public static byte[] Entry(byte[] zipBytes, string suffix)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(suffix, StringComparison.Ordinal));
        var data = new MemoryStream();
        using (var s = entry.Open()) s.CopyTo(data);
        return data.ToArray();
    }
}
