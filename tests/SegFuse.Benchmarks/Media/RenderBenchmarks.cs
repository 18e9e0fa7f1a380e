using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using SegFuse.Labels;
using SegFuse.Media.Encoding;
using SegFuse.Media.Rendering;

namespace SegFuse.Benchmarks.Media;

/// <summary>
/// Rendering 60 driving-scene label maps (1280×720) as a palette video with the YouTube preset. Baseline: the ffmpeg
/// CLI encoding the same frames, already coloured, from a raw bgr24 file with exactly the writer's x264 settings.
/// SegFuse: colour each label map (<see cref="LabelColorizer"/>) and pipe it through <see cref="H264VideoWriter"/>.
/// Target: Ratio ≤ 1.25 (speed ≥ 0.8× the CLI).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class RenderBenchmarks
{
    private const int Frames = 60, Width = 1280, Height = 720;
    private List<LabelMap> _labels = [];
    private LabelColorizer _colorizer = null!;
    private string _raw = "";

    [GlobalSetup]
    public void Setup()
    {
        var set = LabelSet.Load("cityscapes-trainids");
        _colorizer = new LabelColorizer(set);
        _labels = MediaFiles.Labels(Frames, Width, Height);
        Directory.CreateDirectory(MediaFiles.Dir);
        _raw = Path.Combine(MediaFiles.Dir, "palette-720.bgr");
        using var file = File.Create(_raw);
        using var bgr = new Mat();
        foreach (var map in _labels)
        {
            _colorizer.Colorize(map, bgr);
            file.Write(bgr.AsSpan<byte>());
        }
    }

    [Benchmark(Baseline = true, Description = "ffmpeg CLI x264 from raw bgr24")]
    public long FfmpegCli()
    {
        string output = Path.Combine(MediaFiles.Dir, "cli.mp4");
        var args = H264VideoWriter.EncoderArguments(Width, Height, 30, H264EncoderSettings.YouTube(Width, Height, 30), _raw, output);
        MediaFiles.Run("ffmpeg", [.. args]);
        return new FileInfo(output).Length;
    }

    [Benchmark(Description = "SegFuse colorize + H264VideoWriter")]
    public long SegFuse()
    {
        string output = Path.Combine(MediaFiles.Dir, "segfuse.mp4");
        using var writer = H264VideoWriter.Create(output, Width, Height, 30);
        using var bgr = new Mat();
        foreach (var map in _labels)
        {
            _colorizer.Colorize(map, bgr);
            writer.Write(bgr);
        }

        writer.Complete();
        return new FileInfo(output).Length;
    }
}
