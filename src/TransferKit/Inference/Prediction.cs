namespace TransferKit.Inference;

/// <summary>One class with its probability.</summary>
/// <param name="Label">Class name.</param>
/// <param name="Index">Class index.</param>
/// <param name="Probability">Softmax probability.</param>
public sealed record ClassScore(string Label, int Index, double Probability);

/// <summary>The prediction for one input (an image, a text).</summary>
/// <param name="Label">The most probable class.</param>
/// <param name="Index">Its index.</param>
/// <param name="Confidence">Its probability.</param>
/// <param name="Probabilities">Every class's probability, by index.</param>
/// <param name="TopK">The most probable classes, best first.</param>
public sealed record Prediction(string Label, int Index, double Confidence, IReadOnlyList<double> Probabilities, IReadOnlyList<ClassScore> TopK)
{
    /// <inheritdoc />
    public override string ToString() => $"{Label} ({Confidence:P1})";
}
