using BenchmarkDotNet.Running;
using Benchmarks;

// `gemm` is a quick console mode (no BenchmarkDotNet) that prints GFLOP/s and the BLAS library the
// process mapped; benchmarks/blas-compare.sh runs it under each BLAS. Anything else goes to
// BenchmarkDotNet, e.g. `-- --filter '*Dispatch*'` or `-- --list flat`.
if (args.Length > 0 && args[0] == "gemm")
    return GemmProbe.Run(args[1..]);

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
