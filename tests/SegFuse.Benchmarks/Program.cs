using BenchmarkDotNet.Running;

// Every benchmark class names its reference run with [Benchmark(Baseline = true)], so BenchmarkDotNet's
// Ratio column gives SegFuse's speed against the reference on the same machine in the same run.
// ./build.sh bench --filter '*Score*'   (see --list flat for the names)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

internal sealed partial class Program;
