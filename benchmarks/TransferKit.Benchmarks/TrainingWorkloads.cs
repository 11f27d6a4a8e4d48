using TransferKit.Data;
using TransferKit.Data.Transforms;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Serialization;
using TransferKit.Engine;
using TransferKit.Training;
using TransferKit.Transfer;

namespace Benchmarks;

/// <summary>
/// The end-to-end workloads compared with PyTorch (benchmarks/pytorch/workloads_bench.py measures
/// the same work): each factory builds its model and inputs once and returns the action that one
/// timed repetition runs. Shared by the console mode (<see cref="WorkloadRunner"/>) and the
/// BenchmarkDotNet classes (<see cref="MlpStepBenchmarks"/>, <see cref="ResNetStepBenchmarks"/>,
/// <see cref="StateDictLoadBenchmarks"/>).
/// </summary>
public static class TrainingWorkloads
{
    /// <summary>Samples per batch of the MLP step (the MNIST tutorial's).</summary>
    public const int MlpBatch = 100;

    /// <summary>Distinct pre-generated MLP batches cycled through (as the PyTorch script does).</summary>
    public const int MlpBatches = 50;

    /// <summary>
    /// A full ResNet-18 training step: zero_grad, forward, cross-entropy, backward, SGD step
    /// (lr 1e-3, momentum 0.9) on a fixed random [batch, 3, 224, 224] input and 1000 classes.
    /// </summary>
    public static Workload ResNet18TrainStep(int batch)
    {
        var (model, x, y, optimizer) = ResNet18Setup(batch);
        return new Workload(() => Step(model, optimizer, x, y), () =>
        {
            optimizer.Dispose();
            model.Dispose();
            x.Dispose();
            y.Dispose();
        });
    }

    /// <summary>
    /// The same ResNet-18 step as <see cref="ResNet18TrainStep"/> as <see cref="Trainer"/> runs it by default
    /// (<see cref="TrainerOptions.CpuStep"/> = <see cref="CpuStepMode.Auto"/>): on a CPU with native bf16 the
    /// weights in channels_last, the input converted to channels_last every step, forward and loss under bf16
    /// autocast; float32 elsewhere. <paramref name="mode"/> receives the mode picked.
    /// </summary>
    public static Workload ResNet18DefaultTrainStep(int batch, out CpuStepMode mode)
    {
        var (model, x, y, optimizer) = ResNet18Setup(batch);
        var format = TrainingStepFormat.Enter(new TrainerOptions { CpuStep = CpuStepMode.Auto }, model, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        mode = format.Mode;
        var inputs = new ModelInputs(ModelInputs.PixelValues, x);
        return new Workload(() =>
        {
            optimizer.ZeroGrad();
            using var scope = Torch.NewDisposeScope();
            var prepared = format.Prepare(inputs);
            Tensor loss;
            using (format.EnterAutocast(Device.Cpu))
                loss = Functional.CrossEntropy(model.Forward(prepared).To(ScalarType.Float32), y);
            loss.Backward();
            optimizer.Step();
        }, () =>
        {
            format.Dispose();
            optimizer.Dispose();
            model.Dispose();
            inputs.Dispose();
            y.Dispose();
        });
    }

    /// <summary>ResNet-18 (seed 0, training mode), a random input and labels of <paramref name="batch"/> samples, SGD (lr 1e-3, momentum 0.9).</summary>
    private static (ResNet Model, Tensor X, Tensor Y, SGD Optimizer) ResNet18Setup(int batch)
    {
        Torch.ManualSeed(0);
        var model = ResNet.ResNet18(1000);
        model.Train();
        var x = Torch.Randn(batch, 3, 224, 224).DetachFromDisposeScope();
        var y = Torch.RandInt(0, 1000, new long[] { batch }).DetachFromDisposeScope();
        return (model, x, y, new SGD(model.Parameters(), 1e-3, momentum: 0.9));
    }

    /// <summary>
    /// A training step of ResNet-18 with its backbone frozen and a new fc Linear(512, 2), built as
    /// users do (<c>ModelBuilder.FromArchitecture("resnet18").FreezeBackbone().ReplaceHead(2)</c>);
    /// only fc is in the optimizer. <paramref name="policy"/> decides whether the frozen BatchNorm
    /// layers run in inference mode (TransferKit's default) or normalise with batch statistics and
    /// update their running statistics, as PyTorch's <c>model.train()</c> does.
    /// </summary>
    public static Workload FrozenBackboneStep(int batch, BatchNormPolicy policy)
    {
        Torch.ManualSeed(0);
        var model = ModelBuilder.FromArchitecture("resnet18").FreezeBackbone().ReplaceHead(2).WithBatchNormPolicy(policy).Build();
        var x = Torch.Randn(batch, 3, 224, 224).DetachFromDisposeScope();
        var y = Torch.RandInt(0, 2, new long[] { batch }).DetachFromDisposeScope();
        var optimizer = new SGD(model.TrainableParameters(), 1e-3, momentum: 0.9);
        return new Workload(() => Step(model, optimizer, x, y), () =>
        {
            optimizer.Dispose();
            model.Dispose();
            x.Dispose();
            y.Dispose();
        });
    }

    /// <summary>
    /// <paramref name="steps"/> MLP training steps (Linear(784, 100), ReLU, Linear(100, 10), batch
    /// 100, cross-entropy, plain SGD lr 1e-2), cycling through <see cref="MlpBatches"/> random batches.
    /// </summary>
    public static Workload MlpSteps(int steps)
    {
        var (model, xs, ys) = MlpSetup();
        var optimizer = new SGD(model.Parameters(), 1e-2);
        int next = 0;
        return new Workload(() =>
        {
            for (int s = 0; s < steps; s++)
            {
                int k = next++ % MlpBatches;
                using var scope = Torch.NewDisposeScope();
                var loss = Functional.CrossEntropy(model.Forward(xs[k]), ys[k]);
                loss.Backward();
                optimizer.Step();
                optimizer.ZeroGrad();
            }
        }, () =>
        {
            optimizer.Dispose();
            model.Dispose();
            foreach (var t in xs.Concat(ys)) t.Dispose();
        });
    }

    /// <summary>The MLP (seed 0) and <see cref="MlpBatches"/> random batches of <see cref="MlpBatch"/>.</summary>
    private static (Sequential Model, Tensor[] Xs, Tensor[] Ys) MlpSetup()
    {
        Torch.ManualSeed(0);
        var model = new Sequential(new Linear(784, 100), new ReLU(), new Linear(100, 10));
        var xs = new Tensor[MlpBatches];
        var ys = new Tensor[MlpBatches];
        for (int k = 0; k < MlpBatches; k++)
        {
            xs[k] = Torch.Randn(MlpBatch, 784).DetachFromDisposeScope();
            ys[k] = Torch.RandInt(0, 10, new long[] { MlpBatch }).DetachFromDisposeScope();
        }
        return (model, xs, ys);
    }

    /// <summary>
    /// The MLP workload of <see cref="MlpSteps"/> run through <see cref="Trainer.Fit"/> (one epoch of
    /// <paramref name="steps"/> batches, no validation): the trainer's whole per-batch cost — callbacks,
    /// loss, running accuracy, top-k and confusion matrix — on top of the bare step. The PyTorch side
    /// is the tutorial loop that reads the loss and counts correct predictions every batch.
    /// </summary>
    public static Workload MlpTrainerEpoch(int steps)
    {
        var (model, xs, ys) = MlpSetup();
        var trainer = new Trainer(new TrainerOptions
        {
            Epochs = 1,
            OptimizerFactory = m => new SGD(m.Parameters(), 1e-2),
            RestoreBestWeights = false,
        });
        int next = 0;
        IEnumerable<Batch> Batches()
        {
            for (int s = 0; s < steps; s++)
            {
                int k = next++ % MlpBatches;
                yield return new Batch(xs[k].Alias(), ys[k].Alias()); // the trainer disposes the aliases, not the data
            }
        }
        return new Workload(() => trainer.Fit(model, Batches()), () =>
        {
            model.Dispose();
            foreach (var t in xs.Concat(ys)) t.Dispose();
        });
    }

    /// <summary>
    /// Loads a state dict from a <c>.pth</c> file (<see cref="TorchSerializer.LoadStateDict(string)"/>),
    /// copies it into a ResNet-18 with <paramref name="classes"/> outputs built once beforehand
    /// (<see cref="Module.LoadStateDict"/>) and frees the loaded tensors.
    /// </summary>
    public static Workload LoadStateDict(string path, int classes)
    {
        var model = ResNet.ResNet18(classes);
        return new Workload(() =>
        {
            using var stateDict = TorchSerializer.LoadStateDict(path);
            model.LoadStateDict(stateDict);
        }, model.Dispose);
    }

    /// <summary>
    /// The augmenting training pipeline of the transfer-learning tutorial on decoded images:
    /// RandomResizedCrop(224), RandomHorizontalFlip, ToTensor, Normalize (ImageNet statistics).
    /// </summary>
    public static Compose TrainTransform() =>
        new(new HwcToChw(), new RandomResizedCrop(224), new RandomHorizontalFlip(), new ToTensor(), Normalize.ImageNet());

    /// <summary>A shuffling loader over <paramref name="dataset"/> with batch 32 and <paramref name="workers"/> worker threads.</summary>
    public static DataLoader Loader(IImageDataset dataset, int workers, IImageTransform? transform, bool shuffle = true) =>
        new(dataset, Options(workers, shuffle), transform);

    /// <summary>
    /// The same loader with region decoding off: whole images are decoded and <c>transform.Apply</c>
    /// runs on them (the batches are identical; this measures what region decoding saves).
    /// </summary>
    public static DataLoader WholeImageLoader(IImageDataset dataset, int workers, IImageTransform transform, bool shuffle = true) =>
        new(dataset, Options(workers, shuffle), transform, decodeRegions: false);

    private static DataLoaderOptions Options(int workers, bool shuffle) =>
        new() { BatchSize = 32, Shuffle = shuffle, Seed = 1, NumWorkers = workers };

    /// <summary>Enumerates one epoch of <paramref name="loader"/>, disposing every batch; returns the number of samples.</summary>
    public static long OnePass(DataLoader loader)
    {
        long count = 0;
        foreach (var batch in loader)
            using (batch)
                count += batch.Size;
        return count;
    }

    private static void Step(Module model, Optimizer optimizer, Tensor x, Tensor y)
    {
        optimizer.ZeroGrad();
        using var scope = Torch.NewDisposeScope();
        var loss = Functional.CrossEntropy(model.Forward(x), y);
        loss.Backward();
        optimizer.Step();
    }
}

/// <summary>One benchmark's repeated action and the clean-up of what it holds.</summary>
/// <param name="Run">One timed repetition.</param>
/// <param name="Cleanup">Frees the model, optimizer and inputs.</param>
public sealed record Workload(Action Run, Action Cleanup) : IDisposable
{
    /// <summary>Runs <see cref="Cleanup"/>.</summary>
    public void Dispose() => Cleanup();
}
