using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>
/// wav2vec2 with Hugging Face's <c>Wav2Vec2ForSequenceClassification</c> head and keys (<c>wav2vec2.*</c>,
/// <c>projector.*</c>, <c>classifier.*</c>): frame vectors → projector (hidden → <c>classifier_proj_size</c>) →
/// mean over the unpadded frames → classifier. Reads <see cref="ModelInputs.InputValues"/> [N, L] and optionally
/// <see cref="ModelInputs.Lengths"/> [N] (or <see cref="ModelInputs.AttentionMask"/> [N, L]); returns logits [N, classes].
/// </summary>
public sealed class Wav2Vec2ForSequenceClassification : Module
{
    /// <summary>Creates the model with a new encoder of <paramref name="config"/> and <see cref="Wav2Vec2Config.NumLabels"/> classes.</summary>
    public Wav2Vec2ForSequenceClassification(Wav2Vec2Config config) : this(new Wav2Vec2Model(config), config.NumLabels) { }

    /// <summary>Wraps an encoder (which the model then owns) with a new head initialised from N(0, initializer_range).</summary>
    /// <param name="wav2vec2">The encoder, e.g. pretrained.</param>
    /// <param name="numLabels">Number of classes.</param>
    public Wav2Vec2ForSequenceClassification(Wav2Vec2Model wav2vec2, long numLabels)
    {
        ArgumentNullException.ThrowIfNull(wav2vec2);
        if (numLabels <= 0) throw new ArgumentOutOfRangeException(nameof(numLabels), numLabels, "the number of labels must be positive");
        Wav2Vec2 = RegisterModule("wav2vec2", wav2vec2);
        var config = wav2vec2.Config;
        Projector = RegisterModule("projector", new Linear(config.HiddenSize, config.ClassifierProjSize));
        Classifier = RegisterModule("classifier", new Linear(config.ClassifierProjSize, numLabels));
        Wav2Vec2Model.InitWeights(Projector, config.InitializerRange);
        Wav2Vec2Model.InitWeights(Classifier, config.InitializerRange);
    }

    /// <summary>The encoder (<c>wav2vec2.*</c>).</summary>
    public Wav2Vec2Model Wav2Vec2 { get; }

    /// <summary>The projection before pooling (<c>projector.*</c>).</summary>
    public Linear Projector { get; }

    /// <summary>The head (<c>classifier.*</c>).</summary>
    public Linear Classifier { get; }

    /// <summary>Number of classes.</summary>
    public long NumLabels => Classifier.OutFeatures;

    /// <summary>Stops training the convolutional feature encoder (Hugging Face's <c>freeze_feature_encoder</c>).</summary>
    public void FreezeFeatureEncoder() => Wav2Vec2.FreezeFeatureEncoder();

    /// <summary>Stops training the whole encoder, leaving projector and classifier trainable (Hugging Face's <c>freeze_base_model</c>).</summary>
    public void FreezeBaseModel() => Wav2Vec2.RequiresGrad_(false);

    /// <summary>The classifier's input [N, classifier_proj_size]: the projected frame vectors averaged over the unpadded frames.</summary>
    public Tensor ForwardFeatures(ModelInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        using var output = Wav2Vec2.Run(inputs);
        using var projected = Projector.Forward(output.LastHiddenState);
        return output.FrameMask is { } mask ? Functional.MaskedMeanPool(projected, mask) : projected.Mean(1);
    }

    /// <summary>Logits [N, classes] of a batch.</summary>
    public override Tensor Forward(ModelInputs inputs)
    {
        using var features = ForwardFeatures(inputs);
        return Classifier.Forward(features);
    }

    /// <summary>Logits of unpadded waveforms [N, L].</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var inputs = new ModelInputs(ModelInputs.InputValues, input.Alias());
        return Forward(inputs);
    }
}
