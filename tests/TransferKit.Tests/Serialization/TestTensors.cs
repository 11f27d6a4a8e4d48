using TransferKit.Serialization;
using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Tests.Serialization;

/// <summary>State dicts built in C# for the save tests.</summary>
internal static class TestTensors
{
    /// <summary>Every supported dtype, a 0-d and an empty tensor, views sharing a storage, and a tensor that requires grad.</summary>
    public static StateDict AllKinds()
    {
        var sd = new StateDict();
        sd.Add("f32", Torch.FromArray(new[] { 1.5f, -2.25f, float.PositiveInfinity, float.NaN, -0f, float.Epsilon }, 2, 3));
        sd.Add("f64", Torch.FromArray(new[] { Math.PI, -1e-300, double.MaxValue }));
        sd.Add("f16", Torch.FromArray(new[] { (Half)1, (Half)(-65504), Half.Epsilon }));
        sd.Add("bf16", Torch.FromArray(new[] { (BFloat16)1f, (BFloat16)(-3e38f), (BFloat16)0.1f }));
        sd.Add("i64", Torch.FromArray(new[] { long.MaxValue, long.MinValue, 0, -1 }, 2, 2));
        sd.Add("i32", Torch.FromArray(new[] { int.MaxValue, int.MinValue, 7 }));
        sd.Add("i16", Torch.FromArray(new short[] { short.MaxValue, short.MinValue }));
        sd.Add("i8", Torch.FromArray(new sbyte[] { 127, -128, 0 }));
        sd.Add("u8", Torch.FromArray(new byte[] { 0, 37, 255 }));
        sd.Add("bool", Torch.FromArray(new[] { true, false, true }));
        sd.Add("scalar", Torch.ScalarTensor(2.5));
        sd.Add("empty", Torch.Zeros([0, 3], ScalarType.Float32));
        var matrix = Torch.Arange(0, 24, 1).View(4, 6);
        sd.Add("base", matrix);
        sd.Add("row", matrix.Select(0, 1));
        sd.Add("col", matrix.Select(1, 2));
        sd.Add("t", matrix.T());
        sd.Add("param", Torch.FromArray(new[] { 0.5f, -0.5f }).RequiresGrad_());
        return sd;
    }
}
