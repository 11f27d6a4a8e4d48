using TransferKit.Engine;

namespace TransferKit.Inference;

/// <summary>Turns a model's logits into <see cref="Prediction"/>s, for the image and text predictors alike.</summary>
internal static class PredictionBuilder
{
    /// <summary>One prediction per row of <paramref name="logits"/> [N, classes]: softmax, best class, every probability, top-k.</summary>
    /// <exception cref="InvalidOperationException">The logits are not [N, labels.Count].</exception>
    public static IReadOnlyList<Prediction> FromLogits(Tensor logits, IReadOnlyList<string> labels, int topK)
    {
        if (logits.NDim != 2 || logits.Size(1) != labels.Count)
            throw new InvalidOperationException($"The model returned [{string.Join(", ", logits.Shape)}], not the logits [N, {labels.Count}] of its {labels.Count} labels.");
        using var probabilities = logits.Softmax(1).To(ScalarType.Float64);
        int classes = labels.Count;
        double[] all = probabilities.ToArray<double>();
        var predictions = new Prediction[probabilities.Size(0)];
        for (int n = 0; n < predictions.Length; n++)
        {
            var row = all.AsSpan(n * classes, classes).ToArray();
            var top = Enumerable.Range(0, classes).OrderByDescending(k => row[k]).ThenBy(k => k).Take(topK)
                .Select(k => new ClassScore(labels[k], k, row[k])).ToArray();
            predictions[n] = new Prediction(top[0].Label, top[0].Index, top[0].Probability, row, top);
        }
        return predictions;
    }
}
