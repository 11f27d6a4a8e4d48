using System.Collections;
using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Text;

/// <summary>Settings of a <see cref="TextDataLoader"/>.</summary>
public sealed record TextLoaderOptions
{
    /// <summary>Texts per batch. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Shuffle the order each epoch (reproducibly, from <see cref="Seed"/> and the epoch). Default false.</summary>
    public bool Shuffle { get; init; }

    /// <summary>Seed of the shuffling: same seed and epoch, same batches.</summary>
    public ulong Seed { get; init; }

    /// <summary>Drop a last, incomplete batch. Default false.</summary>
    public bool DropLast { get; init; }

    /// <summary>Longest encoding in tokens, special tokens included; null means the tokenizer's <see cref="BertTokenizerOptions.MaxLength"/>.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate() => new OptionsCheck(nameof(TextLoaderOptions))
        .Require(BatchSize > 0, $"BatchSize must be positive; got {BatchSize}.")
        .Require(MaxLength is null or >= 3, $"MaxLength must be at least 3 ([CLS] text [SEP]); got {MaxLength}.")
        .ThrowIfAny();
}

/// <summary>
/// Turns a labelled text dataset into mini-batches for the <see cref="Training.Trainer"/>: each batch
/// holds <c>input_ids</c>, <c>attention_mask</c> and <c>token_type_ids</c> (int64 [N, T]), padded to
/// its longest text and cut at <see cref="TextLoaderOptions.MaxLength"/>, and int64 targets [N]. The
/// batch plan (order, seeded shuffle, drop-last) is the image and audio loaders' <see cref="EpochPlan"/>;
/// each text is tokenized once and its encoding reused in later epochs. Each enumeration is one epoch;
/// the consumer disposes the batches. <see cref="MakeBatch"/> may be called from several threads.
/// </summary>
public sealed class TextDataLoader : IReadOnlyCollection<Batch>, IEpochAware
{
    private readonly IDataset<TextSample> _dataset;
    private readonly BertTokenizer _tokenizer;
    private readonly TextEncoding?[] _encodings;
    private readonly int _maxLength;
    private int _nextEpoch = 1;

    /// <summary>Creates the loader.</summary>
    /// <param name="dataset">The labelled texts (a <see cref="TextClassificationDataset"/> or your own).</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="options">Batching settings; defaults when null.</param>
    public TextDataLoader(IDataset<TextSample> dataset, BertTokenizer tokenizer, TextLoaderOptions? options = null)
    {
        _dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        Options = options ?? new TextLoaderOptions();
        Options.Validate();
        _maxLength = Options.MaxLength ?? tokenizer.Options.MaxLength;
        _encodings = new TextEncoding?[dataset.Count];
    }

    /// <summary>The settings.</summary>
    public TextLoaderOptions Options { get; }

    /// <summary>The dataset.</summary>
    public IDataset<TextSample> Dataset => _dataset;

    /// <summary>Batches per epoch.</summary>
    public int Count => EpochPlan.BatchCount(_dataset.Count, Options.BatchSize, Options.DropLast);

    /// <inheritdoc />
    public void SetEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epoch);
        _nextEpoch = epoch;
    }

    /// <summary>Enumerates one epoch (the next one, or the one given to <see cref="SetEpoch"/>).</summary>
    public IEnumerator<Batch> GetEnumerator() => Batches().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Enumerates one epoch, stopping with <see cref="OperationCanceledException"/> before the next batch once cancelled.</summary>
    public IEnumerable<Batch> Batches(CancellationToken cancellationToken = default)
    {
        int epoch = _nextEpoch++;
        return Enumerate(EpochPlan.Batches(_dataset.Count, Options.BatchSize, Options.Shuffle, Options.Seed, Options.DropLast, epoch), cancellationToken);
    }

    private IEnumerable<Batch> Enumerate(int[][] plan, CancellationToken cancellationToken)
    {
        foreach (var indices in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return MakeBatch(indices);
        }
    }

    /// <summary>The batch of the given samples, padded to the longest of them.</summary>
    public Batch MakeBatch(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Count == 0) throw new ArgumentException("A batch needs at least one sample.", nameof(indices));
        var encodings = new TextEncoding[indices.Count];
        var targets = new long[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            var sample = _dataset.Get(indices[k]);
            targets[k] = sample.Label;
            encodings[k] = _encodings[indices[k]] ??= _tokenizer.Encode(sample.Text, maxLength: _maxLength);
        }
        using var scope = Torch.NewDisposeScope();
        var batch = new Batch(EncodingBatch.ToModelInputs(encodings, _tokenizer.PaddingId), Torch.FromArray(targets, targets.Length));
        foreach (var t in batch.Inputs.Values.Append(batch.Targets)) t.DetachFromDisposeScope();
        return batch;
    }
}
