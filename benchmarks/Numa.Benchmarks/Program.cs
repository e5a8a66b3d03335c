// Runs the benchmarks: `dotnet run -c Release --project benchmarks/Numa.Benchmarks -- --filter '*'`.
// In-process toolchain: BenchmarkDotNet 0.14 does not generate projects for net10.0.
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
BenchmarkSwitcher.FromAssembly(typeof(Numa.Benchmarks.ArenaAllocationBenchmarks).Assembly).Run(args, config);
