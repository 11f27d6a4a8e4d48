using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Tests.Data;


[Trait("Category", "Unit")]
public class SyntheticShapesDatasetTests
{
    private static readonly ShapeKind[] All = Enum.GetValues<ShapeKind>();

    [Fact]
    public void SamplesAreReproducibleBalancedAndShapedLikeDecodedImages()
    {
        var a = new SyntheticShapesDataset(All, count: 60, imageSize: 32, seed: 5);
        var b = new SyntheticShapesDataset(All, count: 60, imageSize: 32, seed: 5);
        var c = new SyntheticShapesDataset(All, count: 60, imageSize: 32, seed: 6);
        using var sa = a.Get(13);
        using var sb = b.Get(13);
        using var sc = c.Get(13);
        Assert.Equal(new long[] { 32, 32, 3 }, sa.Image.Shape);
        Assert.Equal(ScalarType.Byte, sa.Image.Dtype);
        Assert.Equal(sa.Image.ToArray<byte>(), sb.Image.ToArray<byte>());
        Assert.NotEqual(sa.Image.ToArray<byte>(), sc.Image.ToArray<byte>());
        Assert.Equal(new[] { "circle", "square", "triangle", "star", "pentagon", "hexagon" }, a.Classes);
        Assert.All(Enumerable.Range(0, 6), k => Assert.Equal(10, Enumerable.Range(0, 60).Count(i => a.GetLabel(i) == k)));
        Assert.Equal(sa.Label, a.GetLabel(13));
    }

    [Fact]
    public void DrawnAreasMatchEachShapesGeometry()
    {
        // Without noise, on a 64-pixel canvas, the covered fraction of the shape's bounding circle
        // must match its geometry: circle 1, hexagon 0.83, pentagon 0.76, square 0.64, triangle 0.41, star (inner radius 0.45) 0.40.
        var expected = new Dictionary<ShapeKind, double>
        {
            [ShapeKind.Circle] = 1.0,
            [ShapeKind.Hexagon] = 3 * Math.Sqrt(3) / (2 * Math.PI),
            [ShapeKind.Pentagon] = 5 * Math.Sin(2 * Math.PI / 5) / (2 * Math.PI),
            [ShapeKind.Square] = 2 / Math.PI,
            [ShapeKind.Triangle] = 3 * Math.Sqrt(3) / (4 * Math.PI),
            [ShapeKind.Star] = StarArea(0.45) / Math.PI,
        };
        foreach (var shape in All)
        {
            var dataset = new SyntheticShapesDataset(new[] { shape }, 1, imageSize: 64, noise: 0);
            var random = new Random(1);
            double radius = 64 * (0.22 + 0.16 * new Random(1).NextDouble());
            byte[] pixels = dataset.Draw(shape, random);
            // Foreground and background are the two most frequent colours; measure the fraction that is not background.
            var colours = Enumerable.Range(0, 64 * 64).Select(p => (pixels[3 * p], pixels[3 * p + 1], pixels[3 * p + 2])).ToArray();
            var background = colours.GroupBy(c => c).OrderByDescending(g => g.Count()).First().Key;
            double covered = colours.Count(c => c != background);
            double fraction = covered / (Math.PI * radius * radius);
            Assert.True(Math.Abs(fraction - expected[shape]) < 0.06, $"{shape}: covered {fraction:F3} of the circle, expected {expected[shape]:F3}");
        }
    }

    private static double StarArea(double innerRatio)
    {
        // Inner pentagon of radius ρ plus five triangles (two inner vertices and one tip at radius 1).
        double rho = innerRatio;
        double pentagon = 5 * 0.5 * rho * rho * Math.Sin(2 * Math.PI / 5);
        double halfBase = rho * Math.Sin(Math.PI / 5);
        double height = 1 - rho * Math.Cos(Math.PI / 5);
        return pentagon + 5 * halfBase * height;
    }

    [Fact]
    public void InvalidArgumentsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new SyntheticShapesDataset(Array.Empty<ShapeKind>(), 10));
        Assert.Throws<ArgumentException>(() => new SyntheticShapesDataset(new[] { ShapeKind.Star, ShapeKind.Star }, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticShapesDataset(All, 10, imageSize: 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticShapesDataset(All, 10).Get(10));
    }
}
