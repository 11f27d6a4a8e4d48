using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// Applies transforms in order (torchvision's <c>Compose</c>), all drawing from the same
/// <see cref="Random"/>. Intermediate images are disposed as soon as the next step has used them.
/// A <see cref="ToTensor"/> directly followed by a <see cref="Normalize"/> runs as one native pass
/// over a uint8 image (same float32 arithmetic, identical values).
/// <code>
/// var train = new Compose(
///     new RandomResizedCrop(224), new RandomHorizontalFlip(),
///     new ToTensor(), new Normalize(Normalize.ImageNetMean, Normalize.ImageNetStd));
/// using var x = train.Apply(image, new Random(seed));
/// </code>
/// </summary>
public sealed class Compose : IImageTransform
{
    private readonly IImageTransform[] _transforms;

    /// <summary>Creates a pipeline of the given transforms, applied first to last.</summary>
    public Compose(params IImageTransform[] transforms) : this((IEnumerable<IImageTransform>)transforms) { }

    /// <summary>Creates a pipeline of the given transforms, applied first to last.</summary>
    public Compose(IEnumerable<IImageTransform> transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        _transforms = transforms.ToArray();
        for (int k = 0; k < _transforms.Length; k++)
            if (_transforms[k] is null) throw new ArgumentNullException(nameof(transforms), $"transform {k} is null");
    }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<IImageTransform> Transforms => _transforms;

    /// <summary>True when every step is deterministic.</summary>
    public bool IsDeterministic => _transforms.All(t => t.IsDeterministic);

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(random);
        if (_transforms.Length == 0) return image.Alias();
        // The scope frees whatever a failing step leaves behind; on success only the result survives.
        using var scope = Torch.NewDisposeScope();
        Tensor current = image;
        for (int k = 0; k < _transforms.Length; k++)
        {
            var transform = _transforms[k];
            Tensor next;
            if (transform is ToTensor && k + 1 < _transforms.Length && _transforms[k + 1] is Normalize normalize)
            {
                // Both steps in one pass, with the same arithmetic (ImageFunctional.ToTensorNormalize).
                next = ImageFunctional.ToTensorNormalize(current, normalize.Mean, normalize.Std);
                k++;
            }
            else
            {
                next = transform.Apply(current, random);
            }
            // A custom transform that hands back its input still yields a separate owner.
            if (ReferenceEquals(next, current)) next = current.Alias();
            if (!ReferenceEquals(current, image)) current.Dispose();
            current = next;
        }
        return scope.Include(current).MoveToOuterDisposeScope();
    }

    /// <summary>The steps in torchvision's notation, e.g. <c>Compose(Resize(256, ...), CenterCrop(224, 224))</c>.</summary>
    public override string ToString() => $"Compose({string.Join(", ", _transforms.Select(t => t.ToString()))})";
}
