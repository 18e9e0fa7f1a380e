using System.Text.Json;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Tests.Support;

namespace SegFuse.Cli.Tests;

public class ScorePredVideoTests
{
    private static double AverageClasses(string json)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        return doc.RootElement.GetProperty("averageScoreClasses").GetDouble();
    }

    [Fact]
    public void Render_then_score_pred_video_against_the_same_ground_truth_keeps_the_score()
    {
        using var dir = new TempDir();
        MediaFixtures.WriteLabels(dir.Combine("gt"), 12, 1280, 720, seed: 41);
        string video = dir.Combine("sub.mp4");
        var render = CliRunner.Run("render", "--labels", dir.Combine("gt"), "--labels-set", "cityscapes-trainids", "--out", video);
        Assert.True(render.ExitCode == 0, render.Error);

        var r = CliRunner.Run("score", "--pred-video", video, "--gt", dir.Combine("gt"), "--labels", "cityscapes-trainids", "--json", dir.Combine("score.json"));

        Assert.True(r.ExitCode == 0, r.Error);
        double miou = AverageClasses(dir.Combine("score.json"));
        Assert.True(miou >= 0.995, $"mIoU {miou:0.00000}\n{r.Out}");
        Assert.DoesNotContain("warning", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Frame_count_mismatch_names_both_counts()
    {
        using var dir = new TempDir();
        MediaFixtures.WriteLabels(dir.Combine("gt"), 5, 160, 96);
        MediaFixtures.WriteLabels(dir.Combine("short"), 4, 160, 96);
        string video = dir.Combine("sub.mp4");
        Assert.Equal(0, CliRunner.Run("render", "--labels", dir.Combine("short"), "--out", video).ExitCode);

        var r = CliRunner.Run("score", "--pred-video", video, "--gt", dir.Combine("gt"), "--labels", "cityscapes-trainids", "--json", dir.Combine("score.json"));

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"error: {video}: has 4 frames but the ground truth {dir.Combine("gt")} has 5", r.Error.Trim().Split('\n').Last(), StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("score.json")));
    }

    [Fact]
    public void Video_of_another_resolution_is_scaled_to_the_ground_truth_with_a_warning()
    {
        using var dir = new TempDir();
        var set = LabelSet.Load("cityscapes-trainids");
        var truth = MediaFixtures.WriteLabels(dir.Combine("gt"), 3, 320, 180, seed: 12);
        // The "upload": the same labels at twice the size (as if uploaded at 640x360).
        Directory.CreateDirectory(dir.Combine("big"));
        for (int i = 0; i < truth.Count; i++)
        {
            var big = new LabelMap(640, 360);
            for (int y = 0; y < 360; y++)
            {
                for (int x = 0; x < 640; x++)
                {
                    big[x, y] = truth[i][x / 2, y / 2];
                }
            }

            LabelPng.Write(Path.Combine(dir.Combine("big"), FrameFiles.NameOf(i, ".png")), big);
        }

        string video = dir.Combine("upload.mp4");
        Assert.Equal(0, CliRunner.Run("render", "--labels", dir.Combine("big"), "--out", video).ExitCode);

        var r = CliRunner.Run("score", "--pred-video", video, "--gt", dir.Combine("gt"), "--labels", "cityscapes-trainids", "--json", dir.Combine("score.json"));

        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains($"warning: {video}: frames are 640x360, the ground truth 320x180; the video is scaled to the ground truth by nearest neighbour", r.Error, StringComparison.Ordinal);
        Assert.True(AverageClasses(dir.Combine("score.json")) >= 0.95);
        _ = set;
    }

    [Fact]
    public void Pred_and_pred_video_are_one_or_the_other()
    {
        using var dir = new TempDir();
        MediaFixtures.WriteLabels(dir.Combine("gt"), 1, 64, 48);
        var r = CliRunner.Run("score", "--gt", dir.Combine("gt"), "--labels", "cityscapes-trainids");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: --pred: give the prediction folder (--pred DIR) or a submission video (--pred-video FILE)", r.Error.Trim(), StringComparison.Ordinal);

        r = CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred", dir.Combine("gt"), "--pred-video", dir.Combine("x.mp4"), "--labels", "cityscapes-trainids");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: --pred: give either --pred or --pred-video, not both", r.Error.Trim(), StringComparison.Ordinal);

        r = CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred-video", dir.Combine("missing.mp4"), "--labels", "cityscapes-trainids");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: {dir.Combine("missing.mp4")}: no such file", r.Error.Trim().Split('\n').Last());
    }
}
