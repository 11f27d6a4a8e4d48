using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>How a sequence classifier turns token vectors into one vector per sequence.</summary>
public enum BertPooling
{
    /// <summary>BERT's pooler: tanh(dense([CLS] vector)) (Hugging Face's <c>BertForSequenceClassification</c>).</summary>
    Pooler,

    /// <summary>The mean of the token vectors over the attention mask (sentence-transformers' pooling).</summary>
    Mean,
}

/// <summary>
/// A BERT encoder with a classification head, with Hugging Face's <c>BertForSequenceClassification</c>
/// keys (<c>bert.*</c>, <c>classifier.weight</c>, <c>classifier.bias</c>): pooled vector → dropout →
/// linear. <see cref="BertPooling.Mean"/> pools the token vectors over the attention mask instead of
/// using the pooler (then the pooler's weights stay in the state dict but are unused). Reads
/// <see cref="ModelInputs.InputIds"/>, <see cref="ModelInputs.AttentionMask"/> and
/// <see cref="ModelInputs.TokenTypeIds"/>; returns logits [N, classes].
/// </summary>
public sealed class BertForSequenceClassification : Module
{
    private readonly double _dropout;

    /// <summary>Creates the model with a new encoder of <paramref name="config"/> and a head initialised from N(0, initializer_range).</summary>
    public BertForSequenceClassification(BertConfig config, long numLabels, BertPooling pooling = BertPooling.Pooler, double? classifierDropout = null)
        : this(new BertModel(config), numLabels, pooling, classifierDropout) { }

    /// <summary>Wraps an encoder (which the model then owns) with a new head.</summary>
    /// <param name="bert">The encoder, e.g. pretrained.</param>
    /// <param name="numLabels">Number of classes.</param>
    /// <param name="pooling">How sequences are pooled.</param>
    /// <param name="classifierDropout">Dropout before the head; the encoder's hidden dropout when null (as Hugging Face).</param>
    public BertForSequenceClassification(BertModel bert, long numLabels, BertPooling pooling = BertPooling.Pooler, double? classifierDropout = null)
    {
        ArgumentNullException.ThrowIfNull(bert);
        if (numLabels <= 0) throw new ArgumentOutOfRangeException(nameof(numLabels), numLabels, "the number of labels must be positive");
        if (classifierDropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(classifierDropout), classifierDropout, "dropout must be in [0, 1)");
        if (pooling == BertPooling.Pooler && !bert.HasPooler)
            throw new ArgumentException("Pooler pooling needs an encoder built with its pooling layer.", nameof(bert));
        Bert = RegisterModule("bert", bert);
        var head = RegisterModule("classifier", new Linear(bert.Config.HiddenSize, numLabels));
        BertModel.InitWeights(head, bert.Config.InitializerRange);
        Pooling = pooling;
        _dropout = classifierDropout ?? bert.Config.HiddenDropoutProb;
    }

    /// <summary>The encoder (<c>bert.*</c>).</summary>
    public BertModel Bert { get; }

    /// <summary>The head (<c>classifier.*</c>).</summary>
    public Linear Classifier => (Linear)GetSubmodule("classifier");

    /// <summary>How sequences are pooled.</summary>
    public BertPooling Pooling { get; }

    /// <summary>Number of classes.</summary>
    public long NumLabels => Classifier.OutFeatures;

    /// <summary>The head's input [N, H]: the pooled vector of each sequence (before dropout).</summary>
    public Tensor ForwardFeatures(ModelInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        using var output = Bert.Run(inputs);
        if (Pooling == BertPooling.Pooler) return output.PoolerOutput!.Alias();
        if (inputs.TryGetValue(ModelInputs.AttentionMask, out var mask)) return Functional.MaskedMeanPool(output.LastHiddenState, mask);
        return output.LastHiddenState.Mean(1);
    }

    /// <summary>Logits [N, classes] of a batch.</summary>
    public override Tensor Forward(ModelInputs inputs)
    {
        using var features = ForwardFeatures(inputs);
        using var dropped = Functional.Dropout(features, _dropout, Training);
        return Classifier.Forward(dropped);
    }

    /// <summary>Logits of token ids [N, T] without padding.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var inputs = new ModelInputs(ModelInputs.InputIds, input.Alias());
        return Forward(inputs);
    }
}
