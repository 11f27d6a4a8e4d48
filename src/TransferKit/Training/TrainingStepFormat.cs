using Microsoft.Extensions.Logging;
using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Training;

/// <summary>
/// The memory format and precision of one run's training step (<see cref="TrainerOptions.CpuStep"/>):
/// picks the mode, lays the model's convolution weights out channels_last for the run and back when
/// disposed, converts 4-D inputs, and enters autocast around the forward pass.
/// </summary>
internal sealed class TrainingStepFormat : IDisposable
{
    /// <summary>The environment variable that turns the automatic choice off (<c>0</c>).</summary>
    public const string EnvironmentSwitch = "TRANSFERKIT_FAST_CPU_STEP";

    private readonly List<Tensor> _converted = new();

    private TrainingStepFormat(CpuStepMode mode, bool autocast)
    {
        Mode = mode;
        Autocast = autocast;
    }

    /// <summary>The mode in effect (never <see cref="CpuStepMode.Auto"/>).</summary>
    public CpuStepMode Mode { get; }

    /// <summary>Whether the forward pass runs under bf16 autocast.</summary>
    public bool Autocast { get; }

    private bool ChannelsLast => Mode == CpuStepMode.ChannelsLastBFloat16;

    /// <summary>The mode <paramref name="requested"/> resolves to for <paramref name="model"/> on this machine, and why.</summary>
    public static (CpuStepMode Mode, string Reason) Resolve(CpuStepMode requested, Module model, bool nativeBFloat16, string? environmentSwitch)
    {
        if (requested != CpuStepMode.Auto) return (requested, "set in TrainerOptions.CpuStep");
        if (environmentSwitch == "0") return (CpuStepMode.Float32, $"{EnvironmentSwitch}=0");
        if (!nativeBFloat16) return (CpuStepMode.Float32, "the CPU has no native bf16 (avx512_bf16 or amx_bf16)");
        if (!model.NamedModules().Any(m => m.Module is Conv2d)) return (CpuStepMode.Float32, "the model has no convolutions");
        if (model.Parameters().Any(p => p.Device.Type != DeviceType.Cpu || p.Dtype != ScalarType.Float32))
            return (CpuStepMode.Float32, "the model's parameters are not all float32 on the CPU");
        return (CpuStepMode.ChannelsLastBFloat16, "the CPU computes bf16 natively and the model has convolutions");
    }

    /// <summary>Resolves the options' mode for <paramref name="model"/>, logs it, and lays the model out for it.</summary>
    public static TrainingStepFormat Enter(TrainerOptions options, Module model, ILogger logger)
    {
        var (mode, reason) = Resolve(options.CpuStep, model, CpuFeatures.NativeBFloat16, Environment.GetEnvironmentVariable(EnvironmentSwitch));
        var format = new TrainingStepFormat(mode, options.UseBFloat16Autocast || mode == CpuStepMode.ChannelsLastBFloat16);
        if (format.ChannelsLast)
        {
            foreach (var t in model.Parameters().Concat(model.NamedBuffers().Select(b => b.Buffer)))
                if (t.NDim == 4 && t.ToMemoryFormat_(MemoryFormat.ChannelsLast)) format._converted.Add(t);
        }
        logger.LogInformation("Training step: {Mode}{Autocast} ({Reason}; TrainerOptions.CpuStep or {Switch}=0 turn it off)",
            mode == CpuStepMode.ChannelsLastBFloat16 ? "channels_last + bf16 autocast" : "float32",
            mode != CpuStepMode.ChannelsLastBFloat16 && format.Autocast ? " with bf16 autocast (UseBFloat16Autocast)" : "",
            reason, EnvironmentSwitch);
        return format;
    }

    /// <summary>
    /// The inputs the model gets: in channels_last mode every 4-D floating-point input laid out
    /// channels_last (new tensors in the current dispose scope), otherwise <paramref name="inputs"/> itself.
    /// </summary>
    public ModelInputs Prepare(ModelInputs inputs)
    {
        if (!ChannelsLast || !inputs.Values.Any(IsImage)) return inputs;
        var prepared = new ModelInputs();
        foreach (var (name, tensor) in inputs) prepared.Add(name, IsImage(tensor) ? tensor.Contiguous(MemoryFormat.ChannelsLast) : tensor);
        return prepared;
    }

    /// <summary>Autocast for the forward pass, or null.</summary>
    public IDisposable? EnterAutocast() => Autocast ? Torch.Autocast() : null;

    /// <summary>Lays the weights converted for the run out contiguous again.</summary>
    public void Dispose()
    {
        foreach (var t in _converted) t.ToMemoryFormat_(MemoryFormat.Contiguous);
        _converted.Clear();
    }

    private static bool IsImage(Tensor t) => t.NDim == 4 && t.Dtype.IsFloatingPoint();
}
