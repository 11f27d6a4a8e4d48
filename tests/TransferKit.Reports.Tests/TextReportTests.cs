using TransferKit.Data;
using TransferKit.NN;
using TransferKit.Reports.Html;

namespace TransferKit.Reports.Tests;

[Trait("Category", "Unit")]
public class TextReportTests
{
    /// <summary>Answers class 1 with probability 0.9 when an example's first token id is odd, else class 0 with 0.9.</summary>
    private sealed class ParityOfFirstToken : Module
    {
        public override Tensor Forward(Tensor input) => throw new NotSupportedException();

        public override Tensor Forward(ModelInputs inputs)
        {
            long[] ids = inputs[ModelInputs.InputIds].ToArray<long>();
            long width = inputs[ModelInputs.InputIds].Size(1);
            int n = (int)(ids.Length / width);
            var logits = new float[n * 2];
            for (int k = 0; k < n; k++) logits[k * 2 + (int)(ids[k * width] % 2)] = (float)Math.Log(9);
            return Torch.FromArray(logits, n, 2);
        }
    }

    private static string[] Sentences => ["1 <b>odd</b> & bold", "2 even", "3 odd again", "4 \"even\" <script>"];

    private static IEnumerable<Batch> Data()
    {
        // Token ids are the sentences' indices + 1 in the first position; targets make sentences 0 and 3 wrong.
        yield return new Batch(new ModelInputs { { ModelInputs.InputIds, Torch.FromArray(new long[] { 1, 0, 2, 0 }, 2, 2) } }, Torch.FromArray(new long[] { 0, 0 }, 2));
        yield return new Batch(new ModelInputs { { ModelInputs.InputIds, Torch.FromArray(new long[] { 3, 0, 4, 0 }, 2, 2) } }, Torch.FromArray(new long[] { 1, 1 }, 2));
    }

    [Fact]
    public void MisclassifiedSentencesAreListedEscapedWithTheirLossHighestFirst()
    {
        using var model = new ParityOfFirstToken();
        var renderer = new TextExampleRenderer(ids => Sentences[ids[0] - 1]);
        var result = ExampleEvaluation.Run(model, Data(), _ => renderer, topLossCount: 2, misclassifiedTextCount: 10);

        Assert.Equal(4, result.Examples);
        Assert.Equal(2, result.MisclassifiedTexts.Count);
        Assert.All(result.MisclassifiedTexts, t => Assert.InRange(t.Loss, -Math.Log(0.1) - 1e-5, -Math.Log(0.1) + 1e-5));
        Assert.All(result.MisclassifiedTexts, t => Assert.InRange(t.Confidence, 0.9 - 1e-6, 0.9 + 1e-6));
        Assert.Equal(new[] { Sentences[0], Sentences[3] }.Order(), result.MisclassifiedTexts.Select(t => t.Example.Text!).Order());
        Assert.Equal(2, result.Confusion![0, 1] + result.Confusion[1, 0]);

        var report = new TrainingReport { ClassNames = ["neg", "pos"], EvaluationSource = "test" };
        foreach (var t in result.MisclassifiedTexts) report.MisclassifiedTexts.Add(t);
        foreach (var t in result.TopLosses) report.TopLosses.Add(t);
        string section = HtmlPage.Section(report.ToHtml(), "misclassified");
        Assert.Contains("1 &lt;b&gt;odd&lt;/b&gt; &amp; bold", section);
        Assert.Contains("4 &quot;even&quot; &lt;script&gt;", section);
        Assert.DoesNotContain("<b>odd", report.ToHtml());
        Assert.DoesNotContain("<script>", report.ToHtml());
    }
}
