namespace TransferKit.Engine;

/// <summary>Kinds of device a tensor can live on (libtorch's <c>c10::DeviceType</c> codes).</summary>
public enum DeviceType
{
    /// <summary>Host memory.</summary>
    Cpu = 0,
    /// <summary>An NVIDIA GPU.</summary>
    Cuda = 1,
}

/// <summary>A device: a <see cref="DeviceType"/> and, for GPUs, an index.</summary>
public readonly record struct Device(DeviceType Type, int Index = -1)
{
    /// <summary>The CPU.</summary>
    public static Device Cpu => new(DeviceType.Cpu);

    /// <summary>
    /// The first CUDA GPU. Using it where libtorch has no CUDA support (Debian's libtorch is a CPU
    /// build) raises a <see cref="TorchException"/> that says so; check <see cref="Torch.CudaIsAvailable"/>.
    /// </summary>
    public static Device Cuda => new(DeviceType.Cuda, 0);

    /// <summary>A specific CUDA GPU.</summary>
    public static Device CudaAt(int index) => new(DeviceType.Cuda, index);

    /// <summary>Parses PyTorch's spelling: "cpu", "cuda", "cuda:1".</summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "cuda") return Cuda;
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out int index) && index >= 0)
            return CudaAt(index);
        throw new FormatException($"'{text}' is not a device; expected \"cpu\", \"cuda\" or \"cuda:N\".");
    }

    /// <summary>Throws a clear <see cref="TorchException"/> when this device cannot be used here.</summary>
    internal void EnsureAvailable()
    {
        if (Type != DeviceType.Cuda) return;
        int count = Torch.CudaDeviceCount;
        if (count == 0)
            throw new TorchException(
                $"{this} requested but CUDA is not available: the libtorch that TransferKit loaded (version {Torch.LibTorchVersion}) " +
                "has no CUDA support or no GPU is visible. Debian's libtorch-dev is a CPU-only build; use Device.Cpu.");
        if (Index >= count)
            throw new TorchException($"{this} requested but only {count} CUDA device(s) are visible.");
    }

    /// <summary>PyTorch's spelling: "cpu" or "cuda:0".</summary>
    public override string ToString() => Type == DeviceType.Cpu ? "cpu" : Index < 0 ? "cuda" : $"cuda:{Index}";
}
