using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using SegFuse.Media.Decoding;
using SegFuse.Timeline.Flow;

namespace SegFuse.Benchmarks.Timeline;

/// <summary>
/// A separate measured run (not BenchmarkDotNet): CPU time of this process (user + system, ffmpeg children not
/// included) and wall time for the parts of <c>segfuse flow</c> on the flow benchmark's video, to see where the
/// pipeline spends more than the bare loop. <c>dotnet run -c Release --project tests/SegFuse.Benchmarks -- flow-profile [DOWNSCALE [REPEATS]]</c>.
/// </summary>
internal static class FlowProfileRun
{
    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        int downscale = args.Length > 0 ? int.Parse(args[0], inv) : 2;
        int repeats = args.Length > 1 ? int.Parse(args[1], inv) : 3;
        var bench = new FlowBenchmarks { Downscale = downscale };
        bench.Setup();
        string video = Path.Combine(Path.GetTempPath(), "segfuse-bench-flow", "pan-640x360-90.mp4");
        string output = Path.Combine(Path.GetTempPath(), "segfuse-bench-flow", "profile-out");
        var cases = new (string Name, Action Body)[]
        {
            ("bare loop (baseline)", () => bench.BareLoop()),
            ("decode only (auto)", () => Decode(video, VideoDecoder.Auto)),
            ("decode only (opencv)", () => Decode(video, VideoDecoder.OpenCv)),
            ("pipeline, no writing", () => Pipeline(video, output, downscale, write: false)),
            ("pipeline, writing .flo", () => Pipeline(video, output, downscale, write: true)),
            ("segfuse flow (CLI in-process)", () => bench.SegfuseFlow()),
        };
        foreach (var (name, body) in cases)
        {
            body();
            for (int r = 0; r < repeats; r++)
            {
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                body();
                double w = wall.Elapsed.TotalMilliseconds;
                double c = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds;
                Console.WriteLine(string.Create(inv, $"{name,-32} wall {w,7:0} ms  cpu {c,7:0} ms"));
            }
        }

        bench.Cleanup();
    }

    private static void Decode(string video, VideoDecoder decoder)
    {
        using var source = VideoFrameSource.Open(video, decoder: decoder);
        while (source.TryRead(out _))
        {
        }
    }

    private static void Pipeline(string video, string output, int downscale, bool write)
    {
        using var source = VideoFrameSource.Open(video);
        var options = new FlowPipelineOptions { Downscale = downscale, WriteOverride = write ? null : (_, _) => { } };
        FlowPipeline.Run(Frames(source), output, options);
    }

    private static IEnumerable<Mat> Frames(VideoFrameSource source)
    {
        while (source.TryRead(out var frame))
        {
            yield return frame.Image;
        }
    }
}
