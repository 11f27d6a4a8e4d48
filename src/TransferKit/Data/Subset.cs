using System.Diagnostics.CodeAnalysis;

namespace TransferKit.Data;

/// <summary>A view of some samples of another dataset, in a given order (PyTorch's <c>Subset</c>).</summary>
public sealed class Subset : IEncodedImageDataset
{
    private readonly IImageDataset _source;
    private readonly int[] _indices;

    /// <summary>Creates the view; every index must be valid in <paramref name="source"/>.</summary>
    public Subset(IImageDataset source, IEnumerable<int> indices)
    {
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _indices = indices.ToArray();
        foreach (int i in _indices) DatasetGuard.CheckIndex(i, source.Count);
    }

    /// <summary>The source dataset's indices of this subset's samples.</summary>
    public IReadOnlyList<int> Indices => _indices;

    /// <inheritdoc />
    public int Count => _indices.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> Classes => _source.Classes;

    /// <inheritdoc />
    public ImageSample Get(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        return _source.Get(_indices[index]);
    }

    /// <summary>The source's encoded image, when the source is an <see cref="IEncodedImageDataset"/> that has one.</summary>
    public bool TryGetEncoded(int index, [NotNullWhen(true)] out EncodedImage? encoded)
    {
        DatasetGuard.CheckIndex(index, Count);
        encoded = null;
        return _source is IEncodedImageDataset source && source.TryGetEncoded(_indices[index], out encoded);
    }

    /// <inheritdoc />
    public long GetLabel(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        return _source.GetLabel(_indices[index]);
    }
}

/// <summary>Seeded train/validation splits.</summary>
public static class DatasetSplit
{
    /// <summary>Shuffles the samples with <paramref name="seed"/> and puts <paramref name="validationFraction"/> of them in the validation part.</summary>
    public static (Subset Train, Subset Validation) Random(IImageDataset dataset, double validationFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var (train, validation) = SplitPlan.Random(dataset.Count, validationFraction, seed);
        return (new Subset(dataset, train), new Subset(dataset, validation));
    }

    /// <summary>
    /// Splits each class separately, so both parts keep the class proportions (each class
    /// contributes round(count × fraction) samples to validation).
    /// </summary>
    public static (Subset Train, Subset Validation) Stratified(IImageDataset dataset, double validationFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var (train, validation) = SplitPlan.Stratified(dataset.Count, dataset.GetLabel, validationFraction, seed);
        return (new Subset(dataset, train), new Subset(dataset, validation));
    }
}
