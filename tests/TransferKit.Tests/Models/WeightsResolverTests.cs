using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using TransferKit.Models;

namespace TransferKit.Tests.Models;

/// <summary>
/// Resolution of weight files in temporary folders; downloads only from a local HttpListener on
/// 127.0.0.1 (never from the internet). Tests that set environment variables restore them.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WeightsResolverTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("transferkit-weights-test-").FullName;
    private static readonly PretrainedWeights _resnet18 = PretrainedCatalog.Get("resnet18");

    internal static PretrainedWeights Resnet18 => _resnet18;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private WeightsResolverOptions Folders(bool allowDownload = false) => new()
    {
        TorchHubDirectory = Path.Combine(_root, "hub"),
        CacheDirectory = Path.Combine(_root, "tk"),
        AllowDownload = allowDownload,
    };

    internal static string Write(string path, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Weights whose catalog size matches a small fake file (the real resnet18 entry records 46,830,571 bytes).</summary>
    internal static PretrainedWeights Fake(byte[] content, Uri? url = null, bool fullHash = true)
    {
        string sha = Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant();
        return _resnet18 with
        {
            Url = url ?? new Uri($"https://example.invalid/models/fake-{sha[..8]}.pth"),
            Sha256 = fullHash ? sha : sha[..8],
            FileSize = content.Length,
        };
    }

    [Fact]
    public void AnExplicitFileWinsAndMustExist()
    {
        string file = Write(Path.Combine(_root, "mine.pth"), new byte[] { 1, 2, 3 });
        Write(Path.Combine(_root, "hub", _resnet18.FileName), new byte[] { 4 });
        var resolver = new WeightsResolver(Folders());
        Assert.Equal(file, resolver.Resolve(_resnet18, explicitFile: file));
        var e = Assert.Throws<FileNotFoundException>(() => resolver.Resolve(_resnet18, explicitFile: Path.Combine(_root, "missing.pth")));
        Assert.Contains("missing.pth", e.Message);
    }

    [Fact]
    public void TheHubCacheComesBeforeTheTransferKitCache()
    {
        var content = RandomNumberGenerator.GetBytes(1000);
        var weights = Fake(content);
        var resolver = new WeightsResolver(Folders());
        string mine = Write(Path.Combine(_root, "tk", weights.FileName), content);
        Assert.Equal(mine, resolver.Resolve(weights));
        string hub = Write(Path.Combine(_root, "hub", weights.FileName), content);
        Assert.Equal(hub, resolver.Resolve(weights));
        Assert.Equal(new[] { hub, mine }, resolver.CandidatePaths(weights));
    }

    [Fact]
    public void CachedFilesOfTheWrongSizeOrHashAreRefused()
    {
        var content = RandomNumberGenerator.GetBytes(1000);
        var weights = Fake(content);
        string path = Write(Path.Combine(_root, "hub", weights.FileName), content[..999]);
        var e = Assert.Throws<InvalidDataException>(() => new WeightsResolver(Folders()).Resolve(weights));
        Assert.Contains(path, e.Message);

        content[0] ^= 0xFF; // same size, different bytes
        Write(path, content);
        Assert.Equal(path, new WeightsResolver(Folders()).Resolve(weights)); // not hashed by default
        var options = Folders() with { VerifyCachedFiles = true };
        e = Assert.Throws<InvalidDataException>(() => new WeightsResolver(options).Resolve(weights));
        Assert.Contains("SHA-256 mismatch", e.Message);
        Assert.Contains(weights.Sha256, e.Message);
    }

    [Fact]
    public void WithoutNetworkTheErrorNamesTheFileTheUrlAndTheFolders()
    {
        var resolver = new WeightsResolver(Folders());
        var e = Assert.Throws<PretrainedWeightsNotFoundException>(() => resolver.Resolve(_resnet18));
        Assert.Contains("resnet18-f37072fd.pth", e.Message);
        Assert.Contains("https://download.pytorch.org/models/resnet18-f37072fd.pth", e.Message);
        Assert.Contains(Path.Combine(_root, "hub"), e.Message);
        Assert.Contains(Path.Combine(_root, "tk", "resnet18-f37072fd.pth"), e.Message);
        Assert.Equal(resolver.CandidatePaths(_resnet18), e.SearchedPaths);
        Assert.Equal("resnet18-f37072fd.pth", e.FileName);
    }

    [Fact]
    public void AFailedDownloadReportsTheSameAndLeavesNoPartialFile()
    {
        var weights = _resnet18 with { Url = new Uri($"http://127.0.0.1:{ClosedPort()}/models/resnet18-f37072fd.pth") };
        var resolver = new WeightsResolver(Folders(allowDownload: true));
        var e = Assert.Throws<PretrainedWeightsNotFoundException>(() => resolver.Resolve(weights));
        Assert.Contains("download failed", e.Message);
        Assert.Contains("resnet18-f37072fd.pth", e.Message);
        Assert.Contains(Path.Combine(_root, "tk"), e.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "tk")));
    }

    [Fact]
    public async Task DownloadsWithProgressVerifyTheHashAndLandAtomicallyInTheCache()
    {
        var content = RandomNumberGenerator.GetBytes(3 << 20);
        using var server = new LocalServer(content);
        var weights = Fake(content, new Uri(server.Prefix + "models/tiny-net.pth"));
        var progress = new Recorder();
        string path = await new WeightsResolver(Folders(allowDownload: true)).ResolveAsync(weights, progress: progress);

        Assert.Equal(Path.Combine(_root, "tk", "tiny-net.pth"), path);
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(Path.Combine(_root, "tk")));
        Assert.True(progress.Values.Count > 2, $"{progress.Values.Count} progress reports");
        Assert.Equal(1.0, progress.Values[^1]);
        Assert.Equal(progress.Values.OrderBy(v => v), progress.Values);
        Assert.Equal(1, server.Requests);

        // Cached now: no second request.
        Assert.Equal(path, await new WeightsResolver(Folders(allowDownload: true)).ResolveAsync(weights));
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task ADownloadWithTheWrongHashIsDiscardedAndAPrefixHashIsEnough()
    {
        var content = RandomNumberGenerator.GetBytes(100_000);
        using var server = new LocalServer(content);
        var good = Fake(content, new Uri(server.Prefix + "a.pth"), fullHash: false);
        Assert.Equal(8, good.Sha256.Length);
        var bad = good with { Sha256 = new string('0', 64) };
        var resolver = new WeightsResolver(Folders(allowDownload: true));

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => resolver.ResolveAsync(bad));
        Assert.Contains("SHA-256 mismatch", e.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "tk")));

        Assert.Equal(content, File.ReadAllBytes(await resolver.ResolveAsync(good)));
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private sealed class Recorder : IProgress<double>
    {
        public List<double> Values { get; } = new();
        public void Report(double value)
        {
            lock (Values) Values.Add(value);
        }
    }

    /// <summary>Serves one byte array to every GET on 127.0.0.1, in chunks, with a Content-Length.</summary>
    private sealed class LocalServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly byte[] _content;
        private readonly Task _loop;
        private int _requests;

        public LocalServer(byte[] content)
        {
            _content = content;
            Prefix = $"http://127.0.0.1:{ClosedPort()}/";
            _listener.Prefixes.Add(Prefix);
            _listener.Start();
            _loop = Task.Run(Serve);
        }

        public string Prefix { get; }
        public int Requests => Volatile.Read(ref _requests);

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }
                Interlocked.Increment(ref _requests);
                context.Response.ContentLength64 = _content.Length;
                for (int offset = 0; offset < _content.Length; offset += 64 * 1024)
                    await context.Response.OutputStream.WriteAsync(_content.AsMemory(offset, Math.Min(64 * 1024, _content.Length - offset)));
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }
        }
    }
}

/// <summary>
/// The default folders come from environment variables, which are process-wide: this test sets them,
/// so it runs in the serial collection, where no other test (a resolver with default folders) runs
/// beside it; it restores them afterwards.
/// </summary>
[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public sealed class WeightsResolverEnvironmentTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("transferkit-weights-env-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void DefaultFoldersFollowTORCHHOMEXDGCACHEHOMEAndTRANSFERKITHOME()
    {
        using var env = new EnvironmentScope("TORCH_HOME", "XDG_CACHE_HOME", "TRANSFERKIT_HOME");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        env.Set("TORCH_HOME", null);
        env.Set("XDG_CACHE_HOME", null);
        env.Set("TRANSFERKIT_HOME", null);
        Assert.Equal(Path.Combine(home, ".cache", "torch", "hub", "checkpoints"), WeightsResolver.DefaultTorchHubDirectory());
        Assert.Equal(Path.Combine(home, ".cache", "transferkit", "weights"), WeightsResolver.DefaultCacheDirectory());

        env.Set("XDG_CACHE_HOME", Path.Combine(_root, "xdg"));
        Assert.Equal(Path.Combine(_root, "xdg", "torch", "hub", "checkpoints"), WeightsResolver.DefaultTorchHubDirectory());
        Assert.Equal(Path.Combine(_root, "xdg", "transferkit", "weights"), WeightsResolver.DefaultCacheDirectory());

        env.Set("TORCH_HOME", Path.Combine(_root, "torch"));
        env.Set("TRANSFERKIT_HOME", Path.Combine(_root, "tkhome"));
        Assert.Equal(Path.Combine(_root, "torch", "hub", "checkpoints"), WeightsResolver.DefaultTorchHubDirectory());
        Assert.Equal(Path.Combine(_root, "tkhome", "weights"), WeightsResolver.DefaultCacheDirectory());

        // A resolver without explicit folders finds a file PyTorch downloaded under $TORCH_HOME.
        var content = RandomNumberGenerator.GetBytes(10);
        var weights = WeightsResolverTests.Fake(content);
        string file = WeightsResolverTests.Write(Path.Combine(_root, "torch", "hub", "checkpoints", weights.FileName), content);
        Assert.Equal(file, new WeightsResolver(new WeightsResolverOptions { AllowDownload = false }).Resolve(weights));
        var e = Assert.Throws<PretrainedWeightsNotFoundException>(() => new WeightsResolver(new WeightsResolverOptions { AllowDownload = false }).Resolve(WeightsResolverTests.Resnet18));
        Assert.Contains(Path.Combine(_root, "tkhome", "weights", "resnet18-f37072fd.pth"), e.Message);
    }

    /// <summary>Sets environment variables for one test and restores them afterwards.</summary>
    private sealed class EnvironmentScope : IDisposable
    {
        private readonly Dictionary<string, string?> _saved;

        public EnvironmentScope(params string[] names) => _saved = names.ToDictionary(n => n, Environment.GetEnvironmentVariable);

        public void Set(string name, string? value) => Environment.SetEnvironmentVariable(name, value);

        public void Dispose()
        {
            foreach (var (name, value) in _saved) Environment.SetEnvironmentVariable(name, value);
        }
    }
}
