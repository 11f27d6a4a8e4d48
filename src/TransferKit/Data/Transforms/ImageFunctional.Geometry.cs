using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

public static partial class ImageFunctional
{
    /// <summary>
    /// The output (height, width) of resizing an image's shorter side to <paramref name="size"/>
    /// with the aspect ratio kept, computed exactly as torchvision does: the longer side is
    /// <c>floor(size * long / short)</c>; when <paramref name="maxSize"/> is given and the longer side
    /// would exceed it, the longer side becomes <paramref name="maxSize"/> and the shorter one shrinks
    /// in proportion.
    /// </summary>
    public static (int Height, int Width) ComputeResizedSize(int height, int width, int size, int? maxSize = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        bool portrait = width <= height;
        long shortSide = portrait ? width : height;
        long longSide = portrait ? height : width;
        // Python's int(size * long / short): an exact integer product, one correctly rounded division, truncation.
        long newShort = size;
        long newLong = (long)((double)(size * longSide) / shortSide);
        if (maxSize is int max)
        {
            if (max <= size)
                throw new ArgumentException($"maxSize ({max}) must be greater than the requested shorter side ({size}).", nameof(maxSize));
            if (newLong > max)
            {
                newShort = (long)((double)(max * newShort) / newLong);
                newLong = max;
            }
        }
        return portrait ? ((int)newLong, (int)newShort) : ((int)newShort, (int)newLong);
    }

    /// <summary>
    /// Resizes so the shorter side becomes <paramref name="size"/>, keeping the aspect ratio
    /// (see <see cref="ComputeResizedSize"/>); torchvision's <c>resize(img, size)</c> with an int.
    /// </summary>
    public static Tensor Resize(Tensor image, int size, InterpolationMode interpolation = InterpolationMode.Bilinear,
        bool antialias = true, int? maxSize = null)
    {
        var (_, h, w) = CheckImage(image, nameof(Resize));
        var (outH, outW) = ComputeResizedSize(h, w, size, maxSize);
        return Resize(image, outH, outW, interpolation, antialias);
    }

    /// <summary>
    /// Resizes to exactly <paramref name="height"/> x <paramref name="width"/> (torchvision's tensor
    /// <c>resize</c> with <c>align_corners=False</c>). Bilinear and bicubic resizing with
    /// <paramref name="antialias"/> widen the filter when downsampling, like PIL and torchvision's
    /// <c>antialias=True</c>; it is ignored for <see cref="InterpolationMode.Nearest"/>. A uint8
    /// image is resampled in float32, then rounded (halves to even) and clamped back to uint8
    /// (bicubic overshoots, so the clamp matters there, as in torchvision).
    /// </summary>
    public static Tensor Resize(Tensor image, int height, int width, InterpolationMode interpolation = InterpolationMode.Bilinear,
        bool antialias = true)
    {
        var (_, h, w) = CheckImage(image, nameof(Resize));
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (h == height && w == width) return Scoped(image.Alias);
        if (UsesResampleKernel(image, interpolation))
            return ResizedCropU8(image, 0, 0, h, w, height, width, antialias, ResampleImpl.Auto);
        return Scoped(() =>
        {
            var batch = ToFloatBatch(image);
            var resized = interpolation switch
            {
                InterpolationMode.Bilinear => Tensor.FromNative(NativeMethods.tk_upsample_bilinear2d(batch.Handle, height, width, 0, antialias ? 1 : 0)),
                InterpolationMode.Bicubic => Tensor.FromNative(NativeMethods.tk_upsample_bicubic2d(batch.Handle, height, width, 0, antialias ? 1 : 0)),
                InterpolationMode.Nearest => Tensor.FromNative(NativeMethods.tk_upsample_nearest2d(batch.Handle, height, width)),
                _ => throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, "unknown interpolation mode"),
            };
            return FromFloatBatch(resized, image.Dtype);
        });
    }

    /// <summary>
    /// The <paramref name="height"/> x <paramref name="width"/> region whose top-left corner is
    /// (<paramref name="top"/>, <paramref name="left"/>) (torchvision's <c>crop</c>). Parts of the
    /// region outside the image are filled with zeros, so the output always has the requested size.
    /// The result is a view of the input when the region lies inside it.
    /// </summary>
    public static Tensor Crop(Tensor image, int top, int left, int height, int width)
    {
        var (_, h, w) = CheckImage(image, nameof(Crop));
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var (rowStart, rowEnd, padTop, padBottom) = Overlap(top, height, h);
        var (colStart, colEnd, padLeft, padRight) = Overlap(left, width, w);
        return Scoped(() =>
        {
            var inside = image.Slice(1, rowStart, rowEnd).Slice(2, colStart, colEnd);
            return padTop == 0 && padBottom == 0 && padLeft == 0 && padRight == 0
                ? inside
                : ConstantPad(inside, padLeft, padRight, padTop, padBottom, 0); // inside may be empty
        });
    }

    /// <summary>
    /// Where a span [start, start + length) meets [0, size): the overlap [from, to) (empty when they
    /// do not meet) and the zero padding needed before and after it to make up <paramref name="length"/>.
    /// </summary>
    private static (int From, int To, int PadBefore, int PadAfter) Overlap(int start, int length, int size)
    {
        long end = (long)start + length;
        int from = (int)Math.Clamp(start, 0L, size);
        int to = (int)Math.Max(from, Math.Clamp(end, 0L, size));
        int before = (int)Math.Clamp((long)from - start, 0L, length);
        return (from, to, before, length - before - (to - from));
    }

    /// <summary>
    /// The central <paramref name="height"/> x <paramref name="width"/> region (torchvision's
    /// <c>center_crop</c>): the offsets are <c>round((H - height) / 2)</c> and
    /// <c>round((W - width) / 2)</c> with halves rounded to even, as Python's <c>round</c>. When the
    /// crop is larger than the image, the image is zero-padded around (the extra odd pixel going to
    /// the bottom/right) if <paramref name="padIfSmaller"/>, as torchvision always does; otherwise
    /// this throws.
    /// </summary>
    /// <exception cref="ArgumentException">The crop is larger than the image and padding is off.</exception>
    public static Tensor CenterCrop(Tensor image, int height, int width, bool padIfSmaller = true)
    {
        var (c, h, w) = CheckImage(image, nameof(CenterCrop));
        if ((height > h || width > w) && !padIfSmaller)
            throw new ArgumentException(
                $"CenterCrop({height}, {width}) needs an image at least {height}x{width} but got [{c}, {h}, {w}]; resize it first or allow padding.",
                nameof(image));
        return Crop(image, CenterOffset(h, height), CenterOffset(w, width), height, width);
    }

    // Padding puts floor(extra/2) before the image; otherwise the offset is Python's round(extra/2).
    internal static int CenterOffset(int size, int crop) =>
        crop > size ? -((crop - size) / 2) : (int)Math.Round((size - crop) / 2.0, MidpointRounding.ToEven);

    /// <summary>
    /// Crops a region and resizes it to <paramref name="height"/> x <paramref name="width"/>
    /// (torchvision's <c>resized_crop</c>, as used by <see cref="RandomResizedCrop"/>).
    /// </summary>
    /// <remarks>
    /// A uint8 CPU image resized bilinearly from a region inside it is cropped and resampled in one
    /// native pass that reads the region in place (any strides, so the view
    /// <see cref="FromHwc"/> returns is not copied first); its pixels equal, bit for bit, those of
    /// cropping, converting to float32, resampling and rounding back, which is what other inputs get.
    /// </remarks>
    public static Tensor ResizedCrop(Tensor image, int top, int left, int cropHeight, int cropWidth, int height, int width,
        InterpolationMode interpolation = InterpolationMode.Bilinear, bool antialias = true)
    {
        var (_, h, w) = CheckImage(image, nameof(ResizedCrop));
        ArgumentOutOfRangeException.ThrowIfLessThan(cropHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cropWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        bool inside = top >= 0 && left >= 0 && (long)top + cropHeight <= h && (long)left + cropWidth <= w;
        if (inside && (cropHeight != height || cropWidth != width) && UsesResampleKernel(image, interpolation))
            return ResizedCropU8(image, top, left, cropHeight, cropWidth, height, width, antialias, ResampleImpl.Auto);
        return Scoped(() => Resize(Crop(image, top, left, cropHeight, cropWidth), height, width, interpolation, antialias));
    }

    /// <summary>Which implementation <see cref="ResizedCropU8"/> runs (the non-default ones are for tests).</summary>
    internal enum ResampleImpl
    {
        /// <summary>The fastest exact kernel (vectorised where the CPU allows).</summary>
        Auto = 0,
        /// <summary>The portable native kernel.</summary>
        Portable = 1,
        /// <summary>ATen: crop, float32, <c>_upsample_bilinear2d_aa</c> / <c>upsample_bilinear2d</c>, round, clamp, uint8.</summary>
        Aten = 2,
    }

    /// <summary>Whether a resize of <paramref name="image"/> goes through the native uint8 kernel.</summary>
    private static bool UsesResampleKernel(Tensor image, InterpolationMode interpolation) =>
        interpolation == InterpolationMode.Bilinear && image.Dtype == ScalarType.Byte && image.Device.Type == DeviceType.Cpu;

    /// <summary>
    /// The native crop-and-resize of a uint8 CPU image (tk_resized_crop_u8): the region must lie inside
    /// the image. Returns a new contiguous tensor in the caller's scope.
    /// </summary>
    internal static Tensor ResizedCropU8(Tensor image, int top, int left, int cropHeight, int cropWidth, int height, int width,
        bool antialias, ResampleImpl impl) =>
        Scoped(() => Tensor.FromNative(NativeMethods.tk_resized_crop_u8(image.Handle, top, left, cropHeight, cropWidth,
            height, width, antialias ? 1 : 0, (int)impl)));

    /// <summary>Mirrors the image left to right (torchvision's <c>hflip</c>).</summary>
    public static Tensor HorizontalFlip(Tensor image)
    {
        CheckImage(image, nameof(HorizontalFlip), anyDtype: true);
        return Scoped(() => Dense(image.Flip(-1)));
    }

    /// <summary>Mirrors the image top to bottom (torchvision's <c>vflip</c>).</summary>
    public static Tensor VerticalFlip(Tensor image)
    {
        CheckImage(image, nameof(VerticalFlip), anyDtype: true);
        return Scoped(() => Dense(image.Flip(-2)));
    }

    /// <summary>
    /// Zero-pads (or pads with <paramref name="fill"/>) the image by the given number of pixels on
    /// each side (torchvision's <c>pad</c> with <c>padding_mode="constant"</c>).
    /// </summary>
    public static Tensor Pad(Tensor image, int left, int right, int top, int bottom, double fill = 0)
    {
        CheckImage(image, nameof(Pad));
        if (left < 0 || right < 0 || top < 0 || bottom < 0)
            throw new ArgumentOutOfRangeException(nameof(left), $"padding must be non-negative; got left {left}, right {right}, top {top}, bottom {bottom}");
        return ConstantPad(image, left, right, top, bottom, fill);
    }

    private static unsafe Tensor ConstantPad(Tensor image, int left, int right, int top, int bottom, double fill)
    {
        long* pad = stackalloc long[] { left, right, top, bottom };
        Scalar value = image.Dtype.IsFloatingPoint() ? fill : (long)fill;
        return Tensor.FromNative(NativeMethods.tk_constant_pad_nd(image.Handle, pad, 4, value.Double, value.Long, value.Kind));
    }

    /// <summary>
    /// Rotates the image by <paramref name="angle"/> degrees counter-clockwise about its centre,
    /// keeping its size (torchvision's <c>rotate</c> on tensors, <c>expand=False</c>): the inverse
    /// affine map is sampled with <c>grid_sample</c>. Without <paramref name="fill"/>, pixels from
    /// outside the image are zero; with it (one value, or one per channel) they take the fill
    /// colour, blended at the edges for bilinear sampling, as torchvision's fill mask does. A uint8
    /// image is sampled in float32 and rounded back.
    /// </summary>
    public static Tensor Rotate(Tensor image, double angle, InterpolationMode interpolation = InterpolationMode.Nearest,
        IReadOnlyList<double>? fill = null)
    {
        var (c, h, w) = CheckImage(image, nameof(Rotate));
        if (fill is not null) CheckPerChannel(fill, c, "fill", nameof(Rotate));
        int mode = interpolation switch
        {
            InterpolationMode.Bilinear => 0,
            InterpolationMode.Nearest => 1,
            _ => throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, "Rotate samples with Nearest or Bilinear (as torchvision's tensor rotate)."),
        };
        return Scoped(() =>
        {
            var dtype = image.Dtype.IsFloatingPoint() ? image.Dtype : ScalarType.Float32;
            var grid = RotationGrid(angle, h, w, dtype, image.Device);
            var batch = ToFloatBatch(image, dtype);
            if (fill is not null) batch = Torch.Cat(new[] { batch, Torch.Ones(new long[] { 1, 1, h, w }, dtype, image.Device) }, 1);
            var sampled = Tensor.FromNative(NativeMethods.tk_grid_sample(batch.Handle, grid.Handle, mode, 0, 0));
            if (fill is not null)
            {
                // The sampled ones channel says how much of each output pixel came from inside the image.
                var mask = sampled.Narrow(1, c, 1).Expand(1, c, h, w);
                sampled = sampled.Narrow(1, 0, c);
                var fillImage = PerChannel(fill, dtype, image.Device).Unsqueeze(0).Expand(1, c, h, w);
                sampled = interpolation == InterpolationMode.Nearest
                    ? fillImage.Where(mask.Lt(0.5), sampled)
                    : sampled * mask + (1.0 - mask) * fillImage;
            }
            return FromFloatBatch(sampled, image.Dtype);
        });
    }

    /// <summary>
    /// The sampling grid [1, H, W, 2] of a rotation about the image centre, built as torchvision's
    /// <c>_gen_affine_grid</c> does (pixel-centre coordinates, then the inverse rotation, then
    /// normalisation by half the image size), in <paramref name="dtype"/>.
    /// </summary>
    private static Tensor RotationGrid(double angle, int h, int w, ScalarType dtype, Device device)
    {
        // torchvision's inverse affine matrix for rotate(angle): rotation by -angle, centre at the origin.
        double radians = -angle * (Math.PI / 180.0);
        double cos = Math.Cos(radians), sin = Math.Sin(radians);
        var theta = Torch.FromArray(new[] { cos, sin, 0.0, -sin, cos, 0.0 }, 1, 2, 3).To(dtype);
        var halfSize = Torch.FromArray(new[] { 0.5 * w, 0.5 * h }).To(dtype);
        if (device.Type != DeviceType.Cpu)
        {
            theta = theta.To(device);
            halfSize = halfSize.To(device);
        }
        var rescaledTheta = theta.Transpose(1, 2).Div(halfSize);
        // Pixel centres, relative to the image centre: -w/2 + 0.5, ..., w/2 - 0.5 (exact in float).
        var xs = Torch.Arange(-w * 0.5 + 0.5, w * 0.5, 1, dtype, device).View(1, 1, w, 1).Expand(1, h, w, 1);
        var ys = Torch.Arange(-h * 0.5 + 0.5, h * 0.5, 1, dtype, device).View(1, h, 1, 1).Expand(1, h, w, 1);
        var ones = Torch.Ones(new long[] { 1, h, w, 1 }, dtype, device);
        var baseGrid = Torch.Cat(new[] { xs, ys, ones }, 3);
        return baseGrid.View(1, (long)h * w, 3).MatMul(rescaledTheta).View(1, h, w, 2);
    }

    /// <summary>[C, H, W] as a [1, C, H, W] tensor of a floating type (uint8 becomes float32, or <paramref name="floatType"/>).</summary>
    private static Tensor ToFloatBatch(Tensor image, ScalarType? floatType = null)
    {
        var batch = Dense(image).Unsqueeze(0);
        var dtype = image.Dtype;
        var target = floatType ?? (dtype.IsFloatingPoint() ? dtype : ScalarType.Float32);
        return dtype == target ? batch : batch.To(target);
    }

    /// <summary>
    /// A [1, C, H, W] float result back to a [C, H, W] image of <paramref name="dtype"/>: uint8
    /// results are rounded (halves to even) and clamped to 0..255 first, as torchvision does.
    /// </summary>
    private static Tensor FromFloatBatch(Tensor batch, ScalarType dtype)
    {
        var image = batch.Squeeze(0);
        if (image.Dtype == dtype) return image;
        if (dtype.IsFloatingPoint()) return image.To(dtype);
        return image.Round().Clamp_(0, Uint8Max).To(dtype);
    }
}
