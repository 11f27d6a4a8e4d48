using System.Globalization;
using System.IO.Compression;
using TransferKit.Inference;
using TransferKit.Tests.Transfer;

namespace TransferKit.Cli.Tests;

/// <summary>
/// The packages as a user's project sees them: every packable project of the solution packs, and a
/// fresh console app that references the packed TransferKit and TransferKit.Reports through the
/// local source fine-tunes (writing an HTML report), saves and predicts, with the native shim coming
/// from the package.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PackagesCollection.Name)]
public sealed class ConsumerAppTests(PackedPackages packages)
{
    private const string Program = """
        using TransferKit.Data;
        using TransferKit.Inference;
        using TransferKit.Reports;
        using TransferKit.Training;
        using TransferKit.Transfer;

        // args: image folder, model path, report path, images to classify...
        var options = new ImageClassifierOptions
        {
            FineTune = new FineTuneOptions { Trainer = new TrainerOptions { Callbacks = new[] { new HtmlReportCallback(args[2]) } } },
            Pretrained = false,
            Preprocessing = new Preprocessing(16, 16, new[] { 0.5, 0.5, 0.5 }, new[] { 0.25, 0.25, 0.25 }),
            Loader = new DataLoaderOptions { BatchSize = 8, NumWorkers = 0 },
            Seed = 3,
        };
        using (var model = ImageClassifier.FineTune("small_cnn", args[0], epochs: 1, options))
            model.Save(args[1]);
        using var predictor = Predictor.Load(args[1]);
        foreach (var file in args.Skip(3))
        {
            var p = predictor.Predict(file);
            Console.WriteLine(FormattableString.Invariant($"{file}\t{p.Label}\t{p.Confidence:R}"));
        }
        """;

    [Fact]
    public void EveryPackableProjectOfTheSolutionPacksAndThePackagesCarryTheNativeShim()
    {
        var projects = PackedPackages.PackableProjects(packages.RepositoryRoot);
        Assert.Contains(projects, p => p.PackageId == "TransferKit");
        Assert.Contains(projects, p => p.PackageId == "TransferKit.Cli");
        Assert.Contains(projects, p => p.PackageId == "TransferKit.Reports");
        foreach (var (_, id) in projects)
            Assert.True(File.Exists(Path.Combine(packages.Source, $"{id}.{packages.Version}.nupkg")), $"{id} {packages.Version} was not packed");

        using (var library = ZipFile.OpenRead(Path.Combine(packages.Source, $"TransferKit.{packages.Version}.nupkg")))
            Assert.Contains(library.Entries, e => e.FullName == "runtimes/linux-x64/native/libTransferKitNative.so");
        using var tool = ZipFile.OpenRead(Path.Combine(packages.Source, $"TransferKit.Cli.{packages.Version}.nupkg"));
        Assert.Contains(tool.Entries, e => e.FullName.StartsWith("tools/net10.0/any/", StringComparison.Ordinal) && e.Name == "libTransferKitNative.so");
        using var settings = new StreamReader(tool.Entries.Single(e => e.Name == "DotnetToolSettings.xml").Open());
        Assert.Contains("<Command Name=\"transferkit\"", settings.ReadToEnd());
    }

    [Fact]
    public void AFreshConsoleAppReferencingThePackedPackagesFineTunesReportsSavesAndPredicts()
    {
        using var images = new ImageFolderFixture(trainValSplit: false, perClass: 16);
        string app = packages.NewFolder("consumer");
        File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="TransferKit" Version="{packages.Version}" />
                <PackageReference Include="TransferKit.Reports" Version="{packages.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), Program);
        // The local source beside the machine's own (the library's dependencies come from there).
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="transferkit-packed" value="{packages.Source}" />
              </packageSources>
            </configuration>
            """);

        ChildProcess.RunOk("dotnet", new[] { "build", "-c", "Release", "--nologo", "-o", "out" }, app);
        Assert.True(File.Exists(Path.Combine(app, "out", "runtimes", "linux-x64", "native", "libTransferKitNative.so")), "the shim comes with the package");
        string model = Path.Combine(app, "consumer.tkmodel");
        string report = Path.Combine(app, "report.html");
        var files = images.Images().Where((_, k) => k % 4 == 0).ToList();
        var run = ChildProcess.RunOk("dotnet", [Path.Combine(app, "out", "Consumer.dll"), images.Root, model, report, .. files.Select(f => f.Path)], app);

        Assert.Contains("data:image/png;base64,", File.ReadAllText(report));
        var lines = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(files.Count, lines.Length);
        using var reference = Predictor.Load(model);
        foreach (var (line, file) in lines.Zip(files))
        {
            var fields = line.Split('\t');
            Assert.Equal(file.Path, fields[0]);
            var expected = reference.Predict(file.Path);
            Assert.Equal(expected.Label, fields[1]);
            Assert.InRange(double.Parse(fields[2], CultureInfo.InvariantCulture) - expected.Confidence, -1e-5, 1e-5);
        }
    }
}
