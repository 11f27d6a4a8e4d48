using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using TransferKit.Engine;
using TransferKit.Transfer;

namespace Benchmarks;

/// <summary>
/// One training step of the MLP of the MNIST tutorial (Linear(784, 100), ReLU, Linear(100, 10),
/// batch 100): forward, cross-entropy, backward, SGD step (lr 1e-2), zero_grad.
/// <c>TransferKit.Benchmarks workloads</c> times the same step with a Stopwatch for the comparison
/// with PyTorch (benchmarks/workloads-compare.sh).
/// </summary>
[MedianColumn, MinColumn, MaxColumn, MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class MlpStepBenchmarks
{
    private Workload _mlp = null!;

    /// <summary>Builds the MLP and its batches; 2 intra-op threads, as the PyTorch script sets.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Torch.NumThreads = 2;
        _mlp = TrainingWorkloads.MlpSteps(1);
    }

    /// <summary>Frees the model and batches.</summary>
    [GlobalCleanup]
    public void Cleanup() => _mlp.Dispose();

    /// <summary>One MLP step on a batch of 100.</summary>
    [Benchmark]
    public void MlpStep() => _mlp.Run();
}

/// <summary>
/// One ResNet-18 training step at 224x224 (zero_grad, forward, cross-entropy, backward, SGD step
/// with momentum 0.9): the whole network at batch 4 and 32, and with the backbone frozen (only a
/// new fc Linear(512, 2) trains) at batch 32. A step takes hundreds of milliseconds to seconds, so
/// each iteration is a single step (<see cref="RunStrategy.Monitoring"/>, 2 warm-up and 7 measured).
/// <c>TransferKit.Benchmarks workloads</c> times the same steps with a Stopwatch for the comparison
/// with PyTorch (benchmarks/workloads-compare.sh).
/// </summary>
[MedianColumn, MinColumn, MaxColumn]
[SimpleJob(RunStrategy.Monitoring, warmupCount: 2, iterationCount: 7, invocationCount: 1)]
public class ResNetStepBenchmarks
{
    private Workload? _step;

    /// <summary>Builds ResNet-18 and a [4, 3, 224, 224] batch.</summary>
    [GlobalSetup(Target = nameof(ResNet18StepBatch4))]
    public void SetupB4() => _step = Build(() => TrainingWorkloads.ResNet18TrainStep(4));

    /// <summary>Builds ResNet-18 and a [32, 3, 224, 224] batch.</summary>
    [GlobalSetup(Target = nameof(ResNet18StepBatch32))]
    public void SetupB32() => _step = Build(() => TrainingWorkloads.ResNet18TrainStep(32));

    /// <summary>Builds the frozen-backbone ResNet-18 (BatchNorm in inference mode, TransferKit's default).</summary>
    [GlobalSetup(Target = nameof(FrozenBackboneStepBatch32))]
    public void SetupFrozen() => _step = Build(() => TrainingWorkloads.FrozenBackboneStep(32, BatchNormPolicy.FrozenInInferenceMode));

    /// <summary>Builds the frozen-backbone ResNet-18 whose BatchNorm layers follow training mode (PyTorch's behaviour).</summary>
    [GlobalSetup(Target = nameof(FrozenBackboneStepBatch32_BatchNormTrainMode))]
    public void SetupFrozenBnTrain() => _step = Build(() => TrainingWorkloads.FrozenBackboneStep(32, BatchNormPolicy.FollowTrainingMode));

    /// <summary>Frees the model, optimizer and batch.</summary>
    [GlobalCleanup]
    public void Cleanup() => _step?.Dispose();

    /// <summary>One full ResNet-18 training step at batch 4.</summary>
    [Benchmark]
    public void ResNet18StepBatch4() => _step!.Run();

    /// <summary>One full ResNet-18 training step at batch 32.</summary>
    [Benchmark]
    public void ResNet18StepBatch32() => _step!.Run();

    /// <summary>One step of the frozen-backbone ResNet-18 at batch 32 (only fc trains).</summary>
    [Benchmark]
    public void FrozenBackboneStepBatch32() => _step!.Run();

    /// <summary>As <see cref="FrozenBackboneStepBatch32"/>, BatchNorm using batch statistics as in PyTorch's train mode.</summary>
    [Benchmark]
    public void FrozenBackboneStepBatch32_BatchNormTrainMode() => _step!.Run();

    private static Workload Build(Func<Workload> create)
    {
        Torch.NumThreads = 2;
        return create();
    }
}

/// <summary>
/// Loading the ResNet-18 state dict of <c>shared/weights/resnet18_flowers5.pth</c> (45 MB) and
/// copying it into a ResNet-18 with 5 classes built once beforehand, the loaded tensors freed each
/// time: PyTorch's <c>model.load_state_dict(torch.load(path))</c>.
/// </summary>
[MedianColumn, MinColumn, MaxColumn]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class StateDictLoadBenchmarks
{
    private Workload _load = null!;

    /// <summary>Finds the weights file and builds the target model.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Torch.NumThreads = 2;
        string path = TrainingWorkloadsPaths.Weights();
        _load = TrainingWorkloads.LoadStateDict(path, 5);
    }

    /// <summary>Frees the model.</summary>
    [GlobalCleanup]
    public void Cleanup() => _load.Dispose();

    /// <summary>TorchSerializer.LoadStateDict + Module.LoadStateDict + freeing the loaded tensors.</summary>
    [Benchmark]
    public void LoadResNet18StateDict() => _load.Run();
}
