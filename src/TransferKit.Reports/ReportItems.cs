namespace TransferKit.Reports;

/// <summary>An example of the sample grid with its caption (its label).</summary>
/// <param name="Example">What is shown.</param>
/// <param name="Caption">The label.</param>
public sealed record LabelledExample(ReportExample Example, string Caption);

/// <summary>An evaluated example: what the model predicted for it and its loss (the top losses, misclassified sentences).</summary>
/// <param name="Example">What is shown.</param>
/// <param name="Actual">The true class index.</param>
/// <param name="Predicted">The predicted class index (arg-max).</param>
/// <param name="Confidence">The predicted class's probability (softmax).</param>
/// <param name="Loss">The example's cross-entropy, −log p(true class).</param>
public sealed record ExampleLoss(ReportExample Example, int Actual, int Predicted, double Confidence, double Loss)
{
    /// <summary>True when the prediction is wrong.</summary>
    public bool IsMisclassified => Actual != Predicted;
}

/// <summary>Parameter counts of the trained model.</summary>
/// <param name="Total">All parameters.</param>
/// <param name="Trainable">Those that require gradients.</param>
public sealed record ParameterCounts(long Total, long Trainable)
{
    /// <summary>Frozen parameters (not trained).</summary>
    public long Frozen => Total - Trainable;
}
