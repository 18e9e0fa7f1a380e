using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Tests.Support;

namespace SegFuse.Cli.Tests;

/// <summary>Label folders and footage for the media commands' tests.</summary>
internal static class MediaFixtures
{
    /// <summary>Writes <paramref name="count"/> driving-scene label maps (train ids) as 000000.png … into <paramref name="dir"/>.</summary>
    public static List<LabelMap> WriteLabels(string dir, int count, int width, int height, int seed = 7)
    {
        Directory.CreateDirectory(dir);
        var maps = new List<LabelMap>();
        for (int i = 0; i < count; i++)
        {
            var map = DrivingScene.Draw(width, height, i * 4, seed);
            LabelPng.Write(Path.Combine(dir, FrameFiles.NameOf(i, ".png")), map);
            maps.Add(map);
        }

        return maps;
    }

    /// <summary>Writes a test-pattern video with ffmpeg.</summary>
    public static string WriteFootage(string path, int frames, int width, int height, int fps)
    {
        Ffmpeg.Run("-f", "lavfi", "-i", $"testsrc=size={width}x{height}:rate={fps}", "-frames:v", frames.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c:v", "libx264", "-pix_fmt", "yuv420p", path);
        return path;
    }
}
