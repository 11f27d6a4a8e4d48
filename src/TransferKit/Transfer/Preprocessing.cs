using TransferKit.Engine;
using TransferKit.Data.Transforms;
using TransferKit.Models;
using TransferKit.NN;

namespace TransferKit.Transfer;

/// <summary>
/// The input a model's weights expect: images resized with <see cref="Interpolation"/> so the
/// shorter side is <see cref="ResizeSize"/>, centre-cropped to <see cref="InputSize"/>, scaled to
/// [0, 1] and normalised with <see cref="Mean"/> and <see cref="Std"/> (torchvision's evaluation
/// preset), or, with <see cref="CenterCrop"/> false, resized to <see cref="InputSize"/> ×
/// <see cref="InputSize"/> without a crop (Hugging Face's image processors, <see cref="HuggingFaceVit"/>).
/// Saved in model packages so predictions preprocess exactly as training did.
/// </summary>
/// <param name="InputSize">Side of the square network input.</param>
/// <param name="ResizeSize">Shorter side after resizing, before the centre crop.</param>
/// <param name="Mean">Per-channel mean (RGB).</param>
/// <param name="Std">Per-channel standard deviation (RGB).</param>
public sealed record Preprocessing(int InputSize, int ResizeSize, IReadOnlyList<double> Mean, IReadOnlyList<double> Std)
{
    /// <summary>
    /// How images are resampled by the resize (evaluation) and the random resized crop (training),
    /// always antialiased as torchvision's tensor transforms with <c>antialias=True</c>. Bilinear by
    /// default; the catalog's EfficientNet weights expect <see cref="InterpolationMode.Bicubic"/>.
    /// </summary>
    public InterpolationMode Interpolation { get; init; } = InterpolationMode.Bilinear;

    /// <summary>
    /// True (default): resize the shorter side to <see cref="ResizeSize"/>, then centre-crop
    /// <see cref="InputSize"/>. False: resize the whole image to <see cref="InputSize"/> ×
    /// <see cref="InputSize"/> (aspect ratio not kept, nothing cropped; <see cref="ResizeSize"/>
    /// must then equal <see cref="InputSize"/>), as Hugging Face's <c>ViTImageProcessor</c>.
    /// </summary>
    public bool CenterCrop { get; init; } = true;

    /// <summary>
    /// Hugging Face's ViT preprocessing (<c>ViTImageProcessor</c> of <c>google/vit-base-patch16-224</c>
    /// and <c>-in21k</c>): resize to <paramref name="size"/> × <paramref name="size"/> without a crop,
    /// bilinear, mean = std = 0.5 per channel (pixels scaled to [-1, 1]).
    /// </summary>
    public static Preprocessing HuggingFaceVit(int size = 224) =>
        new(size, size, new[] { 0.5, 0.5, 0.5 }, new[] { 0.5, 0.5, 0.5 }) { CenterCrop = false };

    /// <summary>ImageNet statistics at the given sizes (224 / 256 by default), bilinear.</summary>
    public static Preprocessing ImageNet(int inputSize = 224, int resizeSize = 256) =>
        new(inputSize, resizeSize, Models.ImageNet.Mean, Models.ImageNet.Std);

    /// <summary>The preprocessing published with <paramref name="weights"/> (sizes, statistics and interpolation).</summary>
    public static Preprocessing For(PretrainedWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return new(weights.InputSize, weights.ResizeSize, weights.Mean, weights.Std) { Interpolation = weights.Interpolation };
    }

    /// <summary>
    /// Deterministic evaluation pipeline for decoded images (uint8 [H, W, C], gray or RGB):
    /// to CHW, gray to RGB, Resize(<see cref="ResizeSize"/>, <see cref="Interpolation"/>),
    /// CenterCrop(<see cref="InputSize"/>) (or, without <see cref="CenterCrop"/>, Resize to
    /// <see cref="InputSize"/> × <see cref="InputSize"/>), to float in [0, 1], Normalize.
    /// </summary>
    public Compose EvalTransform() => CenterCrop
        ? new(new HwcToChw(), new GrayscaleToRgbIfNeeded(), new Resize(ResizeSize, Interpolation), new Data.Transforms.CenterCrop(InputSize),
            new ToTensor(), new Normalize(Mean, Std))
        : new(new HwcToChw(), new GrayscaleToRgbIfNeeded(), new Resize(InputSize, InputSize, Interpolation), new ToTensor(), new Normalize(Mean, Std));

    /// <summary>
    /// The usual augmenting training pipeline: RandomResizedCrop(<see cref="InputSize"/>,
    /// <see cref="Interpolation"/>), RandomHorizontalFlip, to float, Normalize (the PyTorch
    /// transfer-learning tutorial's).
    /// </summary>
    public Compose TrainTransform() => new(new HwcToChw(), new GrayscaleToRgbIfNeeded(), new RandomResizedCrop(InputSize, interpolation: Interpolation),
        new RandomHorizontalFlip(), new ToTensor(), new Normalize(Mean, Std));

    /// <summary>Checks the values; throws one <see cref="ArgumentException"/> listing every bad one.</summary>
    public void Validate() => new OptionsCheck(nameof(Preprocessing))
        .Require(InputSize >= 1, $"InputSize must be at least 1 (was {InputSize}).")
        .Require(ResizeSize >= InputSize, $"ResizeSize must be at least InputSize (was {ResizeSize} < {InputSize}).")
        .Require(CenterCrop || ResizeSize == InputSize, $"Without CenterCrop the image is resized to InputSize, so ResizeSize must equal it (was {ResizeSize}, InputSize {InputSize}).")
        .Require(Mean is { Count: 3 }, $"Mean needs three values, RGB (had {Mean?.Count ?? 0}).")
        .Require(Std is { Count: 3 }, $"Std needs three values, RGB (had {Std?.Count ?? 0}).")
        .Require(Std is null || Std.All(s => s > 0), $"Std values must be positive (were {(Std is null ? "null" : string.Join(", ", Std))}).")
        .Require(Enum.IsDefined(Interpolation), $"Interpolation {(int)Interpolation} is not an InterpolationMode.")
        .ThrowIfAny();

    /// <summary>Replicates a single channel to three; leaves RGB images alone (pixel-wise, so loaders can decode only the crop after it).</summary>
    private sealed class GrayscaleToRgbIfNeeded : Data.IPixelwiseTransform
    {
        public bool IsDeterministic => true;

        public Tensor Apply(Tensor image, Random random) =>
            image.Size(0) == 1 ? ImageFunctional.GrayscaleToRgb(image) : image.Alias();

        public override string ToString() => "GrayscaleToRgb(if 1 channel)";
    }
}
