using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using TransferKit.Data;
using TransferKit.Data.Transforms;

namespace TransferKit.Tests.Onnx;

/// <summary>The ML.NET ResNet18 package the test project restores, ONNX Runtime runs, and test images.</summary>
internal static class OnnxTestSupport
{
    /// <summary>The restored package folder (…/microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1).</summary>
    public static string PackageFolder =>
        typeof(OnnxTestSupport).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "MLNetResNet18Package").Value
        ?? throw new InvalidOperationException("The test project was built without the package path property.");

    public static string ResNet18Onnx => Path.Combine(PackageFolder, "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    public static string PreprocessOnnx => Path.Combine(PackageFolder, "tools", "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    /// <summary>The NuGet cache folder holding the package (two levels above its version folder).</summary>
    public static string NuGetPackagesRoot => Path.GetDirectoryName(Path.GetDirectoryName(PackageFolder.TrimEnd('/', '\\')))!;

    /// <summary>An ONNX Runtime session on one thread (the suite runs tests in parallel on few cores).</summary>
    public static InferenceSession Session(string path)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        return new InferenceSession(path, options);
    }

    /// <summary>Runs a single-input, single-output ONNX model with ONNX Runtime.</summary>
    public static float[] RunOrt(InferenceSession session, float[] input, long[] shape, out long[] outputShape)
    {
        string inputName = session.InputMetadata.Keys.Single();
        string outputName = session.OutputMetadata.Keys.First();
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { inputName }, new[] { value }, new[] { outputName });
        outputShape = results[0].GetTensorTypeAndShape().Shape;
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>The first <paramref name="count"/> validation images of ants and of bees, resized to 256 and centre-cropped to 224, as RGB 0-255 floats [3, 224, 224].</summary>
    public static List<float[]> AntsAndBees(int count)
    {
        var images = new List<float[]>();
        string root = Path.Combine(Data.TestEnvironment.Hymenoptera, "val");
        var layout = new HwcToChw();
        var resize = new Resize(256);
        var crop = new CenterCrop(224);
        foreach (string cls in new[] { "ants", "bees" })
            foreach (string file in Directory.GetFiles(Path.Combine(root, cls), "*.jpg").Order(StringComparer.Ordinal).Take(count))
            {
                using var scope = Torch.NewDisposeScope();
                var image = crop.Apply(resize.Apply(layout.Apply(ImageDecoder.Decode(file, ImageReadMode.Rgb), new Random(0)), new Random(0)), new Random(0));
                Assert.Equal(new long[] { 3, 224, 224 }, image.Shape);
                images.Add(image.To(ScalarType.Float32).ToArray<float>());
            }
        return images;
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    public static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }
}
