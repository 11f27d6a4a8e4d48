using System.Text.Json;
using TransferKit.Audio;
using Xunit.Abstractions;

namespace TransferKit.Tests.Audio;

/// <summary>
/// WAV decoding, resampling and features against torchaudio 0.13 (Fixtures/audio_reference.py):
/// WAV files built byte by byte and decoded by torchaudio.load, a real 8 kHz spoken digit and a
/// seeded synthetic stereo signal. Errors are |actual − expected| / max(1, |expected|).
/// </summary>
[Trait("Category", "Parity")]
public class AudioParityTests
{
    private readonly ITestOutputHelper _output;

    public AudioParityTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Wavs() => new()
    {
        "pcm_u8_mono_8000", "pcm_s16_mono_16000", "pcm_s16_stereo_44100", "pcm_s24_stereo_48000", "pcm_s32_mono_22050",
        "float32_stereo_16000", "float64_mono_8000", "ext_pcm_s16_6ch_48000", "ext_pcm_s24_mono_96000", "ext_float32_3ch_11025",
    };

    public static TheoryData<string> ResampleCases() => new()
    {
        "resample_8k_16k", "resample_8k_22050", "resample_16k_8k", "resample_16k_44100_kaiser",
        "resample_16k_11025_kaiser_default_beta", "resample_8k_12k_narrow", "resample_16k_8k_float64_kaiser", "resample_8k_16k_float64",
    };

    public static TheoryData<string> FeatureCases() => new()
    {
        "spec_default", "spec_512_win400_hop160_hamming_magnitude", "spec_window_normalized_power_1_5", "spec_frame_length_normalized",
        "spec_not_centered_pad", "spec_constant_pad_mode", "spec_replicate_pad_mode",
        "mel_default", "mel_8k_40_slaney_slaney", "mel_fmin_fmax_magnitude", "mel_8k_64_htk_slaney_norm",
        "fbanks_default", "fbanks_slaney",
        "db_power", "db_power_top80_channels_together", "db_power_top40_batch", "db_magnitude_top60",
        "mfcc_default", "mfcc_8k_13_of_40", "mfcc_log_mels_no_norm",
    };

    [TorchAudioTheory]
    [MemberData(nameof(Wavs))]
    public void WavFilesDecodeToExactlyWhatTorchaudioLoads(string name)
    {
        var entry = AudioReference.Section("wavs").GetProperty(name);
        string path = Path.Combine(AudioReference.Dir, entry.GetProperty("wav").GetString()!);
        using var clip = WavReader.Read(path);
        using var expected = AudioReference.Load(entry);
        Assert.Equal(entry.GetProperty("sample_rate").GetInt32(), clip.SampleRate);
        Assert.Equal(ScalarType.Float32, clip.Samples.Dtype);
        // sox (torchaudio's backend) rounds 32-bit integer samples to 25 bits before converting
        // them; TransferKit rounds x / 2^31 once, to the nearest float32. Every other encoding is exact.
        double tolerance = name.StartsWith("pcm_s32") ? Math.Pow(2, -25) : 0;
        Assert.InRange(AudioReference.MaxError(expected, clip.Samples), 0, tolerance);
        var info = WavReader.ReadInfo(path);
        Assert.Equal((clip.Channels, clip.Frames, name.StartsWith("ext_")), (info.Channels, info.Frames, info.Extensible));
    }

    [TorchAudioFact]
    public void ARealSpokenDigitDecodesToExactlyWhatTorchaudioLoads()
    {
        using var clip = WavReader.Read(Path.Combine(AudioReference.SpokenDigits, AudioReference.Section("digit_file").GetString()!));
        using var expected = AudioReference.Input("digit8k");
        Assert.Equal(8000, clip.SampleRate);
        Assert.Equal(0, AudioReference.MaxError(expected, clip.Samples));
    }

    [TorchAudioFact]
    public void LoaderLogMelBatchOfARealDigitMatchesTorchaudiosPipelineWithin1e4()
    {
        var c = AudioReference.Section("cases").GetProperty("pipeline_digit_logmel");
        string path = Path.Combine(AudioReference.SpokenDigits, AudioReference.Section("digit_file").GetString()!);
        var dataset = new AudioFileDataset(new[] { path }, new long[] { 7 }, SpokenDigits.Classes);
        using var mel = new MelSpectrogram(new MelOptions { NMels = 64 }, new SpectrogramOptions { HopLength = 160 });
        var db = new AmplitudeToDB(topDb: 80);
        using var loader = new AudioDataLoader(dataset, new AudioLoaderOptions { SampleRate = 16000 }, features: w =>
        {
            using var m = mel.Apply(w);
            return db.Apply(m);
        });
        using var batch = loader.Single();
        using var expected = AudioReference.Load(c);
        double err = AudioReference.MaxError(expected, batch.PixelValues);
        _output.WriteLine($"pipeline: max error {err:E2}");
        Assert.True(err <= 1e-4, $"max error {err}");
        Assert.Equal(new long[] { 7 }, batch.Targets.ToArray<long>());
    }

    [TorchAudioTheory]
    [MemberData(nameof(ResampleCases))]
    public void ResamplingMatchesTorchaudioWithin1e5(string name)
    {
        var c = AudioReference.Section("cases").GetProperty(name);
        var p = c.GetProperty("params");
        using var stored = AudioReference.Input(c.GetProperty("input").GetString()!);
        using var input = p.GetProperty("float64").GetBoolean() ? stored.To(ScalarType.Float64) : stored.Alias();
        using var expected = AudioReference.Load(c);
        var options = new ResampleOptions
        {
            LowpassFilterWidth = p.GetProperty("lowpass_filter_width").GetInt32(),
            Rolloff = p.GetProperty("rolloff").GetDouble(),
            Method = p.GetProperty("method").GetString() == "kaiser" ? ResamplingMethod.SincInterpKaiser : ResamplingMethod.SincInterpHann,
            Beta = p.GetProperty("beta").ValueKind == JsonValueKind.Null ? null : p.GetProperty("beta").GetDouble(),
        };
        using var resampler = new Resampler(p.GetProperty("orig").GetInt32(), p.GetProperty("new").GetInt32(), options);
        using var actual = resampler.Apply(input);
        double err = AudioReference.MaxError(expected, actual);
        _output.WriteLine($"{name}: max error {err:E2}");
        Assert.True(err <= 1e-5, $"{name}: max error {err}");
    }

    [TorchAudioTheory]
    [InlineData("speed_0_9_16k")]
    [InlineData("speed_1_1_16k")]
    public void SpeedPerturbationMatchesResamplingFromTheScaledRateWithin1e5(string name)
    {
        var c = AudioReference.Section("cases").GetProperty(name);
        var p = c.GetProperty("params");
        using var input = AudioReference.Input(c.GetProperty("input").GetString()!);
        using var expected = AudioReference.Load(c);
        using var speed = new SpeedPerturbation(p.GetProperty("sample_rate").GetInt32(), [p.GetProperty("factor").GetDouble()]);
        using var actual = speed.Apply(input, 0);
        double err = AudioReference.MaxError(expected, actual);
        _output.WriteLine($"{name}: max error {err:E2}");
        Assert.True(err <= 1e-5, $"{name}: max error {err}");
    }

    [TorchAudioTheory]
    [MemberData(nameof(FeatureCases))]
    public void FeaturesMatchTorchaudioWithin1e4(string name)
    {
        var c = AudioReference.Section("cases").GetProperty(name);
        var p = c.GetProperty("params");
        using var expected = AudioReference.Load(c);
        using var input = c.GetProperty("input").ValueKind == JsonValueKind.Null ? null : AudioReference.Input(c.GetProperty("input").GetString()!);
        using var actual = c.GetProperty("op").GetString() switch
        {
            "spectrogram" => Run(new Spectrogram(Spec(p)), input!),
            "melspectrogram" => Run(new MelSpectrogram(Mel(p.GetProperty("mel")), Spec(p)), input!),
            "fbanks" => Torch.FromArray(MelScale.Filters(p.GetProperty("n_freqs").GetInt32(), Mel(p.GetProperty("mel"))), expected.Shape),
            "amplitude_to_db" => AmplitudeToDb(p, input!),
            "mfcc" => Run(new Mfcc(new MfccOptions
            {
                NMfcc = p.GetProperty("n_mfcc").GetInt32(),
                OrthoNorm = p.GetProperty("norm").ValueKind != JsonValueKind.Null,
                LogMels = p.GetProperty("log_mels").GetBoolean(),
                Mel = Mel(p.GetProperty("mel")),
                Spectrogram = Spec(p),
            }), input!),
            var op => throw new InvalidOperationException(op),
        };
        double err = AudioReference.MaxError(expected, actual);
        _output.WriteLine($"{name}: max error {err:E2}");
        Assert.True(err <= 1e-4, $"{name}: max error {err}");
    }

    private static Tensor Run<T>(T transform, Tensor input) where T : IWaveformTransform, IDisposable
    {
        using (transform) return transform.Apply(input);
    }

    private static Tensor AmplitudeToDb(JsonElement p, Tensor input)
    {
        var kind = p.GetProperty("stype").GetString() == "power" ? AmplitudeKind.Power : AmplitudeKind.Magnitude;
        double? top = p.GetProperty("top_db").ValueKind == JsonValueKind.Null ? null : p.GetProperty("top_db").GetDouble();
        using var x = p.TryGetProperty("sqrt_input", out var s) && s.GetBoolean() ? input.Sqrt() : input.Alias();
        return new AmplitudeToDB(kind, top).Apply(x);
    }

    private static SpectrogramOptions Spec(JsonElement p)
    {
        var s = p.GetProperty("spec");
        var normalized = s.GetProperty("normalized");
        return new SpectrogramOptions
        {
            NFft = s.GetProperty("n_fft").GetInt32(),
            WinLength = NullableInt(s.GetProperty("win_length")),
            HopLength = NullableInt(s.GetProperty("hop_length")),
            Pad = s.GetProperty("pad").GetInt32(),
            Power = s.GetProperty("power").GetDouble(),
            Normalized = normalized.ValueKind switch
            {
                JsonValueKind.True => SpectrogramNormalization.Window,
                JsonValueKind.String => normalized.GetString() == "frame_length" ? SpectrogramNormalization.FrameLength : SpectrogramNormalization.Window,
                _ => SpectrogramNormalization.None,
            },
            Center = s.GetProperty("center").GetBoolean(),
            PadMode = s.GetProperty("pad_mode").GetString() switch { "constant" => PadMode.Constant, "replicate" => PadMode.Replicate, _ => PadMode.Reflect },
            Window = s.GetProperty("window").GetString() == "hamming" ? WindowFunction.Hamming : WindowFunction.Hann,
        };
    }

    private static MelOptions Mel(JsonElement m) => new()
    {
        SampleRate = m.GetProperty("sample_rate").GetInt32(),
        NMels = m.GetProperty("n_mels").GetInt32(),
        FMin = m.GetProperty("f_min").GetDouble(),
        FMax = m.GetProperty("f_max").ValueKind == JsonValueKind.Null ? null : m.GetProperty("f_max").GetDouble(),
        Norm = m.GetProperty("norm").ValueKind == JsonValueKind.Null ? MelNorm.None : MelNorm.Slaney,
        Scale = m.GetProperty("mel_scale").GetString() == "slaney" ? MelScaleKind.Slaney : MelScaleKind.Htk,
    };

    private static int? NullableInt(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();
}
