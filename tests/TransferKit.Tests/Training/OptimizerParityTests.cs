using System.Text.Json;
using TransferKit.Tests.Fixtures;
using TransferKit.Training;
using TransferKit.Engine;

namespace TransferKit.Tests.Training;


/// <summary>Each optimizer and scheduler follows PyTorch's trajectory over 20 steps (fixtures/optim_reference.py).</summary>
[Trait("Category", "Parity")]
public class OptimizerParityTests
{
    private static JsonElement Load(string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(PythonReference.Fixture("optim_reference.py"), file))).RootElement;

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    private static long[] Shape(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt64()).ToArray();

    public static TheoryData<string> OptimizerNames() => new() { "sgd", "sgd_momentum_wd", "sgd_nesterov", "adam", "adam_wd", "adamw", "sgd_groups" };

    private static Optimizer Create(string name, Tensor[] p) => name switch
    {
        "sgd" => new SGD(p, learningRate: 0.1),
        "sgd_momentum_wd" => new SGD(p, learningRate: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-2),
        "sgd_nesterov" => new SGD(p, learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4),
        "adam" => new Adam(p, learningRate: 1e-2),
        "adam_wd" => new Adam(p, learningRate: 3e-3, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1),
        "adamw" => new AdamW(p, learningRate: 1e-2, weightDecay: 0.05),
        "sgd_groups" => new SGD(new[] { new ParamGroup(new[] { p[0] }, learningRate: 0.01), new ParamGroup(new[] { p[1] }) }, learningRate: 0.1, momentum: 0.5),
        _ => throw new ArgumentException(name),
    };

    [PyTorchTheory]
    [MemberData(nameof(OptimizerNames))]
    public void OptimizerMatchesPytorchOver20Steps(string name)
    {
        var root = Load("optim.json");
        var shapes = root.GetProperty("shapes").EnumerateArray().Select(Shape).ToArray();
        var initial = root.GetProperty("initial").EnumerateArray().Select(Floats).ToArray();
        var grads = root.GetProperty("grads").EnumerateArray().Select(step => step.EnumerateArray().Select(Floats).ToArray()).ToArray();
        var expected = root.GetProperty("runs").GetProperty(name).EnumerateArray().ToArray();

        var parameters = initial.Select((v, k) => Torch.FromArray(v, shapes[k]).RequiresGrad_()).ToArray();
        using var optimizer = Create(name, parameters);
        try
        {
            for (int step = 0; step < expected.Length; step++)
            {
                for (int k = 0; k < parameters.Length; k++)
                {
                    // Feed PyTorch's gradient through autograd: d(sum(p * g))/dp = g.
                    using var scope = Torch.NewDisposeScope();
                    (parameters[k] * Torch.FromArray(grads[step][k], shapes[k])).Sum().Backward();
                }
                optimizer.Step();
                optimizer.ZeroGrad();
                var want = expected[step].EnumerateArray().Select(Floats).ToArray();
                for (int k = 0; k < parameters.Length; k++)
                {
                    var got = parameters[k].ToArray<float>();
                    for (int i = 0; i < got.Length; i++)
                        Assert.True(Math.Abs(got[i] - want[k][i]) <= 1e-6,
                            $"{name}, step {step + 1}, parameter {k}[{i}]: PyTorch {want[k][i]:R}, TransferKit {got[i]:R}");
                }
            }
        }
        finally
        {
            foreach (var p in parameters) p.Dispose();
        }
    }

    public static TheoryData<string> ScheduleNames() => new() { "step", "multistep", "cosine", "warmup_cosine", "onecycle", "onecycle_linear", "plateau" };

    [PyTorchTheory]
    [MemberData(nameof(ScheduleNames))]
    public void SchedulerMatchesPytorch(string name)
    {
        var root = Load("sched.json");
        var expected = root.GetProperty("schedules").GetProperty(name).EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        int groups = expected[0].Length;
        var parameters = Enumerable.Range(0, groups).Select(_ => Torch.Zeros(new long[] { 1 }, ScalarType.Float32, requiresGrad: true)).ToArray();
        using var optimizer = new SGD(parameters.Select((p, k) => new ParamGroup(new[] { p }, learningRate: 0.1 * (k + 1))), learningRate: 0.1, momentum: 0.9);
        var metric = root.GetProperty("plateau_metric").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Action step;
        switch (name)
        {
            case "plateau":
                var plateau = new ReduceLROnPlateau(optimizer, factor: 0.5, patience: 2, cooldown: 1);
                int epoch = 0;
                step = () => plateau.Step(metric[epoch++]);
                break;
            default:
                LRScheduler scheduler = name switch
                {
                    "step" => new StepLR(optimizer, stepSize: 7, gamma: 0.1),
                    "multistep" => new MultiStepLR(optimizer, new[] { 3, 8, 12 }, gamma: 0.5),
                    "cosine" => new CosineAnnealingLR(optimizer, tMax: 10, etaMin: 1e-3),
                    "warmup_cosine" => new WarmupLR(optimizer, warmupSteps: 5, startFactor: 0.25, after: o => new CosineAnnealingLR(o, tMax: 15)),
                    "onecycle" => new OneCycleLR(optimizer, maxLr: 0.5, totalSteps: 30, pctStart: 0.3),
                    "onecycle_linear" => new OneCycleLR(optimizer, maxLr: 0.5, totalSteps: 20, cosineAnnealing: false),
                    _ => throw new ArgumentException(name),
                };
                step = scheduler.Step;
                break;
        }
        try
        {
            for (int s = 0; s < expected.Length; s++)
            {
                if (s > 0) step();
                for (int g = 0; g < groups; g++)
                {
                    double got = optimizer.ParamGroups[g].LearningRate;
                    Assert.True(Math.Abs(got - expected[s][g]) <= 1e-6 * Math.Max(1, Math.Abs(expected[s][g])),
                        $"{name}, step {s}, group {g}: PyTorch {expected[s][g]:R}, TransferKit {got:R}");
                }
            }
        }
        finally
        {
            foreach (var p in parameters) p.Dispose();
        }
    }
}
