using System.Globalization;
using System.Xml.Linq;

namespace TransferKit.Cli.Tests;

/// <summary>
/// The repository's packages as users get them, made once for the test collection: the sources
/// (src/, the build props, README) are copied into a temporary folder — so packing never touches
/// the working tree's bin/ and obj/ that the running tests use — and every packable project of
/// TransferKit.sln is packed there with a version unique to this run into a temporary local source.
/// The version being new, restore and tool install can never pick a stale package from the NuGet
/// cache; the cache entries of that version are removed again at the end (the cache itself stays
/// the normal one, so restores stay fast). The `transferkit` tool is installed from that source
/// into a temporary tool path.
/// </summary>
public sealed class PackedPackages : IDisposable
{
    public PackedPackages()
    {
        RepositoryRoot = FindRepositoryRoot();
        Root = Directory.CreateTempSubdirectory("tk-packages-").FullName;
        Source = Directory.CreateDirectory(Path.Combine(Root, "source")).FullName;
        ToolPath = Path.Combine(Root, "tools");
        Version = string.Create(CultureInfo.InvariantCulture, $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}");
        PackageIds = PackableProjects(RepositoryRoot).Select(p => p.PackageId).ToArray();
        try
        {
            string copy = CopySources(RepositoryRoot, Path.Combine(Root, "repo"));
            foreach (var (project, _) in PackableProjects(RepositoryRoot))
                ChildProcess.RunOk("dotnet", new[] { "pack", Path.Combine(copy, project), "-c", "Release", "-o", Source, $"-p:Version={Version}", "--nologo" }, copy);
            ChildProcess.RunOk("dotnet", new[] { "tool", "install", "TransferKit.Cli", "--tool-path", ToolPath, "--add-source", Source, "--version", Version, "--ignore-failed-sources" }, Root);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// The tool's model options for the tests: small_cnn from random weights at the images' own
    /// scale (no download, seconds per run), seeded, decoding on the calling thread.
    /// </summary>
    public static IReadOnlyList<string> SmallModel { get; } =
        new[] { "--model", "small_cnn", "--no-pretrained", "--image-size", "16", "--batch-size", "8", "--seed", "3", "--workers", "0" };

    /// <summary>The checkout these tests belong to (the folder of TransferKit.sln).</summary>
    public string RepositoryRoot { get; }

    /// <summary>This run's temporary folder (packages, tool, scratch).</summary>
    public string Root { get; }

    /// <summary>The local package source holding the packed .nupkg files.</summary>
    public string Source { get; }

    /// <summary>The folder the tool is installed into.</summary>
    public string ToolPath { get; }

    /// <summary>The installed tool's executable.</summary>
    public string Tool => Path.Combine(ToolPath, "transferkit");

    /// <summary>The version every package was packed with.</summary>
    public string Version { get; }

    /// <summary>The package ids of the solution's packable projects.</summary>
    public IReadOnlyList<string> PackageIds { get; }

    /// <summary>Runs the installed tool in <paramref name="workingDirectory"/> (progress bars off: output is redirected).</summary>
    public ProcessResult RunTool(string workingDirectory, params string[] arguments) => ChildProcess.Run(Tool, arguments, workingDirectory);

    /// <summary>A new empty scratch folder inside <see cref="Root"/>.</summary>
    public string NewFolder(string name) => Directory.CreateDirectory(Path.Combine(Root, $"{name}-{Guid.NewGuid():N}")).FullName;

    /// <summary>The packable projects of TransferKit.sln (relative path, package id), read from the solution and the project files.</summary>
    public static IReadOnlyList<(string Project, string PackageId)> PackableProjects(string repositoryRoot)
    {
        var projects = new List<(string, string)>();
        foreach (string line in File.ReadLines(Path.Combine(repositoryRoot, "TransferKit.sln")))
        {
            var parts = line.Split('"');
            if (!line.StartsWith("Project(", StringComparison.Ordinal) || parts.Length < 6 || !parts[5].EndsWith(".csproj", StringComparison.Ordinal)) continue;
            string relative = parts[5].Replace('\\', '/');
            var xml = XDocument.Load(Path.Combine(repositoryRoot, relative));
            string? Property(string name) => xml.Descendants(name).Select(e => e.Value.Trim()).LastOrDefault();
            if (!string.Equals(Property("IsPackable"), "true", StringComparison.OrdinalIgnoreCase)) continue;
            projects.Add((relative, Property("PackageId") ?? Path.GetFileNameWithoutExtension(relative)));
        }
        return projects;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TransferKit.sln"))) return dir.FullName;
        throw new InvalidOperationException($"TransferKit.sln was not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>
    /// Copies src/ (without bin/ and obj/) and the files the build reads beside it. The native shim
    /// already built for the tests is copied too, newer than its sources, so the copy's build skips
    /// CMake (without it, the copy compiles the shim itself).
    /// </summary>
    private static string CopySources(string from, string to)
    {
        CopyTree(Path.Combine(from, "src"), Path.Combine(to, "src"));
        foreach (string file in new[] { "Directory.Build.props", "README.md", "LICENSE", "nuget.config" })
            if (File.Exists(Path.Combine(from, file))) File.Copy(Path.Combine(from, file), Path.Combine(to, file));
        string built = Path.Combine(from, "src", "TransferKit", "obj", "native");
        var shim = !Directory.Exists(built) ? null : Directory.GetFiles(built, "libTransferKitNative.so", SearchOption.AllDirectories)
            .Select(f => new FileInfo(f)).OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault();
        if (shim is not null)
        {
            string target = Directory.CreateDirectory(Path.Combine(to, "src", "TransferKit", "obj", "native", "Release")).FullName;
            File.Copy(shim.FullName, Path.Combine(target, shim.Name));
        }
        return to;
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string dir in Directory.GetDirectories(from))
        {
            string name = Path.GetFileName(dir);
            if (name is "bin" or "obj" or "build") continue;
            CopyTree(dir, Path.Combine(to, name));
        }
    }

    public void Dispose()
    {
        // This run's packages in the NuGet cache (restore and tool install extract them there).
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in PackageIds ?? Array.Empty<string>())
        {
            string package = Path.Combine(cache, id.ToLowerInvariant()), entry = Path.Combine(package, Version.ToLowerInvariant());
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            if (Directory.Exists(package) && !Directory.EnumerateFileSystemEntries(package).Any()) Directory.Delete(package);
        }
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}

/// <summary>The tests that share one packing of the packages (it takes a minute or two).</summary>
[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<PackedPackages>
{
    public const string Name = "Packed packages";
}
