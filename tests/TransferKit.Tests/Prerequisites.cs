using TransferKit.Tests.Data;
using TransferKit.Tests.Fixtures;

namespace TransferKit.Tests;

/// <summary>
/// The one skip policy for what a test needs beyond the build: the PyTorch reference
/// (/usr/bin/python3 with torch, torchvision, numpy, Pillow), the shared data sets (../shared/data)
/// and the shared trained weights. A test that needs one declares it with an attribute
/// (<see cref="PyTorchFactAttribute"/>, <see cref="SharedDataFactAttribute"/>, ...), which skips it
/// with the reason where it is missing; tests never assert a prerequisite's presence nor return
/// early. With <c>TRANSFERKIT_REQUIRE_ALL=1</c> (set by scripts/test.sh and CI) nothing is skipped:
/// a test whose prerequisite is missing runs and fails, and
/// <see cref="PrerequisiteTests.EveryPrerequisiteIsPresentWhereTheyAreRequired"/> lists what is missing.
/// </summary>
internal static class Prerequisites
{
    /// <summary>The environment variable that turns missing prerequisites into failures.</summary>
    public const string RequireAllVariable = "TRANSFERKIT_REQUIRE_ALL";

    /// <summary>True when missing prerequisites must fail tests instead of skipping them.</summary>
    public static bool RequireAll => Environment.GetEnvironmentVariable(RequireAllVariable) == "1";

    /// <summary>The shared data sets tests read (folders under <see cref="TestEnvironment.DataRoot"/>).</summary>
    public static readonly string[] SharedDataSets = ["hymenoptera_data", "mnist", "fashion-mnist", "sentiment"];

    /// <summary>Why the PyTorch reference cannot be used, or null.</summary>
    public static string? PyTorch =>
        PythonReference.WhyUnavailable is { } why ? "PyTorch reference unavailable: " + why : null;

    /// <summary>Why one of the shared data sets (folder names under the data root) is missing, or null.</summary>
    public static string? SharedData(params string[] dataSets)
    {
        foreach (string name in dataSets)
        {
            string path = Path.Combine(TestEnvironment.DataRoot, name);
            if (!Directory.Exists(path))
                return $"shared data set {path} is missing (put the shared folder beside the repository as ../shared, or set TRANSFERKIT_DATA)";
        }
        return null;
    }

    /// <summary>Why the shared trained resnet18 weights are missing, or null.</summary>
    public static string? SharedWeights =>
        File.Exists(PythonReference.SharedWeightsPath)
            ? null
            : $"{PythonReference.SharedWeightsPath} is not present (set TRANSFERKIT_RESNET18_PTH to a torchvision resnet18 state dict)";

    /// <summary>Every missing prerequisite, with its reason.</summary>
    public static IEnumerable<string> Missing()
    {
        if (PyTorch is { } python) yield return python;
        foreach (string name in SharedDataSets)
            if (SharedData(name) is { } data) yield return data;
        if (SharedWeights is { } weights) yield return weights;
    }

    /// <summary>
    /// The Skip value for a test with these reasons (null entries: present): the first reason, or
    /// null when none is missing or when <see cref="RequireAll"/> is set.
    /// </summary>
    public static string? Skip(params string?[] reasons) =>
        RequireAll ? null : reasons.FirstOrDefault(r => r is not null);
}

/// <summary>A fact that needs the PyTorch reference (and optionally shared data or weights); skipped with the reason where missing.</summary>
public sealed class PyTorchFactAttribute : FactAttribute
{
    public PyTorchFactAttribute() => Skip = Prerequisites.Skip(Prerequisites.PyTorch);

    /// <summary>Also needs these shared data sets (folder names under ../shared/data).</summary>
    public string[] SharedData
    {
        get => [];
        init => Skip ??= Prerequisites.Skip(Prerequisites.SharedData(value));
    }

    /// <summary>Also needs the shared resnet18 weights file.</summary>
    public bool NeedsSharedWeights
    {
        get => false;
        init
        {
            if (value) Skip ??= Prerequisites.Skip(Prerequisites.SharedWeights);
        }
    }
}

/// <summary>A theory that needs the PyTorch reference (and optionally shared data); skipped with the reason where missing.</summary>
public sealed class PyTorchTheoryAttribute : TheoryAttribute
{
    public PyTorchTheoryAttribute() => Skip = Prerequisites.Skip(Prerequisites.PyTorch);

    /// <summary>Also needs these shared data sets (folder names under ../shared/data).</summary>
    public string[] SharedData
    {
        get => [];
        init => Skip ??= Prerequisites.Skip(Prerequisites.SharedData(value));
    }
}

/// <summary>A fact that reads shared data sets (folder names under ../shared/data); skipped with the reason where one is missing.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(params string[] dataSets) => Skip = Prerequisites.Skip(Prerequisites.SharedData(dataSets));
}

/// <summary>A theory that reads shared data sets (folder names under ../shared/data); skipped with the reason where one is missing.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute(params string[] dataSets) => Skip = Prerequisites.Skip(Prerequisites.SharedData(dataSets));
}

/// <summary>A fact that reads the shared resnet18 weights (no Python); skipped with the reason where the file is missing.</summary>
public sealed class SharedWeightsFactAttribute : FactAttribute
{
    public SharedWeightsFactAttribute() => Skip = Prerequisites.Skip(Prerequisites.SharedWeights);
}

/// <summary>
/// A fact about the CPU-only build (Debian's libtorch): skipped, with the reason, on a build that has
/// CUDA, where the checked behaviour (CUDA refused with a clear message) does not apply. This is a
/// different configuration, not a missing prerequisite, so <c>TRANSFERKIT_REQUIRE_ALL</c> does not change it.
/// </summary>
public sealed class CpuOnlyBuildFactAttribute : FactAttribute
{
    public CpuOnlyBuildFactAttribute()
    {
        if (Torch.CudaIsAvailable) Skip = "this libtorch build has CUDA: the CPU-only build's refusal of CUDA cannot be checked here";
    }
}

[Trait("Category", "Unit")]
public class PrerequisiteTests
{
    [Fact]
    public void AMissingPrerequisiteSkipsWithItsReasonUnlessAllAreRequired()
    {
        string? skip = Prerequisites.Skip(null, "needs X", "needs Y");
        if (Prerequisites.RequireAll) Assert.Null(skip);
        else Assert.Equal("needs X", skip);
        Assert.Null(Prerequisites.Skip(null, null));
        Assert.Contains("no-such-data-set", Prerequisites.SharedData("no-such-data-set"));
    }

    /// <summary>Runs only where every prerequisite is required (scripts/test.sh, CI); elsewhere it is skipped with that reason.</summary>
    private sealed class RequiredEverywhereFactAttribute : FactAttribute
    {
        public RequiredEverywhereFactAttribute()
        {
            if (!Prerequisites.RequireAll) Skip = $"{Prerequisites.RequireAllVariable} is not 1: missing prerequisites skip the tests that need them";
        }
    }

    [RequiredEverywhereFact]
    public void EveryPrerequisiteIsPresentWhereTheyAreRequired()
    {
        var missing = Prerequisites.Missing().ToList();
        Assert.True(missing.Count == 0, $"{Prerequisites.RequireAllVariable}=1 but prerequisites are missing:\n" + string.Join("\n", missing));
    }
}
