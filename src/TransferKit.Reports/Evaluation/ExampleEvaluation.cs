using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.NN;
using TransferKit.Training;

namespace TransferKit.Reports;

/// <summary>The result of evaluating a model example by example for a report.</summary>
/// <param name="Confusion">The confusion matrix (null when the targets were not class indices).</param>
/// <param name="TopLosses">The examples with the highest losses, highest first.</param>
/// <param name="MisclassifiedTexts">Misclassified examples shown as text, highest loss first (empty for other inputs).</param>
/// <param name="Examples">Examples evaluated.</param>
internal sealed record ExampleEvaluationResult(ConfusionMatrix? Confusion, IReadOnlyList<ExampleLoss> TopLosses, IReadOnlyList<ExampleLoss> MisclassifiedTexts, long Examples);

/// <summary>
/// Runs a model over data in evaluation mode without gradients and keeps, per example, its
/// cross-entropy, prediction and confidence: the top losses, the misclassified text examples and
/// the confusion matrix. Only the examples kept are rendered.
/// </summary>
internal static class ExampleEvaluation
{
    public static ExampleEvaluationResult Run(Module model, IEnumerable<Batch> data, Func<Batch, ExampleRenderer> renderer,
        int topLossCount, int misclassifiedTextCount, CancellationToken cancellationToken = default)
    {
        var top = new Ranked(topLossCount);
        var texts = new Ranked(misclassifiedTextCount);
        ConfusionMatrix? confusion = null;
        bool classIndices = true;
        long examples = 0;
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var noGrad = Torch.NoGrad();
            ExampleRenderer? render = null;
            bool? isText = null;
            foreach (var batch in data)
            {
                using (batch)
                using (var scope = Torch.NewDisposeScope())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var outputs = model.Forward(batch.Inputs).To(ScalarType.Float32);
                    if (outputs.NDim != 2 || batch.Targets.NDim != 1)
                    {
                        classIndices = false; // multi-label or regression: no per-class view
                        break;
                    }
                    confusion ??= new ConfusionMatrix((int)outputs.Size(1));
                    confusion.Add(outputs, batch.Targets);
                    int classes = (int)outputs.Size(1);
                    float[] logp = outputs.LogSoftmax(1).Contiguous().ToArray<float>();
                    long[] targets = batch.Targets.To(ScalarType.Int64).ToArray<long>();
                    render ??= renderer(batch);
                    for (int k = 0; k < targets.Length; k++)
                    {
                        int actual = (int)targets[k], predicted = 0;
                        for (int c = 1; c < classes; c++)
                            if (logp[k * classes + c] > logp[k * classes + predicted]) predicted = c;
                        double loss = -logp[k * classes + actual];
                        bool forTop = top.Accepts(loss);
                        bool forText = isText != false && predicted != actual && texts.Accepts(loss);
                        if (!forTop && !forText) continue;
                        var example = render.Render(batch, k);
                        isText ??= example.Text is not null;
                        var item = new ExampleLoss(example, actual, predicted, Math.Exp(logp[k * classes + predicted]), loss);
                        if (forTop) top.Add(item);
                        if (forText && example.Text is not null) texts.Add(item);
                    }
                    examples += targets.Length;
                }
            }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return classIndices
            ? new ExampleEvaluationResult(confusion, top.Items, texts.Items, examples)
            : new ExampleEvaluationResult(null, Array.Empty<ExampleLoss>(), Array.Empty<ExampleLoss>(), examples);
    }

    /// <summary>The <c>capacity</c> items of highest loss seen so far, highest first.</summary>
    private sealed class Ranked(int capacity)
    {
        private readonly List<ExampleLoss> _items = new();

        public IReadOnlyList<ExampleLoss> Items => _items;

        public bool Accepts(double loss) => capacity > 0 && !double.IsNaN(loss) && (_items.Count < capacity || loss > _items[^1].Loss);

        public void Add(ExampleLoss item)
        {
            int at = _items.FindIndex(i => item.Loss > i.Loss);
            _items.Insert(at < 0 ? _items.Count : at, item);
            if (_items.Count > capacity) _items.RemoveAt(_items.Count - 1);
        }
    }
}
