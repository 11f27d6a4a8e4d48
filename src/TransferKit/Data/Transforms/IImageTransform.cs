using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// One step of an image pipeline, torchvision's <c>transforms</c> for tensors. Images are
/// <c>[C, H, W]</c> tensors: <c>uint8</c> in [0, 255] as decoded (after
/// <see cref="ImageFunctional.FromHwc"/>), or floating point in [0, 1] after
/// <see cref="ToTensor"/> / <see cref="ConvertImageDtype"/>.
/// </summary>
/// <remarks>
/// <para>
/// Randomness comes only from the <see cref="Random"/> passed to <see cref="Apply"/>, never from
/// libtorch's global generator, so a data loader that derives one <see cref="Random"/> per sample
/// from a seed gets the same augmentation for a sample whatever thread runs it.
/// </para>
/// <para>
/// Ownership: <see cref="Apply"/> never disposes or modifies its input and always returns a new
/// <see cref="Tensor"/> owner (registered in the caller's current <see cref="DisposeScope"/>, if
/// any), even when the pixels are unchanged. Intermediates are freed before it returns.
/// </para>
/// <para>
/// The built-in transforms are immutable, so one instance can serve several loader threads.
/// </para>
/// </remarks>
public interface IImageTransform
{
    /// <summary>Transforms one image, drawing any random parameters from <paramref name="random"/>.</summary>
    /// <param name="image">A <c>[C, H, W]</c> image tensor; it is left unchanged.</param>
    /// <param name="random">The source of random parameters; deterministic transforms ignore it.</param>
    /// <returns>A new tensor owner holding the result.</returns>
    Tensor Apply(Tensor image, Random random);

    /// <summary>
    /// True when the output depends only on the input, never on the <see cref="Random"/> (so, for
    /// example, backbone features of the transformed images can be computed once and cached).
    /// </summary>
    bool IsDeterministic { get; }
}

/// <summary>Conveniences for <see cref="IImageTransform"/>.</summary>
public static class ImageTransformExtensions
{
    /// <summary>
    /// Applies a deterministic transform (an evaluation pipeline, for example) without a
    /// <see cref="Random"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The transform is random; call
    /// <see cref="IImageTransform.Apply(Tensor, Random)"/> with a seeded <see cref="Random"/>.</exception>
    public static Tensor Apply(this IImageTransform transform, Tensor image)
    {
        ArgumentNullException.ThrowIfNull(transform);
        if (!transform.IsDeterministic)
            throw new InvalidOperationException(
                $"{transform} is random: call Apply(image, random) with a seeded System.Random so results are reproducible.");
        return transform.Apply(image, Random.Shared);
    }
}
