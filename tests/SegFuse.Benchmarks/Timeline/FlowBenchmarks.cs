using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using SegFuse.Cli;
using SegFuse.Media.Decoding;
using SegFuse.Media.Encoding;
using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Tests.Synthetic;

namespace SegFuse.Benchmarks.Timeline;

/// <summary>
/// <c>segfuse flow</c> (decode the H.264 video, grey conversion, Farnebäck on 2 workers, .flo files written on their
/// own thread) against the bare loop a user would write: the same OpenCV calls with the same parameters
/// (cvtColor once per frame, calcOpticalFlowFarneback per pair; with --downscale 2 also the two area resizes, the
/// bilinear resize back and the vector scaling) on the same frames, decoded into memory beforehand, one after
/// the other, writing nothing. OpenCV's own thread pool is left at its default in both. Target: Ratio ≤ 1.11
/// (≥ 0.9× the loop's rate).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class FlowBenchmarks
{
    private const int Width = 640;
    private const int Height = 360;
    private const int FrameCount = 90;
    private readonly List<Mat> _frames = [];
    private string _dir = "";
    private string _video = "";

    [Params(1, 2)]
    public int Downscale { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "segfuse-bench-flow");
        Directory.CreateDirectory(_dir);
        _video = Path.Combine(_dir, $"pan-{Width}x{Height}-{FrameCount}.mp4");
        if (!File.Exists(_video))
        {
            using var seq = new PanSequence(Width, Height, 30);
            using var writer = H264VideoWriter.Create(_video, Width, Height, 30);
            for (int i = 0; i < FrameCount; i++)
            {
                using var f = seq.Render(i / 30.0);
                writer.Write(f);
            }

            writer.Complete();
        }

        // The baseline's frames: the same decoded pixels, held in memory.
        using var source = VideoFrameSource.Open(_video);
        while (source.TryRead(out var frame))
        {
            _frames.Add(frame.Image.Clone());
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var f in _frames)
        {
            f.Dispose();
        }

        _frames.Clear();
    }

    [Benchmark(Baseline = true, Description = "bare OpenCV loop on decoded frames")]
    public double BareLoop()
    {
        var p = FlowEstimator.Farneback;
        using var previous = new Mat();
        using var grey = new Mat();
        using var flow = new Mat();
        using var smallA = new Mat();
        using var smallB = new Mat();
        using var smallFlow = new Mat();
        double check = 0;
        for (int i = 0; i < _frames.Count; i++)
        {
            Cv2.CvtColor(_frames[i], grey, ColorConversionCodes.BGR2GRAY);
            if (i > 0)
            {
                if (Downscale == 1)
                {
                    Cv2.CalcOpticalFlowFarneback(grey, previous, flow, p.PyrScale, p.Levels, p.WinSize, p.Iterations, p.PolyN, p.PolySigma, p.Flags);
                }
                else
                {
                    var small = new Size(Width / Downscale, Height / Downscale);
                    Cv2.Resize(grey, smallA, small, 0, 0, InterpolationFlags.Area);
                    Cv2.Resize(previous, smallB, small, 0, 0, InterpolationFlags.Area);
                    Cv2.CalcOpticalFlowFarneback(smallA, smallB, smallFlow, p.PyrScale, p.Levels, p.WinSize, p.Iterations, p.PolyN, p.PolySigma, p.Flags);
                    Cv2.Resize(smallFlow, flow, new Size(Width, Height), 0, 0, InterpolationFlags.Linear);
                    var data = flow.AsSpan<float>();
                    for (int k = 0; k < data.Length; k++)
                    {
                        data[k] *= Downscale;
                    }
                }

                check += flow.At<Vec2f>(Height / 2, Width / 2).Item0;
            }

            grey.CopyTo(previous);
        }

        return check;
    }

    [Benchmark(Description = "segfuse flow (decode + 2 workers + writer)")]
    public int SegfuseFlow()
    {
        string output = Path.Combine(_dir, "out");
        var console = new CliConsole(TextWriter.Null, TextWriter.Null, isTerminal: false);
        int code = SegFuseCli.RunAsync(
            ["flow", "--video", _video, "--out", output, "--direction", "backward", "--downscale", Downscale.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            console,
            CancellationToken.None).GetAwaiter().GetResult();
        if (code != 0)
        {
            throw new InvalidOperationException($"segfuse flow exited with {code}");
        }

        return code;
    }
}
