using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// Stateless image operations on <c>[C, H, W]</c> tensors, following torchvision 0.14's
/// <c>transforms.functional</c> on tensors (the same formulas, rounding and dtype round trips).
/// The transform classes (<see cref="T:TransferKit.Data.Transforms.Resize"/>, <see cref="T:TransferKit.Data.Transforms.CenterCrop"/>, ...) call these; call
/// them directly when the parameters are chosen elsewhere.
/// </summary>
/// <remarks>
/// Pixel types: <c>uint8</c> (0..255) and <c>float32</c>/<c>float64</c> (0..1). Every function
/// leaves its input untouched and returns a new tensor owner in the caller's dispose scope; its
/// intermediates are freed before it returns. All pixel work runs in libtorch.
/// </remarks>
public static partial class ImageFunctional
{
    /// <summary>
    /// Converts a decoder's <c>[H, W, C]</c> image (any dtype) to the <c>[C, H, W]</c> layout every
    /// transform expects. (torchvision's <c>ToTensor</c> does this permutation implicitly for PIL
    /// images; here it is explicit so a tensor's layout is never guessed.)
    /// </summary>
    /// <remarks>
    /// The result is a permuted view sharing the input's memory (a new tensor owner; nothing is
    /// copied), so the next transform reads the decoder's buffer in place: the crop-and-resize
    /// kernels do so directly, and transforms that compute new pixels otherwise return contiguous
    /// tensors. Call <see cref="Tensor.Contiguous()"/> on the result for a compact copy.
    /// </remarks>
    public static Tensor FromHwc(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.NDim != 3)
            throw new ArgumentException(
                $"FromHwc expects a decoded image [H, W, C]; got a tensor of shape {ShapeText(image)}.", nameof(image));
        return Scoped(() => image.Permute(2, 0, 1));
    }

    /// <summary>
    /// The image itself when contiguous, else a contiguous copy (in the current scope): for
    /// operations whose result layout or reduction order would otherwise follow a view's strides
    /// (such as the <see cref="FromHwc"/> view), so results stay those of a <c>[C, H, W]</c> image.
    /// </summary>
    internal static Tensor Dense(Tensor image) => image.IsContiguous ? image : image.Contiguous();

    /// <summary>Converts a <c>[C, H, W]</c> image back to a contiguous <c>[H, W, C]</c> tensor (for encoders and display).</summary>
    public static Tensor ToHwc(Tensor image)
    {
        CheckImage(image, nameof(ToHwc), anyDtype: true);
        return Scoped(() => image.Permute(1, 2, 0).Contiguous());
    }

    /// <summary>
    /// Channels, height and width of a <c>[C, H, W]</c> image, after checking that it is one (rank 3,
    /// and uint8, float32 or float64 pixels).
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not a supported image.</exception>
    public static (int Channels, int Height, int Width) GetDimensions(Tensor image) => CheckImage(image, nameof(GetDimensions));

    /// <summary>
    /// Converts pixel values between types, rescaling the range (torchvision's
    /// <c>convert_image_dtype</c>): <c>uint8</c> to float divides by 255; float to <c>uint8</c>
    /// multiplies by 255.999 and truncates; float to float only casts.
    /// </summary>
    /// <exception cref="ArgumentException">A conversion other than those three was asked for.</exception>
    public static Tensor ConvertImageDtype(Tensor image, ScalarType dtype = ScalarType.Float32)
    {
        CheckImage(image, nameof(ConvertImageDtype));
        var from = image.Dtype;
        if (dtype != ScalarType.Byte && dtype != ScalarType.Float32 && dtype != ScalarType.Float64)
            throw new ArgumentException($"ConvertImageDtype converts to uint8, float32 or float64, not {dtype.PyTorchName()}.", nameof(dtype));
        return Scoped(() =>
        {
            if (from == dtype) return image.Alias();
            image = Dense(image);
            if (from.IsFloatingPoint())
                return dtype.IsFloatingPoint()
                    ? image.To(dtype)
                    // (x * 255.999).to(uint8): only 1.0 maps to 255, and each level gets an equal share of [0, 1].
                    : image.Mul(Uint8Max + 1.0 - 1e-3).To(dtype);
            return image.To(dtype).Div(Uint8Max);
        });
    }

    /// <summary>
    /// (x - mean) / std per channel (torchvision's <c>normalize</c>). <paramref name="mean"/> and
    /// <paramref name="std"/> hold one value per channel, or one value for all channels.
    /// </summary>
    /// <exception cref="ArgumentException">The image is not floating point, the lists do not match the
    /// channels, or a std is zero (after conversion to the image's dtype).</exception>
    public static Tensor Normalize(Tensor image, IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        var (channels, _, _) = CheckImage(image, nameof(Normalize));
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        var dtype = image.Dtype;
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException(
                $"Normalize expects a floating-point image; got {dtype.PyTorchName()}. Convert it first with ToTensor or ConvertImageDtype.", nameof(image));
        CheckNormalizeArguments(channels, dtype, mean, std);
        return Scoped(() => Dense(image).Sub(PerChannel(mean, dtype, image.Device)).Div(PerChannel(std, dtype, image.Device)));
    }

    /// <summary>
    /// <c>Normalize(ConvertImageDtype(image, Float32), mean, std)</c> for a uint8 CPU image in one
    /// native pass (no intermediate [0, 1] image), with the same float32 arithmetic, so the values are
    /// identical; <see cref="Compose"/> uses it for a <see cref="ToTensor"/> directly followed by a
    /// <see cref="T:TransferKit.Data.Transforms.Normalize"/>. Other images take the two steps.
    /// </summary>
    internal static unsafe Tensor ToTensorNormalize(Tensor image, IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        var (channels, _, _) = CheckImage(image, nameof(ToTensorNormalize));
        if (image.Dtype != ScalarType.Byte || image.Device.Type != DeviceType.Cpu)
            return Scoped(() => Normalize(ConvertImageDtype(image, ScalarType.Float32), mean, std));
        CheckNormalizeArguments(channels, ScalarType.Float32, mean, std);
        var m = mean.ToArray();
        var s = std.ToArray();
        fixed (double* pm = m, ps = s)
            return Tensor.FromNative(NativeMethods.tk_u8_to_normalized_f32(image.Handle, pm, ps, m.Length));
    }

    private static void CheckNormalizeArguments(int channels, ScalarType dtype, IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        CheckPerChannel(mean, channels, "mean", nameof(Normalize));
        CheckPerChannel(std, channels, "std", nameof(Normalize));
        foreach (double s in std)
            if ((dtype == ScalarType.Float32 ? (float)s : s) == 0)
                throw new ArgumentException($"Normalize: std [{string.Join(", ", std)}] has a zero (in {dtype.PyTorchName()}), which would divide by zero.", nameof(std));
    }

    internal const double Uint8Max = 255.0;

    /// <summary>Runs <paramref name="body"/> in a dispose scope and hands only its result to the caller's scope.</summary>
    internal static Tensor Scoped(Func<Tensor> body)
    {
        using var scope = Torch.NewDisposeScope();
        var result = body();
        // A result the body did not create (its input, say) gets its own owner so callers can always dispose it.
        if (!ReferenceEquals(result.OwningScope, scope)) result = result.Alias();
        return scope.MoveToOuter(result);
    }

    /// <summary>Validates a <c>[C, H, W]</c> image and returns its dimensions.</summary>
    internal static (int Channels, int Height, int Width) CheckImage(Tensor image, string operation, bool anyDtype = false)
    {
        ArgumentNullException.ThrowIfNull(image, nameof(image));
        var shape = image.Shape;
        if (shape.Length != 3)
            throw new ArgumentException(
                $"{operation} expects an image tensor [C, H, W]; got a tensor of shape {ShapeText(shape)} ({shape.Length} dimensions)." +
                (shape.Length == 4 ? " Transforms work on one image at a time: apply them before batching." : "") +
                (shape.Length == 2 ? " Add a channel dimension with Unsqueeze(0)." : ""), nameof(image));
        if (!anyDtype)
        {
            var dtype = image.Dtype;
            if (dtype != ScalarType.Byte && dtype != ScalarType.Float32 && dtype != ScalarType.Float64)
                throw new ArgumentException(
                    $"{operation} expects uint8 (0..255) or float32/float64 (0..1) pixels; got {dtype.PyTorchName()}.", nameof(image));
        }
        if (shape[0] < 1 || shape[1] < 1 || shape[2] < 1)
            throw new ArgumentException($"{operation} got an empty image of shape {ShapeText(shape)}.", nameof(image));
        return ((int)shape[0], checked((int)shape[1]), checked((int)shape[2]));
    }

    internal static void CheckChannels(int channels, string operation, params int[] permitted)
    {
        if (Array.IndexOf(permitted, channels) < 0)
            throw new ArgumentException(
                $"{operation} works on images with {string.Join(" or ", permitted)} channels; got {channels}.", "image");
    }

    private static void CheckPerChannel(IReadOnlyList<double> values, int channels, string name, string operation)
    {
        if (values.Count != 1 && values.Count != channels)
            throw new ArgumentException(
                $"{operation}: {name} has {values.Count} values but the image has {channels} channels (give one value per channel, or one for all).", name);
    }

    /// <summary>A <c>[n, 1, 1]</c> tensor of per-channel values, broadcastable against <c>[C, H, W]</c>.</summary>
    internal static Tensor PerChannel(IReadOnlyList<double> values, ScalarType dtype, Device device)
    {
        var t = Torch.FromArray(values.ToArray(), values.Count, 1, 1).To(dtype);
        return device.Type == DeviceType.Cpu ? t : t.To(device);
    }

    internal static string ShapeText(Tensor t) => ShapeText(t.Shape);

    internal static string ShapeText(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
