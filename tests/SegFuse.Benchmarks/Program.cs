using BenchmarkDotNet.Running;
using SegFuse.Benchmarks.Scoring;

namespace SegFuse.Benchmarks;

/// <summary>
/// Every benchmark class names its reference run with [Benchmark(Baseline = true)], so BenchmarkDotNet's
/// Ratio column gives SegFuse's speed against the reference on the same machine in the same run.
/// <c>./build.sh bench --filter '*Score*'</c> (see <c>--list flat</c> for the names).
/// <c>make-score-data DIR FRAMES [WxH]</c> writes the scoring benchmark's data set (for tools/bench-score.sh).
/// <c>media-memory [SMALL LARGE [WxH]]</c> measures the media commands' peak memory on short and long inputs.
/// <c>flow-profile [DOWNSCALE [REPEATS]]</c> prints CPU and wall time of the parts of <c>segfuse flow</c>.
/// <c>engine-profile [FRAMES [REPEATS [WORKERS]]]</c> prints CPU and wall time per frame of the fusion engine alone (frames in memory).
/// <c>make-fusion-data - WxH FRAMES [SEED]</c> writes (once) a generator sequence in the sample layout and prints its folder;
/// <c>fusion-table DIR [--plain] [--only TEXT]</c> prints the fusion mIoU/TC table for a sample folder (--only: just the engine's runs whose name contains TEXT).
/// </summary>
internal static class BenchmarkProgram
{
    public static void Main(string[] args)
    {
        if (args.Length is 3 or 4 && args[0] == "make-score-data")
        {
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            (int W, int H)[]? sizes = args.Length == 4 ? [(int.Parse(args[3].Split('x')[0], inv), int.Parse(args[3].Split('x')[1], inv))] : null;
            long px = ScoreDataset.Write(args[1], int.Parse(args[2], inv), sizes);
            Console.WriteLine($"{args[2]} frames, {px} pixels in {args[1]}");
            return;
        }

        if (args.Length > 0 && args[0] == "flow-profile")
        {
            Timeline.FlowProfileRun.Run(args[1..]);
            return;
        }

        if (args.Length > 0 && args[0] == "engine-profile")
        {
            Fusion.EngineProfileRun.Run(args[1..]);
            return;
        }

        if (args.Length > 0 && args[0] == "media-memory")
        {
            Media.MediaMemoryRun.Run(args[1..]);
            return;
        }

        if (args.Length >= 2 && args[0] == "fusion-table")
        {
            int only = Array.IndexOf(args, "--only");
            Fusion.FusionTable.Run(args[1], args.Contains("--plain"), Console.Out, only > 0 && only + 1 < args.Length ? args[only + 1] : null);
            return;
        }

        if (args.Length is 4 or 5 && args[0] == "make-fusion-data")
        {
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            var size = args[2].Split('x');
            string dir = Fusion.FusionDataset.Ensure(int.Parse(size[0], inv), int.Parse(size[1], inv), int.Parse(args[3], inv), args.Length == 5 ? int.Parse(args[4], inv) : 1);
            Console.WriteLine(dir);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
    }
}
