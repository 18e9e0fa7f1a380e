using System.IO.Compression;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Scoring;
using SegFuse.Server.Competitions;

namespace SegFuse.Server.Demo;

/// <summary>What <see cref="DemoCompetition.Ensure"/> set up.</summary>
/// <param name="CompetitionId">The demo competition's id.</param>
/// <param name="Team">The newcomer's team name.</param>
/// <param name="Token">A fresh token for that team (earlier demo tokens stop working).</param>
/// <param name="GoodSubmission">A zip that scores well.</param>
/// <param name="RoughSubmission">A zip that scores poorly.</param>
/// <param name="BaselineToken">Token of the baseline team when the competition was just created (to seed the leaderboard), else null.</param>
public sealed record DemoSetup(long CompetitionId, string Team, string Token, string GoodSubmission, string RoughSubmission, string? BaselineToken);

/// <summary>
/// The built-in demo: a competition on a small synthetic street scene (16 frames of 256×128, Cityscapes train ids,
/// a car and a pedestrian moving past a pole) whose ground truth is drawn in code, so a newcomer can try the server
/// in one command. Two example submissions are written beside it: <c>demo/good.zip</c> (objects a few pixels off)
/// and <c>demo/rough.zip</c> (small objects missed).
/// </summary>
public static class DemoCompetition
{
    /// <summary>The demo competition's name.</summary>
    public const string Name = "demo: synthetic street";

    /// <summary>Frames in the demo's test video.</summary>
    public const int Frames = 16;

    private const int Width = 256;
    private const int Height = 128;

    /// <summary>Creates the demo competition if the data folder has none, writes the example zips, and issues a fresh token for team <c>newcomer</c>.</summary>
    public static DemoSetup Ensure(CompetitionStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        string demoDir = Path.Combine(store.DataDirectory, "demo");
        Directory.CreateDirectory(demoDir);
        string good = Path.Combine(demoDir, "good.zip");
        string rough = Path.Combine(demoDir, "rough.zip");
        var existing = store.List().FirstOrDefault(c => c.Name == Name);
        long id;
        string? baselineToken = null;
        if (existing is null)
        {
            string gt = Path.Combine(demoDir, ".gt-" + Guid.NewGuid().ToString("N"));
            try
            {
                WriteFrames(gt, Variant.Truth);
                id = store.Create(
                    new CompetitionSpec
                    {
                        Name = Name,
                        GroundTruth = gt,
                        Labels = "cityscapes-trainids",
                        Layout = DatasetLayout.Frames,
                        PublicFraction = 0.5,
                        DailyLimit = 20,
                        MaxUploadBytes = 64L << 20,
                    },
                    cancellationToken);
            }
            finally
            {
                Directory.Delete(gt, recursive: true);
            }

            store.AddTeam(id, "newcomer");
            baselineToken = store.AddTeam(id, "baseline");
        }
        else
        {
            id = existing.Id;
        }

        if (!File.Exists(good))
        {
            WriteZip(good, Variant.Good);
        }

        if (!File.Exists(rough))
        {
            WriteZip(rough, Variant.Rough);
        }

        return new DemoSetup(id, "newcomer", store.RotateToken(id, "newcomer"), good, rough, baselineToken);
    }

    /// <summary>Which drawing of the scene.</summary>
    internal enum Variant
    {
        /// <summary>The ground truth.</summary>
        Truth,

        /// <summary>Moving objects 3 px ahead, the road edge 2 px off.</summary>
        Good,

        /// <summary>Pole, sign, car and pedestrian missed (drawn as what is behind them).</summary>
        Rough,
    }

    /// <summary>Writes the <see cref="Frames"/> label maps of <paramref name="variant"/> into <paramref name="dir"/> as 000000.png ...</summary>
    internal static void WriteFrames(string dir, Variant variant)
    {
        Directory.CreateDirectory(dir);
        for (int t = 0; t < Frames; t++)
        {
            LabelPng.Write(Path.Combine(dir, FrameFiles.NameOf(t, ".png")), Draw(t, variant));
        }
    }

    /// <summary>Draws frame <paramref name="t"/> of the synthetic scene in Cityscapes train ids.</summary>
    internal static LabelMap Draw(int t, Variant variant)
    {
        const ushort Road = 0, Sidewalk = 1, Building = 2, Pole = 5, Sign = 7, Vegetation = 8, Sky = 10, Person = 11, Car = 13, Ignore = 255;
        var map = new LabelMap(Width, Height, Sky);
        int horizon = Height * 40 / 100;
        int roadTop = Height * 55 / 100;
        int edgeShift = variant == Variant.Good ? 2 : 0;
        int motion = variant == Variant.Good ? 3 : 0;
        bool rough = variant == Variant.Rough;
        for (int y = 0; y < Height; y++)
        {
            var row = map.GetRowSpan(y);
            for (int x = 0; x < Width; x++)
            {
                // Buildings: blocks of varying height that drift left as the camera moves right.
                int block = ((x + (2 * t)) / 32) % 4;
                int top = horizon - (new[] { 18, 30, 10, 24 }[block]);
                if (y >= top && y < roadTop)
                {
                    row[x] = Building;
                }

                // A tree in front of the buildings.
                int tx = x - (170 - (2 * t)), ty = y - (horizon + 2);
                if ((tx * tx) + (ty * ty * 2) < 220)
                {
                    row[x] = Vegetation;
                }

                if (y >= roadTop)
                {
                    // The road widens towards the camera; sidewalks on both sides.
                    double s = (double)(y - roadTop) / (Height - roadTop);
                    int half = (int)((Width * 0.18) + (s * Width * 0.42)) + edgeShift;
                    row[x] = Math.Abs(x - (Width / 2)) <= half ? Road : Sidewalk;
                }
            }
        }

        if (!rough)
        {
            // A pole with a sign on the right sidewalk.
            Fill(map, 212 - t, horizon - 6, 3, roadTop + 14 - (horizon - 6), Pole);
            Fill(map, 206 - t, horizon - 16, 15, 10, Sign);

            // A car driving right on the road.
            int cx = 20 + (t * 9) + motion;
            Fill(map, cx, roadTop + 10, 52, 22, Car);

            // A pedestrian walking left on the left sidewalk.
            int px = 70 - (t * 2) - motion;
            Fill(map, px, roadTop + 2, 6, 22, Person);
        }

        // The ego vehicle's bonnet: ignored in scoring.
        Fill(map, 0, Height - 5, Width, 5, Ignore);
        return map;
    }

    private static void Fill(LabelMap map, int x0, int y0, int w, int h, ushort id)
    {
        for (int y = Math.Max(0, y0); y < Math.Min(map.Height, y0 + h); y++)
        {
            var row = map.GetRowSpan(y);
            for (int x = Math.Max(0, x0); x < Math.Min(map.Width, x0 + w); x++)
            {
                row[x] = id;
            }
        }
    }

    private static void WriteZip(string path, Variant variant)
    {
        string dir = Path.Combine(Path.GetDirectoryName(path)!, ".frames-" + Guid.NewGuid().ToString("N"));
        try
        {
            WriteFrames(dir, variant);
            AtomicFile.Write(path, stream =>
            {
                using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
                foreach (var file in Directory.EnumerateFiles(dir, "*.png").Order(StringComparer.Ordinal))
                {
                    zip.CreateEntryFromFile(file, Path.GetFileName(file), CompressionLevel.Optimal);
                }
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
