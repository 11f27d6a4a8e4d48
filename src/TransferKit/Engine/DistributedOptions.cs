using System.Globalization;

namespace TransferKit.Engine;

/// <summary>
/// Where a process sits in a data-parallel run and how the ranks meet (<see cref="DistributedContext"/>):
/// the variables <c>torchrun</c> sets (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT,
/// <see cref="FromEnvironment"/>), or a shared file instead of the TCP rendezvous (<see cref="StorePath"/>,
/// for tests and single-machine runs). <see cref="Validate"/> lists every inconsistent setting.
/// </summary>
public sealed record DistributedOptions
{
    /// <summary>This process's rank, 0 to <see cref="WorldSize"/> - 1; rank 0 serves the rendezvous.</summary>
    public int Rank { get; init; }

    /// <summary>Number of processes (default 1).</summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>Rank on this machine (LOCAL_RANK); informational on CPU.</summary>
    public int LocalRank { get; init; }

    /// <summary>Address of rank 0's TCP store (MASTER_ADDR; default 127.0.0.1).</summary>
    public string MasterAddress { get; init; } = "127.0.0.1";

    /// <summary>Port of rank 0's TCP store (MASTER_PORT; default 29500, PyTorch's).</summary>
    public int MasterPort { get; init; } = 29500;

    /// <summary>A file every rank can reach, used for the rendezvous instead of TCP (c10d's FileStore); null uses TCP.</summary>
    public string? StorePath { get; init; }

    /// <summary>
    /// The longest any rendezvous or collective may take (default 5 minutes, below PyTorch's 30):
    /// past it, or as soon as a peer's connection breaks, the call throws a <see cref="TorchException"/>.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Gradients are all-reduced in buckets of about this many bytes (default 25 MB, DistributedDataParallel's).</summary>
    public long BucketBytes { get; init; } = 25L * 1024 * 1024;

    /// <summary>
    /// The address Gloo binds its connections to; null picks the machine's hostname (loopback when it
    /// does not resolve), or 127.0.0.1 when <see cref="MasterAddress"/> is a loopback address.
    /// </summary>
    public string? InterfaceAddress { get; init; }

    /// <summary>
    /// The options <c>torchrun</c> describes in environment variables: RANK and WORLD_SIZE (required),
    /// LOCAL_RANK, MASTER_ADDR, MASTER_PORT (optional); <paramref name="environment"/> replaces the
    /// process environment (for tests).
    /// </summary>
    /// <exception cref="InvalidOperationException">A variable is missing or not a number; the message names it.</exception>
    public static DistributedOptions FromEnvironment(IReadOnlyDictionary<string, string?>? environment = null)
    {
        string? Get(string name) => environment is null ? Environment.GetEnvironmentVariable(name) : environment.GetValueOrDefault(name);
        int Number(string name, int? fallback)
        {
            string? text = Get(name);
            if (string.IsNullOrEmpty(text))
                return fallback ?? throw new InvalidOperationException(
                    $"The environment variable {name} is not set: start each process the way torchrun does (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT).");
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
                ? value
                : throw new InvalidOperationException($"The environment variable {name} is '{text}', not a number.");
        }
        var options = new DistributedOptions
        {
            Rank = Number("RANK", null),
            WorldSize = Number("WORLD_SIZE", null),
            LocalRank = Number("LOCAL_RANK", 0),
            MasterAddress = Get("MASTER_ADDR") is { Length: > 0 } address ? address : "127.0.0.1",
            MasterPort = Number("MASTER_PORT", 29500),
        };
        options.Validate();
        return options;
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every inconsistent setting.</summary>
    public void Validate() =>
        new OptionsCheck(nameof(DistributedOptions))
            .Require(WorldSize >= 1, $"WorldSize must be at least 1 (was {WorldSize}).")
            .Require(Rank >= 0 && Rank < Math.Max(WorldSize, 1), $"Rank must be in [0, {WorldSize}) (was {Rank}).")
            .Require(LocalRank >= 0, $"LocalRank must be >= 0 (was {LocalRank}).")
            .Require(MasterPort is > 0 and < 65536, $"MasterPort must be in 1..65535 (was {MasterPort}).")
            .Require(!string.IsNullOrWhiteSpace(MasterAddress), "MasterAddress is empty.")
            .Require(StorePath is not { Length: 0 }, "StorePath is empty (use null for the TCP rendezvous).")
            .Require(Timeout > TimeSpan.Zero, $"Timeout must be positive (was {Timeout}).")
            .Require(BucketBytes > 0, $"BucketBytes must be positive (was {BucketBytes}).")
            .ThrowIfAny();
}
