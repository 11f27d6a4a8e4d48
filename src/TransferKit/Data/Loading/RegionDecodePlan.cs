using TransferKit.Data.Transforms;
using TransferKit.Engine;

namespace TransferKit.Data;

/// <summary>
/// A step that may sit between <see cref="HwcToChw"/> and an <see cref="IRegionCropTransform"/> in a
/// pipeline whose crop is decoded as a region: deterministic, drawing nothing from the
/// <see cref="Random"/>, and computing each output pixel from the same input pixel only, so that it
/// gives the same values applied to a region as applied to the whole image and then cropped.
/// </summary>
internal interface IPixelwiseTransform : IImageTransform
{
}

/// <summary>
/// How a <see cref="DataLoader"/> decodes only the crop of each sample: for a pipeline
/// <c>HwcToChw, [pixel-wise steps], crop, rest...</c> over an <see cref="IEncodedImageDataset"/>,
/// read the header, draw the crop's region from the sample's <see cref="Random"/>, decode that region,
/// then run the steps, the crop's <see cref="IRegionCropTransform.ApplyToRegion"/> and the rest. Same
/// values, same random draws and same exceptions as <c>transform.Apply(dataset.Get(i).Image, random)</c>;
/// anything it cannot do that way (non-JPEG files, unreadable headers, samples without an encoded
/// form) goes the normal way.
/// </summary>
internal sealed class RegionDecodePlan
{
    private readonly IEncodedImageDataset _dataset;
    private readonly IImageTransform _whole;
    private readonly Compose _before;
    private readonly IRegionCropTransform _crop;
    private readonly Compose _after;

    private RegionDecodePlan(IEncodedImageDataset dataset, IImageTransform whole, Compose before, IRegionCropTransform crop,
        Compose after)
    {
        _dataset = dataset;
        _whole = whole;
        _before = before;
        _crop = crop;
        _after = after;
    }

    /// <summary>The plan for this dataset and pipeline, or null when region decoding does not apply.</summary>
    internal static RegionDecodePlan? For(IImageDataset dataset, IImageTransform transform)
    {
        if (dataset is not IEncodedImageDataset encoded) return null;
        var steps = Flatten(transform).ToArray();
        if (steps.Length < 2 || steps[0] is not HwcToChw) return null;
        int k = 1;
        while (k < steps.Length && IsPixelwise(steps[k])) k++;
        if (k == steps.Length || steps[k] is not IRegionCropTransform crop) return null;
        return new RegionDecodePlan(encoded, transform, new Compose(steps[..k]), crop, new Compose(steps[(k + 1)..]));
    }

    // Nested Composes run their steps in order with the same Random, so they flatten.
    private static IEnumerable<IImageTransform> Flatten(IImageTransform t) =>
        t is Compose c ? c.Transforms.SelectMany(Flatten) : [t];

    private static bool IsPixelwise(IImageTransform t) => t is GrayscaleToRgb or IPixelwiseTransform;

    /// <summary>Sample <paramref name="index"/>'s transformed image (a new owner) and label.</summary>
    internal (Tensor Image, long Label) Load(int index, Random random)
    {
        if (!_dataset.TryGetEncoded(index, out var encoded))
        {
            var sample = _dataset.Get(index);
            using (sample) return (_whole.Apply(sample.Image, random), sample.Label);
        }
        ImageInfo? info = null;
        try
        {
            info = ImageDecoder.ReadInfo(encoded.Data, encoded.Name, encoded.DecodeOptions.Mode);
        }
        catch (ImageDecodeException)
        {
            // Decode below raises the exception the normal path would (it reads with the options' flags).
        }
        if (info is not { Format: ImageFormat.Jpeg } header)
        {
            // PNGs gain nothing from a region: decode them whole, as Get would.
            using var image = ImageDecoder.Decode(encoded.Data, encoded.Name, encoded.DecodeOptions);
            return (_whole.Apply(image, random), encoded.Label);
        }
        var (top, left, height, width) = _crop.SampleRegion(header.Height, header.Width, random);
        // Every Apply returns a new owner and leaves its input alone, so each intermediate is freed here.
        using var region = ImageDecoder.DecodeRegion(encoded.Data, top, left, height, width, encoded.Name, encoded.DecodeOptions);
        using var prepared = _before.Apply(region, random);
        using var cropped = _crop.ApplyToRegion(prepared, header.Height, header.Width, random);
        return (_after.Apply(cropped, random), encoded.Label); // one Compose, so adjacent steps fuse as they would (ToTensor + Normalize)
    }
}
