using BenchmarkDotNet.Running;

namespace SegFuse.Benchmarks;

/// <summary>
/// Every benchmark class names its reference run with [Benchmark(Baseline = true)], so BenchmarkDotNet's
/// Ratio column gives SegFuse's speed against the reference on the same machine in the same run.
/// <c>./build.sh bench --filter '*Score*'</c> (see <c>--list flat</c> for the names).
/// </summary>
internal static class BenchmarkProgram
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
