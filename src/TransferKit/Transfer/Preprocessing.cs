using TransferKit.Engine;
using TransferKit.Data.Transforms;

namespace TransferKit.Transfer;

/// <summary>
/// The input a model's weights expect: images resized so the shorter side is
/// <see cref="ResizeSize"/>, centre-cropped to <see cref="InputSize"/>, scaled to [0, 1] and
/// normalised with <see cref="Mean"/> and <see cref="Std"/> (torchvision's evaluation preset).
/// Saved in model packages so predictions preprocess exactly as training did.
/// </summary>
/// <param name="InputSize">Side of the square network input.</param>
/// <param name="ResizeSize">Shorter side after resizing, before the centre crop.</param>
/// <param name="Mean">Per-channel mean (RGB).</param>
/// <param name="Std">Per-channel standard deviation (RGB).</param>
public sealed record Preprocessing(int InputSize, int ResizeSize, IReadOnlyList<double> Mean, IReadOnlyList<double> Std)
{
    /// <summary>ImageNet statistics at the given sizes (224 / 256 by default).</summary>
    public static Preprocessing ImageNet(int inputSize = 224, int resizeSize = 256) =>
        new(inputSize, resizeSize, Models.ImageNet.Mean, Models.ImageNet.Std);

    /// <summary>
    /// Deterministic evaluation pipeline for decoded images (uint8 [H, W, C], gray or RGB):
    /// to CHW, gray to RGB, Resize(<see cref="ResizeSize"/>), CenterCrop(<see cref="InputSize"/>),
    /// to float in [0, 1], Normalize.
    /// </summary>
    public Compose EvalTransform() => new(new HwcToChw(), new GrayscaleToRgbIfNeeded(), new Resize(ResizeSize), new CenterCrop(InputSize),
        new ToTensor(), new Normalize(Mean, Std));

    /// <summary>
    /// The usual augmenting training pipeline: RandomResizedCrop(<see cref="InputSize"/>),
    /// RandomHorizontalFlip, to float, Normalize (the PyTorch transfer-learning tutorial's).
    /// </summary>
    public Compose TrainTransform() => new(new HwcToChw(), new GrayscaleToRgbIfNeeded(), new RandomResizedCrop(InputSize), new RandomHorizontalFlip(),
        new ToTensor(), new Normalize(Mean, Std));

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (InputSize < 1 || ResizeSize < InputSize) throw new ArgumentException($"Need 1 <= InputSize <= ResizeSize (got {InputSize}, {ResizeSize}).");
        if (Mean.Count != 3 || Std.Count != 3) throw new ArgumentException("Mean and Std need three values (RGB).");
        if (Std.Any(s => s <= 0)) throw new ArgumentException("Std values must be positive.");
    }

    /// <summary>Replicates a single channel to three; leaves RGB images alone (pixel-wise, so loaders can decode only the crop after it).</summary>
    private sealed class GrayscaleToRgbIfNeeded : Data.IPixelwiseTransform
    {
        public bool IsDeterministic => true;

        public Tensor Apply(Tensor image, Random random) =>
            image.Size(0) == 1 ? ImageFunctional.GrayscaleToRgb(image) : image.Alias();

        public override string ToString() => "GrayscaleToRgb(if 1 channel)";
    }
}
