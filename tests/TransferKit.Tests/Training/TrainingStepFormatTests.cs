using Microsoft.Extensions.Logging;
using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Training;

namespace TransferKit.Tests.Training;

/// <summary>The trainer's automatic channels_last + bf16 step (<see cref="TrainerOptions.CpuStep"/>) and the CPU flags behind it.</summary>
[Trait("Category", "Unit")]
[Collection(SerialCollection.Name)] // seeds the global generator before building models
public class TrainingStepFormatTests
{
    [Theory]
    [InlineData("flags\t\t: fpu sse avx512f avx512_bf16 avx512_fp16", true)]
    [InlineData("flags\t\t: fpu sse avx512f amx_tile amx_bf16", true)]
    [InlineData("flags\t\t: fpu sse avx2 avx512f avx512bw", false)]
    [InlineData("model name\t: no flags line here", false)]
    public void NativeBFloat16IsReadFromTheCpuinfoFlags(string cpuinfo, bool expected)
    {
        Assert.Equal(expected, CpuFeatures.HasNativeBFloat16(CpuFeatures.ParseFlags("processor\t: 0\n" + cpuinfo + "\n")));
    }

    [Fact]
    public void AutoPicksChannelsLastBFloat16OnlyForConvolutionalFloat32ModelsOnCpusWithNativeBFloat16()
    {
        using var cnn = new SmallCnn(2);
        using var mlp = new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 2));
        Assert.Equal(CpuStepMode.ChannelsLastBFloat16, TrainingStepFormat.Resolve(CpuStepMode.Auto, cnn, true, null).Mode);
        Assert.Equal(CpuStepMode.Float32, TrainingStepFormat.Resolve(CpuStepMode.Auto, cnn, false, null).Mode);
        Assert.Equal(CpuStepMode.Float32, TrainingStepFormat.Resolve(CpuStepMode.Auto, mlp, true, null).Mode);
        var (mode, reason) = TrainingStepFormat.Resolve(CpuStepMode.Auto, cnn, true, "0");
        Assert.Equal(CpuStepMode.Float32, mode);
        Assert.Contains("TRANSFERKIT_FAST_CPU_STEP=0", reason);
        Assert.Equal(CpuStepMode.Float32, TrainingStepFormat.Resolve(CpuStepMode.Float32, cnn, true, null).Mode);
        Assert.Equal(CpuStepMode.ChannelsLastBFloat16, TrainingStepFormat.Resolve(CpuStepMode.ChannelsLastBFloat16, mlp, false, null).Mode);
        using var double64 = new SmallCnn(2);
        double64.To(ScalarType.Float64);
        Assert.Equal(CpuStepMode.Float32, TrainingStepFormat.Resolve(CpuStepMode.Auto, double64, true, null).Mode);
    }

    [Fact]
    public void AnUnknownCpuStepModeIsAnInvalidOption()
    {
        var error = Assert.Throws<ArgumentException>(() => new TrainerOptions { CpuStep = (CpuStepMode)7 }.Validate());
        Assert.Contains("CpuStep", error.Message);
    }

    [Theory]
    [InlineData(CpuStepMode.ChannelsLastBFloat16, "channels_last + bf16 autocast")]
    [InlineData(CpuStepMode.Float32, "float32")]
    public void TheStepModeIsLoggedAppliedDuringTrainingAndUndoneAfterwards(CpuStepMode mode, string logged)
    {
        Torch.ManualSeed(3);
        using var model = new SmallCnn(2, width: 8, dropout: 0);
        var probe = new FormatProbe();
        var logger = new ListLogger();
        var trainer = new Trainer(new TrainerOptions { Epochs = 4, LearningRate = 0.05, CpuStep = mode, Callbacks = new[] { probe } }, logger);
        var data = new Halves(64, 16, seed: 1);
        var result = trainer.Fit(model, data, new Halves(32, 16, seed: 2));

        Assert.Contains(logger.Messages, m => m.StartsWith("Training step: " + logged + " (", StringComparison.Ordinal));
        bool channelsLast = mode == CpuStepMode.ChannelsLastBFloat16;
        Assert.All(probe.ConvWeightChannelsLast, v => Assert.Equal(channelsLast, v));
        Assert.All(probe.FirstConvOutputDtype, d => Assert.Equal(channelsLast ? ScalarType.BFloat16 : ScalarType.Float32, d));
        Assert.All(model.Parameters(), p =>
        {
            Assert.True(p.IsContiguous);
            Assert.Equal(ScalarType.Float32, p.Dtype);
        });
        Assert.True(result.History.Epochs[^1].Validation!.Accuracy > 0.9, $"validation accuracy {result.History.Epochs[^1].Validation!.Accuracy}");
    }

    /// <summary>Records, at every batch, whether the first convolution's weight is channels_last and what dtype it computes in.</summary>
    private sealed class FormatProbe : TrainerCallback
    {
        public readonly List<bool> ConvWeightChannelsLast = new();
        public readonly List<ScalarType> FirstConvOutputDtype = new();

        public override void OnAfterLoss(TrainerContext context)
        {
            var conv = context.Model.NamedModules().Select(m => m.Module).OfType<Conv2d>().First();
            ConvWeightChannelsLast.Add(conv.Weight.IsContiguousIn(MemoryFormat.ChannelsLast) && !conv.Weight.IsContiguous);
            using var scope = Torch.NewDisposeScope();
            using (Torch.NoGrad())
            using (context.Options.CpuStep == CpuStepMode.ChannelsLastBFloat16 ? Torch.Autocast() : (IDisposable?)null)
                FirstConvOutputDtype.Add(conv.Forward(context.Batch!.PixelValues).Dtype);
        }
    }

    /// <summary>3x16x16 images, class 0 bright on the left half and class 1 on the right, plus noise.</summary>
    private sealed class Halves : IEnumerable<Batch>, IReadOnlyCollection<Batch>
    {
        private readonly float[] _pixels;
        private readonly long[] _labels;
        private readonly int _batch;

        public Halves(int samples, int batch, int seed)
        {
            var rng = new Random(seed);
            _pixels = new float[samples * 3 * 16 * 16];
            _labels = new long[samples];
            for (int n = 0; n < samples; n++)
            {
                _labels[n] = n % 2;
                for (int c = 0; c < 3; c++)
                    for (int y = 0; y < 16; y++)
                        for (int x = 0; x < 16; x++)
                            _pixels[((n * 3 + c) * 16 + y) * 16 + x] = ((x < 8) == (n % 2 == 0) ? 1f : 0f) + (float)(rng.NextDouble() - 0.5);
            }
            _batch = batch;
        }

        public int Count => (_labels.Length + _batch - 1) / _batch;

        public IEnumerator<Batch> GetEnumerator()
        {
            for (int start = 0; start < _labels.Length; start += _batch)
            {
                int n = Math.Min(_batch, _labels.Length - start);
                var x = Torch.FromArray(_pixels.AsSpan(start * 768, n * 768).ToArray(), n, 3, 16, 16);
                var y = Torch.FromArray(_labels.AsSpan(start, n).ToArray(), n);
                yield return new Batch(x, y);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class ListLogger : ILogger<Trainer>
    {
        public List<string> Messages { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }
}
