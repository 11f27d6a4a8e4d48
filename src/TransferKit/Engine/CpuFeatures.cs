namespace TransferKit.Engine;

/// <summary>
/// What this machine's CPU can do that changes how TransferKit trains: read once from the flags
/// in <c>/proc/cpuinfo</c> (false on other systems or when the file cannot be read).
/// </summary>
public static class CpuFeatures
{
    private static readonly Lazy<IReadOnlySet<string>> Flags = new(ReadFlags);

    /// <summary>
    /// True when the CPU computes bfloat16 natively: AVX-512 BF16 (<c>avx512_bf16</c>) or AMX
    /// (<c>amx_bf16</c>). Only there does bf16 autocast make convolutions faster; elsewhere libtorch
    /// emulates bf16 and the step gets slower.
    /// </summary>
    public static bool NativeBFloat16 => HasNativeBFloat16(Flags.Value);

    /// <summary>The rule behind <see cref="NativeBFloat16"/>, for a given set of <c>/proc/cpuinfo</c> flags.</summary>
    public static bool HasNativeBFloat16(IReadOnlySet<string> flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        return flags.Contains("avx512_bf16") || flags.Contains("amx_bf16");
    }

    /// <summary>The flags of the first processor listed in a <c>/proc/cpuinfo</c> text.</summary>
    public static IReadOnlySet<string> ParseFlags(string cpuinfo)
    {
        ArgumentNullException.ThrowIfNull(cpuinfo);
        foreach (var line in cpuinfo.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon < 0 || line[..colon].Trim() != "flags") continue;
            return line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        }
        return new HashSet<string>();
    }

    private static IReadOnlySet<string> ReadFlags()
    {
        try
        {
            return OperatingSystem.IsLinux() ? ParseFlags(File.ReadAllText("/proc/cpuinfo")) : new HashSet<string>();
        }
        catch (IOException)
        {
            return new HashSet<string>();
        }
        catch (UnauthorizedAccessException)
        {
            return new HashSet<string>();
        }
    }
}
