using BenchmarkDotNet.Running;
using Benchmarks;

// `gemm` is a quick console mode (no BenchmarkDotNet) that prints GFLOP/s and the BLAS library the
// process mapped; benchmarks/blas-compare.sh runs it under each BLAS. Anything else goes to
// BenchmarkDotNet, e.g. `-- --filter '*Dispatch*'` or `-- --list flat`.
// `workloads` times the end-to-end workloads (training steps, feature cache, data pipeline, state-dict
// loading) with a Stopwatch; benchmarks/workloads-compare.sh runs it against the PyTorch script.
// `allreduce` is one rank of the data-parallel step's phases (benchmarks/allreduce-overlap.sh).
if (args.Length > 0 && args[0] == "gemm")
    return GemmProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "workloads")
    return WorkloadRunner.Run(args[1..]);
if (args.Length > 0 && args[0] == "profile-load")
    return ProfileLoad.Run(args[1..]);
if (args.Length > 0 && args[0] == "profile-data")
    return ProfileData.Run(args[1..]);
if (args.Length > 0 && args[0] == "inference")
    return InferenceProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "allreduce")
    return AllReduceProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "profile-step")
    return ProfileStep.Run(args[1..]);

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
