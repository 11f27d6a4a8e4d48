using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// A user function as a transform step (torchvision's <c>transforms.Lambda</c>), for pipelines and
/// loaders, which take transform objects: <c>new Lambda((image, _) => image.To(ScalarType.Float32).Flatten(), isDeterministic: true)</c>.
/// The function must follow <see cref="IImageTransform"/>'s contract: leave its input unchanged,
/// return a new tensor owner, and draw randomness only from the <see cref="Random"/> it is given.
/// </summary>
public sealed class Lambda : IImageTransform
{
    private readonly Func<Tensor, Random, Tensor> _function;
    private readonly string _name;

    /// <summary>Wraps <paramref name="function"/>.</summary>
    /// <param name="function">The step: image and per-sample random generator in, new tensor out.</param>
    /// <param name="isDeterministic">True when the result never depends on the <see cref="Random"/> (lets features of it be cached).</param>
    /// <param name="name">Shown by <see cref="ToString"/>.</param>
    public Lambda(Func<Tensor, Random, Tensor> function, bool isDeterministic, string? name = null)
    {
        _function = function ?? throw new ArgumentNullException(nameof(function));
        IsDeterministic = isDeterministic;
        _name = name ?? function.Method.Name;
    }

    /// <inheritdoc />
    public bool IsDeterministic { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(random);
        var result = _function(image, random);
        // The contract wants a new owner: a function returning its input hands back an alias.
        return ReferenceEquals(result, image) ? image.Alias() : result;
    }

    /// <inheritdoc />
    public override string ToString() => $"Lambda({_name})";
}
