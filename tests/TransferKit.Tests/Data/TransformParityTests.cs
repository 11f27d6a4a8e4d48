using TransferKit.NN;
using System.Globalization;
using System.Text.Json;
using TransferKit.Data.Transforms;
using TransferKit.Tests.Fixtures;
using Xunit.Abstractions;
using TransferKit.Engine;

namespace TransferKit.Tests.Data;


/// <summary>
/// TransferKit's transforms against torchvision 0.14's tensor path on real JPEGs of the ants/bees
/// data set (decoded by torchvision in Fixtures/transforms_reference.py, so no decoder is needed here).
/// </summary>
[Trait("Category", "Parity")]
public class TransformParityTests
{
    private readonly ITestOutputHelper _output;

    public TransformParityTests(ITestOutputHelper output) => _output = output;

    /// <summary>The ants/bees folder: $TRANSFERKIT_DATA/hymenoptera_data, or the shared data folder.</summary>
    internal static string Hymenoptera => TestEnvironment.Hymenoptera;

    private static readonly Lazy<(string Dir, JsonElement Root)> Reference = new(() =>
    {
        string dir = PythonReference.Fixture("transforms_reference.py", Hymenoptera);
        return (dir, JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement);
    });

    public static TheoryData<string> PipelineImages() => new() { "ant_375x500", "ant_500x333", "ant_333x499", "ant_462x400", "ant_534x800" };

    public static TheoryData<string> ExactCases() => new()
    {
        "center_crop_224x224", "center_crop_99x150", "center_crop_101x120", "center_crop_160x200", "center_crop_255x123",
        "center_crop_300x301", "crop_outside", "hflip", "vflip", "convert_u8_to_f32", "convert_f32_to_u8", "normalize",
        "grayscale_u8", "grayscale_f32",
    };

    public static TheoryData<string> CloseCases() => new()
    {
        "resize_exact_up_down", "resize_no_antialias", "resize_nearest", "resize_max_size", "resize_float", "resized_crop",
        "resize_bicubic_down", "resize_bicubic_up_down", "resize_bicubic_no_antialias", "resize_bicubic_float",
        "rotate_u8_bilinear_fill0", "rotate_u8_nearest_fill_rgb", "rotate_u8_bilinear_fill_gray", "rotate_f32_bilinear_nofill",
        "rotate_f32_nearest_nofill", "rotate_f32_bilinear_fill",
        "brightness_small_u8_1.3", "brightness_small_u8_0.45", "brightness_small_f32_1.7", "brightness_small_f32_0.6",
        "contrast_small_u8_1.3", "contrast_small_u8_0.45", "contrast_small_f32_1.7", "contrast_small_f32_0.6",
        "saturation_small_u8_1.3", "saturation_small_u8_0.45", "saturation_small_f32_1.7", "saturation_small_f32_0.6",
    };

    [PyTorchTheory(SharedData = new[] { "hymenoptera_data" })]
    [MemberData(nameof(PipelineImages))]
    public void EvalPipelineMatchesTorchvisionWithinOneHundredth(string image)
    {
        var (max, _) = Compare($"eval_pipeline_{image}");
        Assert.True(max <= 1e-2, $"max |TransferKit - torchvision| = {max}");
    }

    [PyTorchFact(SharedData = new[] { "hymenoptera_data" })]
    public void BicubicEvalPipelineMatchesTorchvisionWithin1e2()
    {
        var (max, _) = Compare("eval_pipeline_bicubic");
        Assert.True(max <= 1e-2, $"max |TransferKit - torchvision| = {max}");
    }

    [PyTorchTheory(SharedData = new[] { "hymenoptera_data" })]
    [MemberData(nameof(PipelineImages))]
    public void Uint8ResizeOfTheShorterSideMatchesTorchvisionWithinOneGrayLevel(string image)
    {
        var (max, _) = Compare($"resize256_{image}");
        Assert.True(max <= 1, $"max difference {max} gray levels");
    }

    [PyTorchTheory(SharedData = new[] { "hymenoptera_data" })]
    [MemberData(nameof(ExactCases))]
    public void ExactOperationsMatchTorchvisionBitForBit(string name)
    {
        var (max, _) = Compare(name);
        Assert.Equal(0, max);
    }

    [PyTorchTheory(SharedData = new[] { "hymenoptera_data" })]
    [MemberData(nameof(CloseCases))]
    public void ResamplingAndColorOperationsMatchTorchvision(string name)
    {
        var (max, fraction) = Compare(name);
        // uint8 results may differ by one level where float rounding lands on the other side of a
        // .5 (resize, rotate) or of an integer (the truncating color blends); floats by rounding only.
        bool uint8 = Reference.Value.Root.GetProperty("cases").GetProperty(name).GetProperty("dtype").GetString() == "uint8";
        if (uint8)
        {
            Assert.True(max <= 1, $"max difference {max} gray levels");
            Assert.True(fraction <= 1e-3, $"{fraction:P3} of the values differ");
        }
        else
        {
            Assert.True(max <= 1e-5, $"max |TransferKit - torchvision| = {max}");
        }
    }

    /// <summary>Runs one fixture case; returns the largest absolute difference and the fraction of differing values.</summary>
    private (double Max, double Fraction) Compare(string name)
    {
        var (dir, root) = Reference.Value;
        Assert.True(root.GetProperty("cases").TryGetProperty(name, out var c), $"fixture case {name} is missing");
        string op = c.GetProperty("op").GetString()!;
        var p = c.GetProperty("params");
        using var scope = Torch.NewDisposeScope();
        var input = Load(dir, root.GetProperty("inputs").GetProperty(c.GetProperty("input").GetString()!));
        var expected = Load(dir, c);
        var actual = Run(op, input, p);

        Assert.Equal(expected.Dtype, actual.Dtype);
        Assert.Equal(expected.Shape, actual.Shape);
        var diff = (actual.To(ScalarType.Float64) - expected.To(ScalarType.Float64)).Abs();
        double max = diff.Max().Item<double>();
        double fraction = diff.Gt(0).To(ScalarType.Float64).Mean().Item<double>();
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {expected.Dtype.PyTorchName()} [{string.Join(", ", expected.Shape)}], max |diff| = {max:G4}, differing values {fraction:P4}"));
        return (max, fraction);
    }

    private static Tensor Run(string op, Tensor input, JsonElement p)
    {
        int I(string key) => p.GetProperty(key).GetInt32();
        double D(string key) => p.GetProperty(key).GetDouble();
        double[] List(string key) => p.GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();
        bool Flag(string key) => p.TryGetProperty(key, out var v) && v.GetBoolean();
        var random = new Random(0);
        return op switch
        {
            "eval_pipeline" => new Compose(new Resize(256), new CenterCrop(224), new ConvertImageDtype(ScalarType.Float32),
                new Normalize(List("mean"), List("std"))).Apply(input),
            "resize_short" => new Resize(I("size"), antialias: Flag("antialias"),
                maxSize: p.TryGetProperty("max_size", out var m) ? m.GetInt32() : null).Apply(input, random),
            "eval_pipeline_bicubic" => new Compose(new Resize(256, InterpolationMode.Bicubic), new CenterCrop(224), new ConvertImageDtype(ScalarType.Float32),
                new Normalize(List("mean"), List("std"))).Apply(input),
            "resize" => ImageFunctional.Resize(input, I("height"), I("width"), Flag("nearest") ? InterpolationMode.Nearest
                : p.TryGetProperty("interpolation", out var mode) && mode.GetString() == "bicubic" ? InterpolationMode.Bicubic : InterpolationMode.Bilinear,
                Flag("antialias")),
            "resized_crop" => ImageFunctional.ResizedCrop(input, I("top"), I("left"), I("crop_height"), I("crop_width"), I("height"), I("width")),
            "center_crop" => new CenterCrop(I("height"), I("width")).Apply(input),
            "crop" => ImageFunctional.Crop(input, I("top"), I("left"), I("height"), I("width")),
            "hflip" => ImageFunctional.HorizontalFlip(input),
            "vflip" => ImageFunctional.VerticalFlip(input),
            "convert" => ImageFunctional.ConvertImageDtype(
                p.TryGetProperty("pre_affine", out var a) ? input.Mul(a[0].GetDouble()).Add(a[1].GetDouble()) : input,
                p.GetProperty("dtype").GetString() == "uint8" ? ScalarType.Byte : ScalarType.Float32),
            "normalize" => new Normalize(List("mean"), List("std")).Apply(input),
            "grayscale" => ImageFunctional.RgbToGrayscale(input),
            "rotate" => ImageFunctional.Rotate(input, D("angle"),
                p.GetProperty("mode").GetString() == "nearest" ? InterpolationMode.Nearest : InterpolationMode.Bilinear,
                p.GetProperty("fill").ValueKind == JsonValueKind.Null ? null : List("fill")),
            "brightness" => ImageFunctional.AdjustBrightness(input, D("factor")),
            "contrast" => ImageFunctional.AdjustContrast(input, D("factor")),
            "saturation" => ImageFunctional.AdjustSaturation(input, D("factor")),
            _ => throw new ArgumentException($"unknown fixture op {op}"),
        };
    }

    private static Tensor Load(string dir, JsonElement info)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(dir, info.GetProperty("file").GetString()!));
        long[] shape = info.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        return info.GetProperty("dtype").GetString() switch
        {
            "uint8" => Torch.FromArray(bytes, shape),
            "float32" => Torch.FromArray<float>(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes), shape),
            var other => throw new ArgumentException($"unexpected fixture dtype {other}"),
        };
    }
}
