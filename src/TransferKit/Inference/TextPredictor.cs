using TransferKit.Engine;
using TransferKit.NN;
using TransferKit.Text;

namespace TransferKit.Inference;

/// <summary>
/// Predicts labels for texts with any trained text classifier: a <see cref="Module"/> whose
/// <see cref="Module.Forward(ModelInputs)"/> reads <c>input_ids</c>, <c>attention_mask</c> (and
/// <c>token_type_ids</c>) and returns logits [N, classes]. Texts are tokenized with the model's
/// tokenizer, cut at <see cref="MaxLength"/> tokens and padded per batch; the network runs without
/// gradients. Safe to use from several threads at once (the model is in evaluation mode and never
/// modified). The model stays owned by the caller.
/// </summary>
public sealed class TextPredictor
{
    private readonly Module _model;
    private readonly BertTokenizer _tokenizer;

    /// <summary>Wraps a model, which is switched to evaluation mode.</summary>
    /// <param name="model">The classifier: logits [N, <paramref name="labels"/>.Count] from <see cref="ModelInputs"/>.</param>
    /// <param name="tokenizer">The tokenizer the model was trained with.</param>
    /// <param name="labels">Class names, by logit index.</param>
    /// <param name="maxLength">Longest encoding in tokens (as in training); null means the tokenizer's maximum.</param>
    /// <param name="topK">How many classes <see cref="Prediction.TopK"/> lists.</param>
    public TextPredictor(Module model, BertTokenizer tokenizer, IReadOnlyList<string> labels, int? maxLength = null, int topK = 5)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0) throw new ArgumentException("A classifier needs at least one label.", nameof(labels));
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        MaxLength = maxLength ?? tokenizer.Options.MaxLength;
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLength, 3, nameof(maxLength));
        Labels = labels.ToArray();
        TopK = Math.Min(topK, labels.Count);
        _model.Eval();
    }

    /// <summary>Class names.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>How many classes <see cref="Prediction.TopK"/> lists.</summary>
    public int TopK { get; }

    /// <summary>Longest encoding in tokens; longer texts are cut.</summary>
    public int MaxLength { get; }

    /// <summary>Predicts one text (with an optional second text, for pair classifiers).</summary>
    public Prediction Predict(string text, string? pair = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Run([_tokenizer.Encode(text, pair, MaxLength)])[0];
    }

    /// <summary>Predicts several texts, <paramref name="batchSize"/> at a time; one prediction per text, in order.</summary>
    public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<string> texts, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var results = new List<Prediction>(texts.Count);
        foreach (var chunk in texts.Chunk(batchSize))
            results.AddRange(Run(chunk.Select(t => _tokenizer.Encode(t ?? throw new ArgumentException("A text is null.", nameof(texts)), maxLength: MaxLength)).ToArray()));
        return results;
    }

    private IReadOnlyList<Prediction> Run(IReadOnlyList<TextEncoding> encodings)
    {
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        using var inputs = EncodingBatch.ToModelInputs(encodings, _tokenizer.PaddingId);
        return PredictionBuilder.FromLogits(_model.Forward(inputs), Labels, TopK);
    }
}
