using System.IO.Compression;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Rendering;
using SegFuse.Scoring;
using SegFuse.Server.Competitions;
using SegFuse.Synthetic;

namespace SegFuse.Server.Demo;

/// <summary>What <see cref="DemoCompetition.Ensure"/> set up.</summary>
/// <param name="CompetitionId">The demo competition's id.</param>
/// <param name="Team">The newcomer's team name.</param>
/// <param name="Token">A fresh token for that team (earlier demo tokens stop working).</param>
/// <param name="GoodSubmission">A zip of the synthetic sample's per-frame predictions.</param>
/// <param name="RoughSubmission">A zip of a coarse baseline (the predictions at 1/16 resolution).</param>
/// <param name="VideoSubmission">The predictions as a palette video (what <c>segfuse render</c> writes).</param>
/// <param name="BaselineToken">Token of the baseline team when the competition was just created (to seed the leaderboard), else null.</param>
public sealed record DemoSetup(long CompetitionId, string Team, string Token, string GoodSubmission, string RoughSubmission, string VideoSubmission, string? BaselineToken);

/// <summary>
/// The built-in demo: a competition on the synthetic sample (<see cref="SyntheticSequence"/>: 24 frames of 320×180 of
/// the generated drive, Cityscapes train ids), made in code so a newcomer can try the server in one command. Two
/// example submissions are written beside it: <c>demo/predictions.zip</c> (the sample's imitated per-frame network
/// predictions), <c>demo/predictions.mp4</c> (the same as a palette video) and <c>demo/coarse.zip</c> (the predictions at
/// 1/16 resolution, a weak baseline).
/// </summary>
public static class DemoCompetition
{
    /// <summary>The demo competition's name.</summary>
    public const string Name = "demo: synthetic drive";

    /// <summary>Frames in the demo's test video.</summary>
    public static readonly SyntheticOptions Sample = new() { Width = 320, Height = 180, Frames = 24, Seed = 1, StartSeconds = 6 };

    /// <summary>Creates the demo competition if the data folder has none, writes the example zips, and issues a fresh token for team <c>newcomer</c>.</summary>
    public static DemoSetup Ensure(CompetitionStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        string demoDir = Path.Combine(store.DataDirectory, "demo");
        Directory.CreateDirectory(demoDir);
        string good = Path.Combine(demoDir, "predictions.zip");
        string rough = Path.Combine(demoDir, "coarse.zip");
        string video = Path.Combine(demoDir, "predictions.mp4");
        var existing = store.List().FirstOrDefault(c => c.Name == Name);
        long id;
        string? baselineToken = null;
        if (existing is null || !File.Exists(good) || !File.Exists(rough) || !File.Exists(video))
        {
            string work = Path.Combine(demoDir, ".work-" + Guid.NewGuid().ToString("N"));
            try
            {
                Generate(work, cancellationToken);
                if (existing is null)
                {
                    id = store.Create(
                        new CompetitionSpec
                        {
                            Name = Name,
                            GroundTruth = Path.Combine(work, "gt"),
                            Labels = "cityscapes-trainids",
                            Layout = DatasetLayout.Frames,
                            PublicFraction = 0.5,
                            DailyLimit = 20,
                            MaxUploadBytes = 64L << 20,
                        },
                        cancellationToken);
                    store.AddTeam(id, "newcomer");
                    baselineToken = store.AddTeam(id, "baseline");
                }
                else
                {
                    id = existing.Id;
                }

                WriteZip(Path.Combine(work, "pred"), good);
                WriteZip(Path.Combine(work, "coarse"), rough);
                LabelVideoRenderer.Render(new RenderRequest
                {
                    LabelsDir = Path.Combine(work, "pred"),
                    Set = LabelSet.Load("cityscapes-trainids"),
                    OutPath = video,
                    Mode = RenderMode.Palette,
                    Fps = Sample.Fps,
                }, cancellationToken: cancellationToken);
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        }
        else
        {
            id = existing.Id;
        }

        return new DemoSetup(id, "newcomer", store.RotateToken(id, "newcomer"), good, rough, video, baselineToken);
    }

    /// <summary>Writes the sample's ground truth (gt/), predictions (pred/) and the coarse baseline (coarse/) as 000000.png ...</summary>
    internal static void Generate(string dir, CancellationToken cancellationToken)
    {
        foreach (var sub in new[] { "gt", "pred", "coarse" })
        {
            Directory.CreateDirectory(Path.Combine(dir, sub));
        }

        var sequence = new SyntheticSequence(Sample);
        while (sequence.TryRead(out var frame, cancellationToken))
        {
            using (frame)
            {
                string name = FrameFiles.NameOf(frame.Index, ".png");
                LabelPng.Write(Path.Combine(dir, "gt", name), frame.GroundTruth);
                LabelPng.Write(Path.Combine(dir, "pred", name), frame.Prediction);
                LabelPng.Write(Path.Combine(dir, "coarse", name), Coarse(frame.Prediction, 16));
            }
        }
    }

    /// <summary>Each <paramref name="block"/>² block takes its most frequent label.</summary>
    internal static LabelMap Coarse(LabelMap map, int block)
    {
        var result = new LabelMap(map.Width, map.Height);
        var counts = new Dictionary<ushort, int>();
        for (int by = 0; by < map.Height; by += block)
        {
            for (int bx = 0; bx < map.Width; bx += block)
            {
                counts.Clear();
                int h = Math.Min(block, map.Height - by), w = Math.Min(block, map.Width - bx);
                for (int y = by; y < by + h; y++)
                {
                    foreach (ushort v in map.GetRowSpan(y).Slice(bx, w))
                    {
                        counts[v] = counts.GetValueOrDefault(v) + 1;
                    }
                }

                ushort mode = counts.MaxBy(kv => kv.Value).Key;
                for (int y = by; y < by + h; y++)
                {
                    result.GetRowSpan(y).Slice(bx, w).Fill(mode);
                }
            }
        }

        return result;
    }

    private static void WriteZip(string dir, string path)
    {
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var file in Directory.EnumerateFiles(dir, "*.png").Order(StringComparer.Ordinal))
            {
                zip.CreateEntryFromFile(file, Path.GetFileName(file), CompressionLevel.Optimal);
            }
        });
    }
}
