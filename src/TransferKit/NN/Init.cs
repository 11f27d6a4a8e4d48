using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>
/// In-place parameter initialisers, PyTorch's <c>torch.nn.init</c>. None of them is recorded by
/// autograd. Use them from <see cref="Module.Apply"/> for custom initialisation.
/// </summary>
public static class Init
{
    /// <summary>Fills with values drawn from U(low, high).</summary>
    public static Tensor Uniform_(Tensor tensor, double low = 0, double high = 1)
    {
        Tensor.Check(NativeMethods.tk_uniform_(tensor.Handle, low, high));
        return tensor;
    }

    /// <summary>Fills with values drawn from N(mean, std²).</summary>
    public static Tensor Normal_(Tensor tensor, double mean = 0, double std = 1)
    {
        Tensor.Check(NativeMethods.tk_normal_(tensor.Handle, mean, std));
        return tensor;
    }

    /// <summary>Fills with a constant.</summary>
    public static Tensor Constant_(Tensor tensor, double value)
    {
        using (Torch.NoGrad()) tensor.Fill_(value);
        return tensor;
    }

    /// <summary>Fills with zeros.</summary>
    public static Tensor Zeros_(Tensor tensor) => Constant_(tensor, 0);

    /// <summary>Fills with ones.</summary>
    public static Tensor Ones_(Tensor tensor) => Constant_(tensor, 1);

    /// <summary>(fan_in, fan_out) of a weight: for conv weights [out, in, kh, kw] the receptive field multiplies both.</summary>
    public static (long FanIn, long FanOut) Fans(Tensor tensor)
    {
        var shape = tensor.Shape;
        if (shape.Length < 2)
            throw new ArgumentException($"Fan in/out need a tensor of at least 2 dimensions; got [{string.Join(", ", shape)}].", nameof(tensor));
        long receptive = 1;
        for (int k = 2; k < shape.Length; k++) receptive *= shape[k];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>The recommended gain for a nonlinearity ("linear", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu").</summary>
    public static double CalculateGain(string nonlinearity, double param = 0.01) => nonlinearity switch
    {
        "linear" or "conv1d" or "conv2d" or "conv3d" or "sigmoid" => 1.0,
        "tanh" => 5.0 / 3,
        "relu" => Math.Sqrt(2.0),
        "leaky_relu" => Math.Sqrt(2.0 / (1 + param * param)),
        "selu" => 3.0 / 4,
        _ => throw new ArgumentException($"Unknown nonlinearity '{nonlinearity}'.", nameof(nonlinearity)),
    };

    /// <summary>He (Kaiming) uniform initialisation, as PyTorch's <c>kaiming_uniform_</c>.</summary>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0, bool fanIn = true, string nonlinearity = "leaky_relu")
    {
        var (fin, fout) = Fans(tensor);
        double std = CalculateGain(nonlinearity, a) / Math.Sqrt(fanIn ? fin : fout);
        double bound = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -bound, bound);
    }

    /// <summary>He (Kaiming) normal initialisation, as PyTorch's <c>kaiming_normal_</c>.</summary>
    public static Tensor KaimingNormal_(Tensor tensor, double a = 0, bool fanIn = true, string nonlinearity = "leaky_relu")
    {
        var (fin, fout) = Fans(tensor);
        return Normal_(tensor, 0, CalculateGain(nonlinearity, a) / Math.Sqrt(fanIn ? fin : fout));
    }

    /// <summary>Glorot (Xavier) uniform initialisation.</summary>
    public static Tensor XavierUniform_(Tensor tensor, double gain = 1)
    {
        var (fin, fout) = Fans(tensor);
        double bound = gain * Math.Sqrt(6.0 / (fin + fout));
        return Uniform_(tensor, -bound, bound);
    }
}
