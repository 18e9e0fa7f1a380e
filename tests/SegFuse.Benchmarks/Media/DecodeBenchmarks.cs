using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using SegFuse.Media.Decoding;

namespace SegFuse.Benchmarks.Media;

/// <summary>
/// Decoding a 720p30 H.264 file (300 frames) to BGR frames. Baseline: the ffmpeg CLI decoding the same file to raw
/// bgr24 on a pipe that the benchmark drains (<c>ffmpeg -i f.mp4 -f rawvideo -pix_fmt bgr24 -</c>). SegFuse:
/// <see cref="VideoFrameSource"/> with each decoder (OpenCV's bundled FFmpeg with the BT.709 fix-up; the system ffmpeg
/// through a pipe), timestamps and the ffprobe call included.
/// Target: Ratio ≤ 1.43 (speed ≥ 0.7× the CLI).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private readonly byte[] _sink = new byte[1 << 20];
    private string _file = "";

    [GlobalSetup]
    public void Setup() => _file = MediaFiles.Drive720();

    [Benchmark(Baseline = true, Description = "ffmpeg CLI -> rawvideo bgr24 pipe")]
    public long FfmpegCli()
    {
        var info = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in new[] { "-v", "error", "-nostdin", "-i", _file, "-f", "rawvideo", "-pix_fmt", "bgr24", "-" })
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.BaseStream;
        long total = 0;
        int n;
        while ((n = stdout.Read(_sink, 0, _sink.Length)) > 0)
        {
            total += n;
        }

        p.WaitForExit();
        return total;
    }

    [Benchmark(Description = "SegFuse VideoFrameSource (OpenCV)")]
    public long SegFuseOpenCv() => ReadAll(VideoDecoder.OpenCv);

    [Benchmark(Description = "SegFuse VideoFrameSource (ffmpeg pipe)")]
    public long SegFuseFfmpeg() => ReadAll(VideoDecoder.Ffmpeg);

    private long ReadAll(VideoDecoder decoder)
    {
        using var source = VideoFrameSource.Open(_file, decoder: decoder);
        long sum = 0;
        while (source.TryRead(out var frame))
        {
            sum += frame.Index;
        }

        return sum;
    }
}
