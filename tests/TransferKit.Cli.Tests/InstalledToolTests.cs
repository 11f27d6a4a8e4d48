using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.Inference;
using TransferKit.Serialization;
using TransferKit.Tests.Transfer;
using TransferKit.Transfer;

namespace TransferKit.Cli.Tests;

/// <summary>
/// The `transferkit` tool as installed from its package (`dotnet tool install --add-source`), run as
/// a child process: training, prediction, export and inspection checked against the library
/// in-process and ONNX Runtime; the native shim found inside the tool's own package.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PackagesCollection.Name)]
public sealed class InstalledToolTests(PackedPackages packages)
{
    [Fact]
    public void TrainPredictJsonAndExportOnnxThroughTheInstalledToolAgreeWithTheLibraryAndOnnxRuntime()
    {
        using var images = new ImageFolderFixture(trainValSplit: false, perClass: 24);
        string work = packages.NewFolder("train");

        var train = packages.RunTool(work, ["train", images.Root, .. PackedPackages.SmallModel, "--epochs", "3", "--out", "model.tkmodel", "--report", "report.html"]);
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Contains("epoch 4/4", train.StdOut);  // one head epoch, then three
        string model = Path.Combine(work, "model.tkmodel");
        Assert.True(File.Exists(model), train.ToString());
        Assert.False(File.Exists(model + ".ckpt"), "the checkpoint of a finished run is removed");
        CheckReport(Path.Combine(work, "report.html"));

        var predict = packages.RunTool(work, "predict", "model.tkmodel", images.Root, "--json", "--top", "2");
        Assert.True(predict.ExitCode == 0, predict.ToString());
        var results = JsonNode.Parse(predict.StdOut)!.AsArray();
        var expected = images.Images().ToList();
        Assert.Equal(expected.Count, results.Count);
        using var predictor = Predictor.Load(model, topK: 2);
        var reference = predictor.PredictBatch(expected.Select(e => e.Path));
        int correct = 0;
        for (int k = 0; k < expected.Count; k++)
        {
            var result = results[k]!;
            Assert.Equal(expected[k].Path, result["file"]!.GetValue<string>());
            string label = result["label"]!.GetValue<string>();
            Assert.Contains(label, new[] { "bright", "dark" });
            Assert.Equal(reference[k].Label, label);
            var top = result["top"]!.AsArray();
            Assert.Equal(2, top.Count);
            Assert.InRange(top.Sum(t => t!["probability"]!.GetValue<double>()), 1 - 1e-6, 1 + 1e-6);
            Assert.InRange(result["confidence"]!.GetValue<double>() - reference[k].Confidence, -1e-5, 1e-5);
            if (label == expected[k].Class) correct++;
        }
        Assert.True(correct >= 0.9 * expected.Count, $"{correct} of {expected.Count} right on a trivially separable folder\n{train}");

        var export = packages.RunTool(work, "export", "model.tkmodel", "--onnx", "model.onnx");
        Assert.True(export.ExitCode == 0, export.ToString());
        CheckOnnxMatches(Path.Combine(work, "model.onnx"), model, expected.Take(6).Select(e => e.Path).ToList(), results);

        var info = packages.RunTool(work, "info", "model.onnx");
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("input          pixel_values Float [batch, 3, 16, 16]", info.StdOut);
        Assert.Contains("labels = bright, dark", info.StdOut);
        var packageInfo = packages.RunTool(work, "info", "model.tkmodel", "--keys", "2");
        Assert.True(packageInfo.ExitCode == 0, packageInfo.ToString());
        Assert.Contains("architecture   small_cnn", packageInfo.StdOut);
        Assert.Contains("classes        2: bright, dark", packageInfo.StdOut);
        Assert.Contains("features.0.weight  Float32 [16, 3, 3, 3]", packageInfo.StdOut);
    }

    /// <summary>The --report file: one HTML file whose images are embedded (nothing fetched from elsewhere), with the run's epochs and classes.</summary>
    private static void CheckReport(string path)
    {
        Assert.True(File.Exists(path), "--report wrote no report");
        string html = File.ReadAllText(path);
        Assert.Contains("<html", html);
        Assert.Contains("data:image/png;base64,", html);
        Assert.DoesNotMatch(@"(src|href)\s*=\s*[""']?(https?:|//|file:)", html);
        Assert.Contains("Confusion matrix", html);
        Assert.Contains("(10 examples)", html);  // the top losses come from the 5 + 5 held-out images
        Assert.Contains("bright", html);
    }

    /// <summary>ONNX Runtime on the exported file gives the tool's probabilities for the same images (preprocessed as the package says).</summary>
    private static void CheckOnnxMatches(string onnx, string package, IReadOnlyList<string> files, JsonArray predictions)
    {
        using var model = ModelPackage.Load(package);
        var transform = model.Preprocessing.EvalTransform();
        using var session = new InferenceSession(onnx);
        for (int k = 0; k < files.Count; k++)
        {
            float[] pixels;
            using (var decoded = ImageDecoder.Decode(files[k], ImageReadMode.Rgb))
            using (var input = transform.Apply(decoded, new Random(0)))
                pixels = input.ToArray<float>();
            int size = model.Preprocessing.InputSize;
            using var outputs = session.Run(new[] { NamedOnnxValue.CreateFromTensor("pixel_values", new DenseTensor<float>(pixels, new[] { 1, 3, size, size })) });
            var logits = outputs.First().AsEnumerable<float>().Select(v => (double)v).ToArray();
            double max = logits.Max(), sum = logits.Sum(v => Math.Exp(v - max));
            var fromTool = predictions[k]!["top"]!.AsArray().ToDictionary(t => t!["index"]!.GetValue<int>(), t => t!["probability"]!.GetValue<double>());
            foreach (var (index, probability) in fromTool)
                Assert.InRange(Math.Exp(logits[index] - max) / sum - probability, -1e-4, 1e-4);
        }
    }

    [Fact]
    public void LrFindPrintsASuggestedRateWithinTheSweepAndWritesItsCurveToTheReport()
    {
        using var images = new ImageFolderFixture(trainValSplit: false, perClass: 12);
        string work = packages.NewFolder("lr-find");

        var run = packages.RunTool(work, ["lr-find", images.Root, .. PackedPackages.SmallModel, "--steps", "20", "--start-lr", "1e-5", "--end-lr", "1", "--report", "lr.html"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        string line = Assert.Single(run.StdOut.Split('\n'), l => l.StartsWith("suggested learning rate: ", StringComparison.Ordinal));
        double suggested = double.Parse(line["suggested learning rate: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(suggested, 1e-5 * 0.99, 1.01);
        string html = File.ReadAllText(Path.Combine(work, "lr.html"));
        Assert.Contains("Learning-rate finder", html);
        Assert.Contains("data:image/png;base64,", html);
    }

    [Fact]
    public void TheInstalledToolLoadsTheNativeShimShippedInItsOwnPackage()
    {
        string work = packages.NewFolder("native");
        string weights = Path.Combine(work, "tiny.safetensors");
        using (var t = Torch.Ones(2, 3))
            SafeTensors.Save(weights, new[] { new KeyValuePair<string, TransferKit.Engine.Tensor>("layer.weight", t) });

        // glibc's loader lists every shared object it opens (LD_DEBUG=files) on stderr.
        var run = ChildProcess.Run(packages.Tool, new[] { "info", weights }, work, new Dictionary<string, string> { ["LD_DEBUG"] = "files" });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("layer.weight  Float32 [2, 3]", run.StdOut);
        // "file=/path/libTransferKitNative.so [0];  dynamically loaded by ..." (its own dependencies say "needed by" it).
        var loaded = run.StdErr.Split('\n').Where(l => l.Contains("file=", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("file=", StringComparison.Ordinal) + 5)..].Split(' ', 2)[0])
            .Where(f => Path.GetFileName(f) == "libTransferKitNative.so").Distinct().ToList();
        var shim = Assert.Single(loaded);
        Assert.StartsWith(packages.ToolPath + "/", shim);
    }
}
