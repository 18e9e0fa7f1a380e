using BenchmarkDotNet.Attributes;
using SegFuse.Synthetic;
using SegFuse.Synthetic.Render;
using SegFuse.Synthetic.Scene;

namespace SegFuse.Benchmarks.Synthetic;

/// <summary>
/// Synthetic sample generation at 1280×720, one second of video (30 frames) per operation. The baseline is the ray
/// caster alone (colour, labels, depth and both flows of each frame); the others add what a sample needs on top:
/// occlusion masks and noisy predictions in memory, then the whole folder (PNG labels, two .flo files per frame,
/// H.264 through ffmpeg, telemetry, split). Ratio = cost relative to rendering alone; the mean divided by 30 is the
/// time per frame.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class SyntheticBenchmarks
{
    private const int Frames = 30;
    private static readonly SyntheticOptions Options = new() { Width = 1280, Height = 720, Frames = Frames, Seed = 1, StartSeconds = 5 };
    private StreetScene _scene = null!;
    private Renderer _renderer = null!;
    private RenderBuffers _buffers = null!;
    private string _dir = "";

    [GlobalSetup]
    public void Setup()
    {
        _scene = new StreetScene(Options.Seed, Options.StartSeconds, Options.StartSeconds + 1, Options.Width, Options.Height);
        _renderer = new Renderer(_scene);
        _buffers = new RenderBuffers(Options.Width, Options.Height);
        _dir = Path.Combine(Path.GetTempPath(), "segfuse-bench-sample-" + Environment.ProcessId);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Benchmark(Baseline = true, Description = "ray casting only (30 frames)")]
    public void RenderOnly()
    {
        for (int i = 0; i < Frames; i++)
        {
            double t = Options.StartSeconds + (i / 30.0);
            _renderer.Render(t, t - (1 / 30.0), t + (1 / 30.0), _buffers, CancellationToken.None);
        }
    }

    [Benchmark(Description = "frames in memory: + occlusion, predictions (30 frames)")]
    public int InMemory()
    {
        var seq = new SyntheticSequence(Options);
        int n = 0;
        while (seq.TryRead(out var f))
        {
            n += f.Index;
            f.Dispose();
        }

        return n;
    }

    [Benchmark(Description = "sample folder: + PNG, .flo, H.264 (30 frames)")]
    public double SampleFolder() => SampleWriter.Write(Options, _dir).PredictionMiou;
}
