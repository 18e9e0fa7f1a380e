using System.Diagnostics;
using SegFuse.Labels;
using SegFuse.Media.Tests.Support;

namespace SegFuse.Benchmarks.Media;

/// <summary>Inputs of the media benchmarks, made once under the temp folder with the real ffmpeg.</summary>
internal static class MediaFiles
{
    public static string Dir { get; } = Path.Combine(Path.GetTempPath(), "segfuse-bench-media");

    /// <summary>A 720p30 H.264 file like a dash camera's: moving test pattern with sensor-like noise, ~5 Mbit/s, BT.709.</summary>
    public static string Drive720(int frames = 300)
    {
        string path = Path.Combine(Dir, $"drive720-{frames}.mp4");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Dir);
            Run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30,noise=alls=6:allf=t",
                "-frames:v", frames.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-c:v", "libx264", "-preset", "veryfast", "-b:v", "5M", "-pix_fmt", "yuv420p",
                "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", path);
        }

        return path;
    }

    /// <summary>Driving-scene label maps (Cityscapes train ids).</summary>
    public static List<LabelMap> Labels(int frames, int width, int height) =>
        Enumerable.Range(0, frames).Select(i => DrivingScene.Draw(width, height, i * 3, seed: 5)).ToList();

    public static void Run(string exe, params string[] args)
    {
        var info = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{exe} failed: {err}");
        }
    }
}
