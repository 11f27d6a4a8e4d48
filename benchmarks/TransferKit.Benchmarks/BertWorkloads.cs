using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Training;

namespace Benchmarks;

/// <summary>
/// The BERT-MiniLM fine-tuning step compared with PyTorch (benchmarks/pytorch/workloads_bench.py,
/// group bert_b32, runs the same step with the reference BertModel of the test fixtures).
/// </summary>
public static class BertWorkloads
{
    /// <summary>
    /// One fine-tuning step of all-MiniLM-L6-v2's architecture (random initial weights: the cost
    /// does not depend on them) as a 2-class sequence classifier with mean pooling, in training mode
    /// (dropout on): zero_grad, forward, cross-entropy, backward, AdamW step (lr 5e-5, weight decay
    /// 0.01), on a fixed batch of <paramref name="batch"/> sequences of <paramref name="tokens"/>
    /// token ids with right padding (sequence n has 64 − 2·(n mod 16) real tokens when tokens is 64).
    /// </summary>
    public static Workload MiniLmTrainStep(int batch, int tokens)
    {
        Torch.ManualSeed(0);
        var model = new BertForSequenceClassification(BertConfig.MiniLmL6, 2, BertPooling.Mean);
        model.Train();
        var (ids, mask) = Inputs(batch, tokens);
        var inputs = new ModelInputs
        {
            { ModelInputs.InputIds, Torch.FromArray(ids, batch, tokens) },
            { ModelInputs.AttentionMask, Torch.FromArray(mask, batch, tokens) },
            { ModelInputs.TokenTypeIds, Torch.Zeros(new long[] { batch, tokens }, ScalarType.Int64) },
        };
        var labels = Torch.FromArray(Enumerable.Range(0, batch).Select(n => (long)(n % 2)).ToArray(), batch);
        var optimizer = new AdamW(model.Parameters(), 5e-5, weightDecay: 0.01);
        return new Workload(() =>
        {
            optimizer.ZeroGrad();
            using var scope = Torch.NewDisposeScope();
            var loss = Functional.CrossEntropy(model.Forward(inputs), labels);
            loss.Backward();
            optimizer.Step();
        }, () =>
        {
            optimizer.Dispose();
            model.Dispose();
            inputs.Dispose();
            labels.Dispose();
        });
    }

    /// <summary>The deterministic token ids and attention mask both sides use.</summary>
    private static (long[] Ids, long[] Mask) Inputs(int batch, int tokens)
    {
        var ids = new long[batch * tokens];
        var mask = new long[batch * tokens];
        for (int n = 0; n < batch; n++)
        {
            int length = Math.Max(2, tokens - 2 * (n % 16));
            for (int t = 0; t < length; t++)
            {
                ids[n * tokens + t] = t == 0 ? 101 : t == length - 1 ? 102 : 1000 + (n * 131 + t * 17) % 29000;
                mask[n * tokens + t] = 1;
            }
        }
        return (ids, mask);
    }
}
