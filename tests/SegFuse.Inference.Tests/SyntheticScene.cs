using System.Diagnostics;
using OpenCvSharp;
using SegFuse.Labels;

namespace SegFuse.Inference.Tests;

/// <summary>
/// Driving-like synthetic frames for tests: coloured regions (sky, buildings, vegetation, road, sidewalk, a
/// car, a person) in Cityscapes train ids, moving a little from frame to frame, with pixel noise.
/// </summary>
internal static class SyntheticScene
{
    public const ushort Road = 0, Sidewalk = 1, Building = 2, Vegetation = 8, Sky = 10, Person = 11, Car = 13;

    /// <summary>Frame <paramref name="index"/> as BGR and its truth (train ids).</summary>
    public static (Mat Bgr, LabelMap Truth) Frame(int width, int height, int index, int seed = 7)
    {
        var truth = new LabelMap(width, height);
        var bgr = new Mat(height, width, MatType.CV_8UC3);
        var random = new Random((seed * 7919) + index);
        int horizon = (int)(height * (0.42 + (0.03 * Math.Sin(index * 0.3))));
        int shift = index * width / 60;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                ushort label;
                if (y < horizon)
                {
                    int skyline = (int)(horizon * (0.45 + (0.25 * Math.Sin(((x + shift) * 12.0 / width) + 1))));
                    bool tree = ((x + shift) / (width / 8)) % 3 == 1;
                    label = y < skyline ? Sky : tree ? Vegetation : Building;
                }
                else
                {
                    double t = (y - horizon) / (double)(height - horizon);
                    double half = width * (0.08 + (0.42 * t));
                    label = Math.Abs(x - (width / 2.0)) < half ? Road : Sidewalk;
                }

                truth[x, y] = label;
            }
        }

        int carW = width / 5, carH = height / 6;
        int carX = (width / 5) + (index * width / 80 % (width / 3));
        int carY = horizon + (height / 12);
        Fill(truth, carX, carY, carW, carH, Car);
        int personX = (width * 3 / 4) - (index * width / 100 % (width / 6));
        Fill(truth, personX, horizon - (height / 20), Math.Max(2, width / 30), height / 5, Person);

        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = truth[x, y] switch
                {
                    Sky => (110, 160, 225),
                    Building => (120, 100, 90),
                    Vegetation => (60, 130, 50),
                    Road => (110, 90, 120),
                    Sidewalk => (200, 150, 190),
                    Car => (30, 40, 140),
                    Person => (200, 40, 40),
                    _ => (0, 0, 0),
                };
                int n = random.Next(-25, 26);
                bgr.Set(y, x, new Vec3b(Clamp(b + n + random.Next(-8, 9)), Clamp(g + n + random.Next(-8, 9)), Clamp(r + n + random.Next(-8, 9))));
            }
        }

        return (bgr, truth);
    }

    /// <summary>Writes <paramref name="count"/> frames as an H.264 mp4 through the system ffmpeg; returns the truth maps.</summary>
    public static List<LabelMap> WriteVideo(string path, int width, int height, int count, int seed = 7)
    {
        var truths = new List<LabelMap>();
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{width}x{height}", "-r", "10", "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-crf", "14", "-pix_fmt", "yuv420p", path })
        {
            start.ArgumentList.Add(a);
        }

        using var ffmpeg = Process.Start(start)!;
        var errors = ffmpeg.StandardError.ReadToEndAsync();
        var stdin = ffmpeg.StandardInput.BaseStream;
        var row = new byte[width * 3];
        for (int i = 0; i < count; i++)
        {
            var (bgr, truth) = Frame(width, height, i, seed);
            using (bgr)
            {
                for (int y = 0; y < height; y++)
                {
                    System.Runtime.InteropServices.Marshal.Copy(bgr.Ptr(y), row, 0, row.Length);
                    stdin.Write(row);
                }
            }

            truths.Add(truth);
        }

        stdin.Close();
        ffmpeg.WaitForExit();
        if (ffmpeg.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg failed: {errors.Result}");
        }

        return truths;
    }

    /// <summary>
    /// Writes a folder in the sample layout: <c>video.mp4</c>, <c>gt/NNNNNN.png</c> (train ids) and, unless
    /// <paramref name="withSplit"/> is false, <c>split.csv</c> with every <paramref name="testEvery"/>-th frame in test.
    /// </summary>
    public static void WriteSample(string dir, int width, int height, int count, int testEvery = 4, bool withSplit = true, int seed = 7)
    {
        Directory.CreateDirectory(Path.Combine(dir, "gt"));
        var truths = WriteVideo(Path.Combine(dir, "video.mp4"), width, height, count, seed);
        var split = new System.Text.StringBuilder("frame,split\n");
        for (int i = 0; i < count; i++)
        {
            SegFuse.IO.LabelPng.Write(Path.Combine(dir, "gt", SegFuse.IO.FrameFiles.NameOf(i, ".png")), truths[i]);
            split.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i},{(i % testEvery == testEvery - 1 ? "test" : "train")}\n");
        }

        if (withSplit)
        {
            File.WriteAllText(Path.Combine(dir, "split.csv"), split.ToString());
        }
    }

    private static void Fill(LabelMap map, int x0, int y0, int w, int h, ushort label)
    {
        for (int y = Math.Max(0, y0); y < Math.Min(map.Height, y0 + h); y++)
        {
            for (int x = Math.Max(0, x0); x < Math.Min(map.Width, x0 + w); x++)
            {
                map[x, y] = label;
            }
        }
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}
