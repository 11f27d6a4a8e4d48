using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// Resizes a ViT's learned position embeddings to another patch grid, for weights trained at one
/// image size used at another: torchvision's <c>interpolate_embeddings</c> (the [CLS] position kept,
/// the n × n grid of patch positions resampled bicubically with <c>align_corners=True</c>).
/// </summary>
public static class VitPositionEmbedding
{
    /// <summary>
    /// <paramref name="positionEmbedding"/> [1, 1 + n², D] resized to [1, 1 + g², D] for a
    /// <paramref name="grid"/> × <paramref name="grid"/> patch grid (a new tensor; differentiable).
    /// </summary>
    /// <exception cref="ArgumentException">The embeddings are not [1, 1 + n², D] for a whole n.</exception>
    public static Tensor Interpolate(Tensor positionEmbedding, int grid)
    {
        ArgumentNullException.ThrowIfNull(positionEmbedding);
        ArgumentOutOfRangeException.ThrowIfLessThan(grid, 1);
        long patches = positionEmbedding.NDim == 3 ? positionEmbedding.Size(1) - 1 : -1;
        long side = patches > 0 ? (long)Math.Round(Math.Sqrt(patches)) : 0;
        if (positionEmbedding.NDim != 3 || positionEmbedding.Size(0) != 1 || side * side != patches)
            throw new ArgumentException(
                $"Position embeddings must be [1, 1 + n², D] (a [CLS] position and an n × n grid); got [{string.Join(", ", positionEmbedding.Shape)}].", nameof(positionEmbedding));
        long dim = positionEmbedding.Size(2);
        using var scope = Torch.NewDisposeScope();
        var token = positionEmbedding.Narrow(1, 0, 1);
        var image = positionEmbedding.Narrow(1, 1, patches).Permute(0, 2, 1).Reshape(1, dim, side, side);
        var resized = Tensor.FromNative(NativeMethods.tk_upsample_bicubic2d(image.Handle, grid, grid, 1, 0));
        var flat = resized.Reshape(1, dim, (long)grid * grid).Permute(0, 2, 1);
        return scope.MoveToOuter(Torch.Cat(new[] { token, flat }, 1));
    }
}
