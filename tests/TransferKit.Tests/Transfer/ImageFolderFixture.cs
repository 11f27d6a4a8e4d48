using TransferKit.Tests.Data;

namespace TransferKit.Tests.Transfer;

/// <summary>
/// A small image folder written as PNGs for the one-line path's tests: classes "bright" and "dark"
/// (noisy 24x20 RGB images whose mean gray level differs), optionally with train/ and val/ subfolders.
/// </summary>
internal sealed class ImageFolderFixture : IDisposable
{
    public ImageFolderFixture(bool trainValSplit, int perClass = 24, int seed = 1, string[]? valClasses = null)
    {
        Root = Directory.CreateTempSubdirectory("tk-imagefolder-").FullName;
        var random = new Random(seed);
        if (!trainValSplit)
        {
            Write(Root, new[] { "bright", "dark" }, perClass, random);
            return;
        }
        Write(Path.Combine(Root, "train"), new[] { "bright", "dark" }, perClass, random);
        Write(Path.Combine(Root, "val"), valClasses ?? new[] { "bright", "dark" }, Math.Max(2, perClass / 3), random);
    }

    public string Root { get; }

    /// <summary>Every image file under <paramref name="folder"/> (relative to the root) with its class folder's name.</summary>
    public IEnumerable<(string Path, string Class)> Images(string folder = "") =>
        Directory.GetDirectories(Path.Combine(Root, folder)).Order(StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d, "*.png").Order(StringComparer.Ordinal).Select(f => (f, Path.GetFileName(d))));

    public static byte[] Png(bool bright, Random random, int height = 20, int width = 24)
    {
        var pixels = new byte[height * width * 3];
        int level = bright ? 200 : 50;
        for (int k = 0; k < pixels.Length; k++) pixels[k] = (byte)Math.Clamp(level + random.Next(-40, 41), 0, 255);
        return PngWriter.Encode(pixels, height, width, 3, out _);
    }

    private static void Write(string folder, string[] classes, int perClass, Random random)
    {
        foreach (string cls in classes)
        {
            string dir = Directory.CreateDirectory(Path.Combine(folder, cls)).FullName;
            for (int k = 0; k < perClass; k++) File.WriteAllBytes(Path.Combine(dir, $"{cls}_{k:D3}.png"), Png(cls == "bright", random));
        }
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
