using System.Diagnostics;
using System.Globalization;
using System.Text;
using SegFuse.Media.Encoding;
using SegFuse.Timeline.Tests.Synthetic;

namespace SegFuse.Cli.Tests.Timeline;

/// <summary>
/// Fixtures built once per test class: H.264 videos of the synthetic pan (written with SegFuse's H.264 writer) and a
/// telemetry CSV sampled at about 50 Hz with jittered timestamps whose <c>speed</c> column is the pan's true speed.
/// </summary>
public sealed class PanVideo : IDisposable
{
    public const int Width = 192;
    public const int Height = 108;
    public const double Fps = 30;

    public PanVideo()
    {
        Dir = new TempDir();
        LongVideo = Dir.Combine("pan45.mp4");
        ShortVideo = Dir.Combine("pan16.mp4");
        Telemetry = Dir.Combine("telemetry.csv");
        using var seq = new PanSequence(Width, Height, Fps);
        Write(seq, LongVideo, 45);
        Write(seq, ShortVideo, 16);

        // ~50 Hz with ±4 ms jitter, from before the first frame to after the last; speed in px/s, plus a steering column.
        var rng = new Random(5);
        var csv = new StringBuilder("timestamp,speed,steer\n");
        for (int k = -5; k <= 80; k++)
        {
            double tau = (k * 0.02) + ((rng.NextDouble() - 0.5) * 0.008);
            csv.Append(CultureInfo.InvariantCulture, $"{tau:R},{PanSequence.Speed(tau):R},{Math.Cos(tau):R}\n");
        }

        File.WriteAllText(Telemetry, csv.ToString());
    }

    internal TempDir Dir { get; }

    /// <summary>45 frames (1.5 s).</summary>
    public string LongVideo { get; }

    /// <summary>16 frames, for the slower flow methods.</summary>
    public string ShortVideo { get; }

    public string Telemetry { get; }

    /// <summary>Presentation times of the frames as ffprobe reads them.</summary>
    public static List<double> ContainerTimes(string video)
    {
        var info = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time", "-of", "csv=p=0", video })
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => double.Parse(l.TrimEnd(','), CultureInfo.InvariantCulture))
            .ToList();
    }

    public void Dispose() => Dir.Dispose();

    private static void Write(PanSequence seq, string path, int frames)
    {
        using var writer = H264VideoWriter.Create(path, Width, Height, Fps);
        for (int i = 0; i < frames; i++)
        {
            using var frame = seq.Render(i / Fps);
            writer.Write(frame);
        }

        writer.Complete();
    }
}
