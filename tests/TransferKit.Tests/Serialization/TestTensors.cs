using TransferKit.Serialization;
using TorchApi = TransferKit.Torch.Torch;

namespace TransferKit.Tests.Serialization;

/// <summary>State dicts built in C# for the save tests.</summary>
internal static class TestTensors
{
    /// <summary>Every supported dtype, a 0-d and an empty tensor, views sharing a storage, and a tensor that requires grad.</summary>
    public static StateDict AllKinds()
    {
        var sd = new StateDict();
        sd.Add("f32", TorchApi.FromArray(new[] { 1.5f, -2.25f, float.PositiveInfinity, float.NaN, -0f, float.Epsilon }, 2, 3));
        sd.Add("f64", TorchApi.FromArray(new[] { Math.PI, -1e-300, double.MaxValue }));
        sd.Add("f16", TorchApi.FromArray(new[] { (Half)1, (Half)(-65504), Half.Epsilon }));
        sd.Add("bf16", TorchApi.FromArray(new[] { (BFloat16)1f, (BFloat16)(-3e38f), (BFloat16)0.1f }));
        sd.Add("i64", TorchApi.FromArray(new[] { long.MaxValue, long.MinValue, 0, -1 }, 2, 2));
        sd.Add("i32", TorchApi.FromArray(new[] { int.MaxValue, int.MinValue, 7 }));
        sd.Add("i16", TorchApi.FromArray(new short[] { short.MaxValue, short.MinValue }));
        sd.Add("i8", TorchApi.FromArray(new sbyte[] { 127, -128, 0 }));
        sd.Add("u8", TorchApi.FromArray(new byte[] { 0, 37, 255 }));
        sd.Add("bool", TorchApi.FromArray(new[] { true, false, true }));
        sd.Add("scalar", TorchApi.ScalarTensor(2.5));
        sd.Add("empty", TorchApi.Zeros([0, 3], ScalarType.Float32));
        var matrix = TorchApi.Arange(0, 24, 1).View(4, 6);
        sd.Add("base", matrix);
        sd.Add("row", matrix.Select(0, 1));
        sd.Add("col", matrix.Select(1, 2));
        sd.Add("t", matrix.T());
        sd.Add("param", TorchApi.FromArray(new[] { 0.5f, -0.5f }).RequiresGrad_());
        return sd;
    }
}
