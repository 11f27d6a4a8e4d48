using TransferKit.Engine;

namespace TransferKit.Data;

/// <summary>The shapes <see cref="SyntheticShapesDataset"/> can draw.</summary>
public enum ShapeKind
{
    /// <summary>A disc.</summary>
    Circle,
    /// <summary>A square.</summary>
    Square,
    /// <summary>An equilateral triangle.</summary>
    Triangle,
    /// <summary>A five-pointed star.</summary>
    Star,
    /// <summary>A regular pentagon.</summary>
    Pentagon,
    /// <summary>A regular hexagon.</summary>
    Hexagon,
}

/// <summary>
/// Images of filled shapes on a plain background, generated on demand and reproducible: sample
/// <c>i</c> depends only on (seed, i). Size, position, rotation, shape and background colours and
/// pixel noise are randomised; the classes are the chosen <see cref="ShapeKind"/>s, cycling so
/// classes are balanced. Images are uint8 [size, size, 3], like decoded photos. Needs no download,
/// which makes it the data of TransferKit's main sample.
/// </summary>
public sealed class SyntheticShapesDataset : IImageDataset
{
    private const int Supersampling = 2;
    private readonly ShapeKind[] _shapes;

    /// <summary>Creates the dataset.</summary>
    /// <param name="shapes">The classes, in label order.</param>
    /// <param name="count">Number of samples.</param>
    /// <param name="imageSize">Width and height in pixels (at least 16).</param>
    /// <param name="seed">Seed; different seeds give different images (use one for training, another for testing).</param>
    /// <param name="noise">Standard deviation of the Gaussian pixel noise, in gray levels.</param>
    public SyntheticShapesDataset(IEnumerable<ShapeKind> shapes, int count, int imageSize = 32, int seed = 0, double noise = 8)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        _shapes = shapes.ToArray();
        if (_shapes.Length == 0) throw new ArgumentException("Choose at least one shape.", nameof(shapes));
        if (_shapes.Distinct().Count() != _shapes.Length) throw new ArgumentException("Each shape may appear once.", nameof(shapes));
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 16);
        ArgumentOutOfRangeException.ThrowIfNegative(noise);
        Count = count;
        ImageSize = imageSize;
        Seed = seed;
        Noise = noise;
        Classes = _shapes.Select(s => s.ToString().ToLowerInvariant()).ToArray();
    }

    /// <inheritdoc />
    public int Count { get; }

    /// <summary>Image width and height.</summary>
    public int ImageSize { get; }

    /// <summary>The seed.</summary>
    public int Seed { get; }

    /// <summary>Pixel noise standard deviation.</summary>
    public double Noise { get; }

    /// <summary>The shapes, in label order.</summary>
    public IReadOnlyList<ShapeKind> Shapes => _shapes;

    /// <inheritdoc />
    public IReadOnlyList<string> Classes { get; }

    /// <inheritdoc />
    public long GetLabel(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        return index % _shapes.Length;
    }

    /// <inheritdoc />
    public ImageSample Get(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        int label = index % _shapes.Length;
        return new ImageSample(Torch.FromArray(Draw(_shapes[label], new Random(SeedMixer.Mix((ulong)Seed, index))), ImageSize, ImageSize, 3), label);
    }

    /// <summary>Draws one image (HWC bytes) of a shape with the randomness of <paramref name="random"/>.</summary>
    public byte[] Draw(ShapeKind shape, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        int size = ImageSize;
        double radius = size * (0.22 + 0.16 * random.NextDouble());
        double margin = radius * 1.05;
        double cx = margin + (size - 2 * margin) * random.NextDouble();
        double cy = margin + (size - 2 * margin) * random.NextDouble();
        double rotation = 2 * Math.PI * random.NextDouble();
        var (fg, bg) = Colours(random);
        var polygons = Outline(shape, cx, cy, radius, rotation);

        var pixels = new byte[size * size * 3];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double coverage = Coverage(shape, polygons, cx, cy, radius, x, y);
                for (int c = 0; c < 3; c++)
                {
                    double v = bg[c] + (fg[c] - bg[c]) * coverage + Noise * Gaussian(random);
                    pixels[(y * size + x) * 3 + c] = (byte)Math.Clamp(Math.Round(v), 0, 255);
                }
            }
        return pixels;
    }

    /// <summary>Fraction of the pixel covered, from a regular sub-pixel grid (smooth edges).</summary>
    private static double Coverage(ShapeKind shape, List<(double X, double Y)[]> polygons, double cx, double cy, double r, int px, int py)
    {
        int inside = 0;
        for (int sy = 0; sy < Supersampling; sy++)
            for (int sx = 0; sx < Supersampling; sx++)
            {
                double x = px + (sx + 0.5) / Supersampling, y = py + (sy + 0.5) / Supersampling;
                bool hit = shape == ShapeKind.Circle
                    ? (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r
                    : polygons.Any(p => InsideConvex(p, x, y));
                if (hit) inside++;
            }
        return inside / (double)(Supersampling * Supersampling);
    }

    /// <summary>Convex pieces whose union is the shape (a star is its inner pentagon plus five tips).</summary>
    private static List<(double X, double Y)[]> Outline(ShapeKind shape, double cx, double cy, double r, double rotation)
    {
        (double, double) At(double radius, double angle) => (cx + radius * Math.Cos(angle + rotation), cy + radius * Math.Sin(angle + rotation));
        (double, double)[] Regular(int n, double radius) => Enumerable.Range(0, n).Select(k => At(radius, 2 * Math.PI * k / n)).ToArray();

        switch (shape)
        {
            case ShapeKind.Circle: return new();
            case ShapeKind.Square: return new() { Regular(4, r) };
            case ShapeKind.Triangle: return new() { Regular(3, r) };
            case ShapeKind.Pentagon: return new() { Regular(5, r) };
            case ShapeKind.Hexagon: return new() { Regular(6, r) };
            case ShapeKind.Star:
                double inner = r * 0.45;
                var pieces = new List<(double, double)[]> { Enumerable.Range(0, 5).Select(k => At(inner, 2 * Math.PI * (k + 0.5) / 5)).ToArray() };
                for (int k = 0; k < 5; k++)
                    pieces.Add(new[] { At(inner, 2 * Math.PI * (k - 0.5) / 5), At(r, 2 * Math.PI * k / 5), At(inner, 2 * Math.PI * (k + 0.5) / 5) });
                return pieces;
            default: throw new ArgumentOutOfRangeException(nameof(shape), shape, null);
        }
    }

    /// <summary>Point-in-convex-polygon test for vertices in counter-clockwise order (y down, as images).</summary>
    private static bool InsideConvex((double X, double Y)[] polygon, double x, double y)
    {
        for (int k = 0; k < polygon.Length; k++)
        {
            var a = polygon[k];
            var b = polygon[(k + 1) % polygon.Length];
            if ((b.X - a.X) * (y - a.Y) - (b.Y - a.Y) * (x - a.X) < 0) return false;
        }
        return true;
    }

    /// <summary>A foreground and a background colour that differ clearly in brightness.</summary>
    private static (double[] Fg, double[] Bg) Colours(Random random)
    {
        while (true)
        {
            double[] fg = { random.Next(256), random.Next(256), random.Next(256) };
            double[] bg = { random.Next(256), random.Next(256), random.Next(256) };
            double contrast = Math.Abs(Luma(fg) - Luma(bg));
            if (contrast >= 60) return (fg, bg);
        }
    }

    private static double Luma(double[] c) => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
