using System.IO.Compression;
using SegFuse.IO;
using SegFuse.Labels;

namespace SegFuse.Server.Tests.Support;

/// <summary>
/// Synthetic label maps in Cityscapes train ids: a sky / building / road layout with random objects, and
/// predictions that relabel a given share of 8×8 blocks at random (more noise → lower score).
/// </summary>
internal static class Scenes
{
    private static readonly ushort[] Objects = [1, 5, 7, 8, 11, 13, 14];

    public static LabelMap GroundTruth(int index, int width, int height, int seed)
    {
        var rng = new Random(unchecked((seed * 1_000_003) + index));
        var map = new LabelMap(width, height, 10);
        for (int y = height / 3; y < height; y++)
        {
            map.GetRowSpan(y).Fill(y < height * 3 / 5 ? (ushort)2 : (ushort)0);
        }

        for (int k = 0; k < 6; k++)
        {
            int w = rng.Next(width / 10, width / 3), h = rng.Next(height / 10, height / 3);
            int x0 = rng.Next(0, width - w), y0 = rng.Next(0, height - h);
            ushort id = Objects[rng.Next(Objects.Length)];
            for (int y = y0; y < y0 + h; y++)
            {
                map.GetRowSpan(y).Slice(x0, w).Fill(id);
            }
        }

        map.GetRowSpan(height - 1).Fill(255);
        return map;
    }

    public static LabelMap Prediction(LabelMap gt, double noise, int seed)
    {
        var rng = new Random(seed);
        var map = gt.Clone();
        for (int by = 0; by < gt.Height; by += 8)
        {
            for (int bx = 0; bx < gt.Width; bx += 8)
            {
                if (rng.NextDouble() >= noise)
                {
                    continue;
                }

                ushort id = (ushort)rng.Next(0, 19);
                for (int y = by; y < Math.Min(by + 8, gt.Height); y++)
                {
                    map.GetRowSpan(y).Slice(bx, Math.Min(8, gt.Width - bx)).Fill(id);
                }
            }
        }

        return map;
    }

    /// <summary>Writes ground-truth frames <paramref name="indices"/> into <paramref name="dir"/> as 000123.png.</summary>
    public static void WriteGroundTruth(string dir, IEnumerable<int> indices, int width, int height, int seed)
    {
        Directory.CreateDirectory(dir);
        foreach (int i in indices)
        {
            LabelPng.Write(Path.Combine(dir, FrameFiles.NameOf(i, ".png")), GroundTruth(i, width, height, seed));
        }
    }

    /// <summary>Writes predictions for the ground-truth PNGs of <paramref name="gtDir"/> into <paramref name="predDir"/> (same names).</summary>
    public static void WritePredictions(string gtDir, string predDir, double noise, int seed)
    {
        Directory.CreateDirectory(predDir);
        var set = LabelSet.Load("cityscapes-trainids");
        foreach (var (index, file) in FrameFiles.List(gtDir, ".png"))
        {
            var gt = LabelPng.Read(file, set);
            LabelPng.Write(Path.Combine(predDir, Path.GetFileName(file)), Prediction(gt, noise, unchecked((seed * 1_000_003) + index)));
        }
    }

    /// <summary>Zips every PNG of <paramref name="dir"/> (entry = file name, or <paramref name="entryName"/> of it).</summary>
    public static string Zip(string dir, string zipPath, Func<string, string>? entryName = null)
    {
        using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create);
        foreach (var file in Directory.EnumerateFiles(dir, "*.png").Order(StringComparer.Ordinal))
        {
            zip.CreateEntryFromFile(file, entryName?.Invoke(Path.GetFileName(file)) ?? Path.GetFileName(file));
        }

        return zipPath;
    }

    /// <summary>A zip with the given raw entries.</summary>
    public static string ZipOf(string zipPath, params (string Name, byte[] Bytes)[] entries)
    {
        using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var s = zip.CreateEntry(name).Open();
            s.Write(bytes);
        }

        return zipPath;
    }
}
