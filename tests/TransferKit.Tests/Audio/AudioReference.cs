using System.Text.Json;
using TransferKit.Tests.Fixtures;

namespace TransferKit.Tests.Audio;

/// <summary>The outputs of Fixtures/audio_reference.py (torchaudio 0.13), produced once per script version.</summary>
internal static class AudioReference
{
    public static string SpokenDigits =>
        Environment.GetEnvironmentVariable("TRANSFERKIT_SPOKEN_DIGITS") is { Length: > 0 } p ? p : Path.Combine(SharedFolder.Data, "spoken-digits");

    private static readonly Lazy<string?> Unavailable = new(() =>
    {
        if (PythonReference.WhyUnavailable is { } why) return why;
        if (!Directory.Exists(SpokenDigits)) return $"{SpokenDigits} is not present";
        var (code, output) = PythonReference.Run(new[] { "-c", "import torchaudio; print(torchaudio.__version__)" }, Directory.GetCurrentDirectory(), TimeSpan.FromMinutes(2));
        return code == 0 ? null : $"torchaudio is not importable by {PythonReference.Interpreter} (apt-get install python3-torchaudio): {output.Trim()}";
    });

    /// <summary>Why the reference cannot be produced here, or null.</summary>
    public static string? WhyUnavailable => Unavailable.Value;

    private static readonly Lazy<(string Dir, JsonElement Root)> Data = new(() =>
    {
        string dir = PythonReference.Fixture("audio_reference.py", SpokenDigits);
        return (dir, JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement);
    });

    public static string Dir => Data.Value.Dir;

    public static JsonElement Section(string name) => Data.Value.Root.GetProperty(name);

    /// <summary>A float32 tensor written by the script (an entry with file and shape).</summary>
    public static Tensor Load(JsonElement entry)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Dir, entry.GetProperty("file").GetString()!));
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        long[] shape = entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        return Torch.FromArray(values, shape);
    }

    public static Tensor Input(string name) => Load(Section("inputs").GetProperty(name));

    /// <summary>
    /// The largest |actual − expected| / max(1, |expected|) (the project's <c>Approx</c> criterion:
    /// absolute below 1, relative above); fails on a shape mismatch.
    /// </summary>
    public static double MaxError(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray<float>();
        var a = actual.To(ScalarType.Float32).ToArray<float>();
        double max = 0;
        for (int i = 0; i < e.Length; i++)
        {
            double err = Math.Abs((double)a[i] - e[i]) / Math.Max(1, Math.Abs((double)e[i]));
            if (double.IsNaN(err)) return double.NaN;
            max = Math.Max(max, err);
        }
        return max;
    }
}

/// <summary>A test that needs torchaudio (python3-torchaudio) and the spoken-digits data; skipped with the reason otherwise.</summary>
public sealed class TorchAudioFactAttribute : FactAttribute
{
    public TorchAudioFactAttribute()
    {
        if (AudioReference.WhyUnavailable is { } why) Skip = "torchaudio reference unavailable: " + why;
    }
}

/// <summary>A theory that needs torchaudio and the spoken-digits data.</summary>
public sealed class TorchAudioTheoryAttribute : TheoryAttribute
{
    public TorchAudioTheoryAttribute()
    {
        if (AudioReference.WhyUnavailable is { } why) Skip = "torchaudio reference unavailable: " + why;
    }
}

/// <summary>A test that needs the spoken-digits recordings (../shared/data/spoken-digits or $TRANSFERKIT_SPOKEN_DIGITS); skipped otherwise.</summary>
public sealed class SpokenDigitsFactAttribute : FactAttribute
{
    public SpokenDigitsFactAttribute()
    {
        if (!Directory.Exists(AudioReference.SpokenDigits)) Skip = $"{AudioReference.SpokenDigits} is not present";
    }
}
