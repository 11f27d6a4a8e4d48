using System.Reflection;
using System.Runtime.InteropServices;
using TransferKit.Engine;

namespace TransferKit.Reports;

/// <summary>The machine a run trained on.</summary>
/// <param name="OperatingSystem">The OS description.</param>
/// <param name="Architecture">The process architecture.</param>
/// <param name="Cores">Logical processors.</param>
/// <param name="TorchThreads">libtorch's intra-op threads.</param>
/// <param name="LibTorchVersion">The libtorch version.</param>
/// <param name="Runtime">The .NET runtime.</param>
/// <param name="TransferKitVersion">The TransferKit assembly version.</param>
public sealed record MachineInfo(string OperatingSystem, string Architecture, int Cores, int TorchThreads, string LibTorchVersion, string Runtime, string TransferKitVersion)
{
    /// <summary>This machine, now.</summary>
    public static MachineInfo Current() => new(
        RuntimeInformation.OSDescription,
        RuntimeInformation.ProcessArchitecture.ToString(),
        Environment.ProcessorCount,
        Torch.NumThreads,
        Torch.LibTorchVersion,
        RuntimeInformation.FrameworkDescription,
        typeof(Torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? typeof(Torch).Assembly.GetName().Version?.ToString() ?? "unknown");
}
