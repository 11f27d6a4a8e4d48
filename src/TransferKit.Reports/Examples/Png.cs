using SkiaSharp;

namespace TransferKit.Reports;

/// <summary>Encodes pixels as PNG (SkiaSharp, which the plots use anyway).</summary>
internal static class Png
{
    /// <summary>PNG of an RGB image, rows top to bottom, 3 bytes per pixel.</summary>
    public static byte[] EncodeRgb(byte[] rgb, int width, int height)
    {
        if (width < 1 || height < 1 || rgb.Length != width * height * 3)
            throw new ArgumentException($"Expected {width}×{height}×3 bytes, got {rgb.Length}.");
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = new byte[width * height * 4];
        for (int k = 0, n = width * height; k < n; k++)
        {
            rgba[k * 4] = rgb[k * 3];
            rgba[k * 4 + 1] = rgb[k * 3 + 1];
            rgba[k * 4 + 2] = rgb[k * 3 + 2];
            rgba[k * 4 + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
