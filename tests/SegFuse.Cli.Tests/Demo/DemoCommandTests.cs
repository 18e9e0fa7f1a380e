using System.Globalization;
using System.Text.Json.Nodes;
using SegFuse.Cli.Demo;
using SegFuse.Synthetic;

namespace SegFuse.Cli.Tests.Demo;

/// <summary>One small demo run (40 frames, 320x180) shared by the tests that read its outputs.</summary>
public sealed class DemoRunFixture : IDisposable
{
    public const int Frames = 40;
    public const string Size = "320x180";

    public DemoRunFixture()
    {
        Dir = new TempDir();
        Out = Dir.Combine("demo");
        Result = CliRunner.Run("demo", "--out", Out, "--frames", Frames.ToString(CultureInfo.InvariantCulture), "--size", Size, "--seed", "1");
    }

    internal TempDir Dir { get; }

    public string Out { get; }

    internal CliRunner.Result Result { get; }

    public JsonObject Summary => JsonNode.Parse(File.ReadAllText(Path.Combine(Out, "summary.json")))!.AsObject();

    public string Report => File.ReadAllText(Path.Combine(Out, "report.md"));

    public void Dispose() => Dir.Dispose();
}

public class DemoCommandTests(DemoRunFixture demo) : IClassFixture<DemoRunFixture>
{
    private static readonly string[] RequiredKeys = ["perFrameMiou", "fusedMiou", "perFrameTc", "fusedTc", "paletteVideoMiou"];

    [Fact]
    public void Demo_writes_the_report_charts_videos_and_fused_labels()
    {
        Assert.True(demo.Result.ExitCode == 0, demo.Result.Error);
        foreach (var file in new[] { "report.md", "summary.json", "params.json", "per-class-iou.png", "miou-over-time.png", "side-by-side.mp4", "side-by-side.png", "submission.mp4", "tiny/model.onnx" })
        {
            var info = new FileInfo(Path.Combine(demo.Out, file));
            Assert.True(info.Exists && info.Length > 100, $"{file} missing or empty");
        }

        foreach (var png in new[] { "per-class-iou.png", "miou-over-time.png", "side-by-side.png" })
        {
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(demo.Out, png))[..4]);
        }

        Assert.Equal(DemoRunFixture.Frames, Directory.GetFiles(Path.Combine(demo.Out, "fused"), "*.png").Length);
        Assert.Equal(DemoRunFixture.Frames, Directory.GetFiles(Path.Combine(demo.Out, "tiny", "labels"), "*.png").Length);

        // The terminal: a progress line per stage, the final table, where the report and videos are.
        foreach (var stage in new[] { "tune:", "fuse:", "score:", "tc per-frame:", "tc fused:", "render side-by-side:", "render palette:", "score palette video:", "tiny fit:", "tiny segment:", "tiny fuse:", "tiny score:" })
        {
            Assert.Contains(stage, demo.Result.Error, StringComparison.Ordinal);
        }

        Assert.Contains("palette video mIoU", demo.Result.Out, StringComparison.Ordinal);
        Assert.Contains($"report: {Path.Combine(demo.Out, "report.md")}", demo.Result.Out, StringComparison.Ordinal);
        Assert.Contains($"videos: {Path.Combine(demo.Out, "side-by-side.mp4")}", demo.Result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_keys_are_numbers_that_report_md_shows()
    {
        Assert.Equal(0, demo.Result.ExitCode);
        var summary = demo.Summary;
        string report = demo.Report;
        foreach (var key in RequiredKeys)
        {
            double v = summary[key]!.GetValue<double>();
            Assert.InRange(v, 0, 1);
        }

        string Pct(string key) => DemoReport.Pct(summary[key]!.GetValue<double>());
        Assert.Contains($"| mIoU (dataset-wide, %) | {Pct("perFrameMiou")} | {Pct("fusedMiou")} |", report, StringComparison.Ordinal);
        Assert.Contains($"| TC, unmasked (%) | {Pct("perFrameTc")} | {Pct("fusedTc")} |", report, StringComparison.Ordinal);
        Assert.Contains($"mIoU **{Pct("paletteVideoMiou")}**", report, StringComparison.Ordinal);
        Assert.Contains($"| **mean** | **{Pct("perFrameMiou")}** | **{Pct("fusedMiou")}** |", report, StringComparison.Ordinal);
        var tiny = summary["tiny"]!.AsObject();
        Assert.Contains($"| mIoU (%) | {DemoReport.Pct(tiny["perFrameMiou"]!.GetValue<double>())} | {DemoReport.Pct(tiny["fusedMiou"]!.GetValue<double>())} |", report, StringComparison.Ordinal);
        Assert.Equal(12, summary["testFrames"]!.GetValue<int>());
        foreach (var stage in summary["timings"]!.AsObject())
        {
            Assert.True(stage.Value!.GetValue<double>() >= 0, stage.Key);
        }
    }

    [Fact]
    public void Fused_beats_per_frame_on_the_test_split()
    {
        var summary = demo.Summary;
        double perFrame = summary["perFrameMiou"]!.GetValue<double>(), fused = summary["fusedMiou"]!.GetValue<double>();
        Assert.True(fused > perFrame, $"fused {fused} <= per-frame {perFrame}");
        Assert.True(summary["fusedTc"]!.GetValue<double>() > summary["perFrameTc"]!.GetValue<double>());
    }

    [Fact]
    public void Fusing_the_tiny_models_output_raises_its_miou()
    {
        // Issue 8's must-hold on the demo's segment -> fuse -> score path (measured +1.44 points at this size, +1.64 at 1280x720).
        var tiny = demo.Summary["tiny"]!.AsObject();
        double perFrame = tiny["perFrameMiou"]!.GetValue<double>(), fused = tiny["fusedMiou"]!.GetValue<double>();
        Assert.True(fused > perFrame, $"tiny model: fused {fused} <= per-frame {perFrame}");
    }

    /// <remarks>
    /// The issue's 0.5-point bound is for the demo's 1280x720 run (measured there: docs/demo.md). At this test size the
    /// submission is rendered x4 and the decoder's speck filter also removes some 1-pixel-wide parts of thin classes, so
    /// the loss depends on how many such parts the fused maps hold: measured 0.73 points when this test was written,
    /// 0.93 with the disocclusion fill and 1.01 with the label hysteresis, most of it bicycle (57.4 → 45.1 of its 16
    /// classes' mean). The bound checked here is 1.5 points.
    /// </remarks>
    [Fact]
    public void Palette_video_scored_back_agrees_with_the_fused_maps_within_one_and_a_half_points_at_320x180()
    {
        var summary = demo.Summary;
        double fused = summary["fusedMiou"]!.GetValue<double>(), palette = summary["paletteVideoMiou"]!.GetValue<double>();
        Assert.True(Math.Abs(palette - fused) * 100 <= 1.5, $"palette video {palette * 100:0.00} vs fused maps {fused * 100:0.00}");
    }

    [Fact]
    public void The_fused_score_is_what_segfuse_score_measures_on_the_test_frames()
    {
        // Copy the test split's ground truth and fused maps aside and score them with the score command.
        using var tmp = new TempDir();
        var split = File.ReadLines(Path.Combine(demo.Out, "sample", "split.csv")).Skip(1).Select(l => l.Split(',')).Where(c => c[1] == "test").Select(c => c[0]).ToArray();
        Directory.CreateDirectory(tmp.Combine("gt"));
        Directory.CreateDirectory(tmp.Combine("pred"));
        foreach (var f in split)
        {
            string name = int.Parse(f, CultureInfo.InvariantCulture).ToString("D6", CultureInfo.InvariantCulture) + ".png";
            File.Copy(Path.Combine(demo.Out, "sample", "gt", name), tmp.Combine("gt", name));
            File.Copy(Path.Combine(demo.Out, "fused", name), tmp.Combine("pred", name));
        }

        var r = CliRunner.Run("score", "--gt", tmp.Combine("gt"), "--pred", tmp.Combine("pred"), "--labels", "cityscapes-trainids", "--layout", "frames", "--json", tmp.Combine("s.json"));
        Assert.Equal(0, r.ExitCode);
        double scored = JsonNode.Parse(File.ReadAllText(tmp.Combine("s.json")))!["averageScoreClasses"]!.GetValue<double>();
        Assert.Equal(scored, demo.Summary["fusedMiou"]!.GetValue<double>(), 9);
    }

    [Fact]
    public void The_sample_is_recognised_for_reuse_and_a_partial_one_is_not()
    {
        var options = new SyntheticOptions { Width = 320, Height = 180, Frames = DemoRunFixture.Frames, Seed = 1 };
        string sample = Path.Combine(demo.Out, "sample");
        Assert.True(DemoRun.IsCompleteSample(sample, options));
        Assert.False(DemoRun.IsCompleteSample(sample, options with { Seed = 2 }));
        Assert.False(DemoRun.IsCompleteSample(sample, options with { Frames = 41 }));

        using var tmp = new TempDir();
        string copy = tmp.Combine("sample");
        foreach (var file in Directory.EnumerateFiles(sample, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(sample, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        Assert.True(DemoRun.IsCompleteSample(copy, options));
        File.Delete(Path.Combine(copy, "flow_fw", "000005.flo"));
        Assert.False(DemoRun.IsCompleteSample(copy, options));
    }
}

/// <summary>Bad set-ups stop the demo before any work with one line and exit code 2.</summary>
public class DemoBadInputTests
{
    [Fact]
    public void A_read_only_output_folder_fails_at_once_with_one_line()
    {
        using var tmp = new TempDir();
        string dir;
        if (OperatingSystem.IsWindows() || Environment.IsPrivilegedProcess)
        {
            // Root writes through permission bits; sysfs refuses even root.
            dir = "/sys/kernel/segfuse-demo";
        }
        else
        {
            dir = tmp.Combine("ro");
            Directory.CreateDirectory(dir);
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        var r = CliRunner.Run("demo", "--out", dir, "--frames", "40", "--size", "320x180");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: {dir}: cannot write to the output folder (read-only or no permission); give a writable folder with --out", r.Error.Trim());
        Assert.Equal(string.Empty, r.Out);
    }

    [Fact]
    public void A_folder_that_is_not_a_demo_output_is_refused()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.Combine("notes.txt"), "mine");
        var r = CliRunner.Run("demo", "--out", tmp.Path, "--frames", "40", "--size", "320x180");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: {tmp.Path}: exists and is not a demo output folder; give a new or empty folder with --out", r.Error.Trim());
        Assert.Equal(["notes.txt"], tmp.Files());
    }
}

[Collection(nameof(ProcessEnvironment))]
public class DemoEnvironmentTests
{
    [Fact]
    public void Without_ffmpeg_on_PATH_the_demo_fails_at_once_with_one_line()
    {
        using var tmp = new TempDir();
        string? path = Environment.GetEnvironmentVariable("PATH");
        CliRunner.Result r;
        try
        {
            Environment.SetEnvironmentVariable("PATH", tmp.Path);
            r = CliRunner.Run("demo", "--out", tmp.Combine("demo"), "--frames", "40", "--size", "320x180");
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: ffmpeg: not found on PATH; the demo encodes and decodes H.264 with it: install it (Debian/Ubuntu: apt-get install ffmpeg) or run ./build.sh demo, which installs it", r.Error.Trim());
        Assert.False(Directory.Exists(tmp.Combine("demo")));
    }
}
