using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using SegFuse.Cli;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Scoring;

namespace SegFuse.Benchmarks.Scoring;

/// <summary>
/// The whole <c>segfuse score</c> command (pairing, PNG decoding, counting, report) on 120 Cityscapes-layout
/// frames of mixed sizes, with and without instances. The baseline is a bare loop that only decodes the
/// same PNGs with OpenCV on one core: the I/O floor any scorer pays. The reference evaluator
/// (cityscapesScripts) is timed by tools/bench-score.sh where it is installed.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class ScoreBenchmarks
{
    private string _dir = "";
    private string[] _files = [];

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "segfuse-bench-score");
        if (!Directory.Exists(Path.Combine(_dir, "gt")))
        {
            ScoreDataset.Write(_dir, 120);
        }

        _files = Directory.GetFiles(_dir, "*.png", SearchOption.AllDirectories);
    }

    [Benchmark(Baseline = true, Description = "decode only, 1 core")]
    public long DecodeOnly()
    {
        long px = 0;
        foreach (var f in _files)
        {
            using var m = Cv2.ImRead(f, ImreadModes.Unchanged);
            px += m.Total();
        }

        return px;
    }

    [Benchmark(Description = "decode only with SegFuse's PNG reader, 1 core")]
    public long DecodeOnlySegFuse()
    {
        long px = 0;
        foreach (var f in _files)
        {
            using var m = PngGrayDecoder.TryDecode(f)!;
            px += (long)m.Width * m.Height;
        }

        return px;
    }

    [Benchmark(Description = "segfuse score (instances)")]
    public int Score() => Run();

    [Benchmark(Description = "segfuse score --no-instances")]
    public int ScoreNoInstances() => Run("--no-instances");

    private int Run(params string[] extra)
    {
        var console = new CliConsole(TextWriter.Null, TextWriter.Null, isTerminal: false);
        return SegFuseCli.RunAsync(["score", "--gt", Path.Combine(_dir, "gt"), "--pred", Path.Combine(_dir, "pred"), .. extra], console, CancellationToken.None).GetAwaiter().GetResult();
    }
}
