using OpenCvSharp;

namespace SegFuse.Cli.Tests.Scoring;

/// <summary>Each kind of bad input: one line naming the file and the reason, exit code 2, nothing written.</summary>
public class ScoreBadInputTests
{
    private static readonly int[] AllIds = Enumerable.Range(0, 34).ToArray();

    [Fact]
    public void Ground_truth_id_outside_the_set()
    {
        using var dir = Fixture(out string gtFile, out _);
        CityscapesFixture.Save(gtFile, new[,] { { 7, 200 }, { 7, 7 } }, MatType.CV_8UC1);
        AssertRejected(dir, gtFile, "ground-truth id 200 at pixel (1,0)");
    }

    [Fact]
    public void Prediction_id_outside_the_set()
    {
        using var dir = Fixture(out _, out string predFile);
        CityscapesFixture.Save(predFile, new[,] { { 7, 7 }, { 7, 99 } }, MatType.CV_8UC1);
        AssertRejected(dir, predFile, "predicted id 99 at pixel (1,1)");
    }

    [Fact]
    public void Prediction_of_another_size()
    {
        using var dir = Fixture(out _, out string predFile);
        CityscapesFixture.Save(predFile, new[,] { { 7, 7, 7 } }, MatType.CV_8UC1);
        AssertRejected(dir, predFile, "size 3x1 differs from the ground truth");
    }

    [Fact]
    public void Multi_channel_prediction_where_ids_are_expected()
    {
        using var dir = Fixture(out _, out string predFile);
        using (var rgb = new Mat(2, 2, MatType.CV_8UC3, new Scalar(7, 7, 7)))
        {
            Cv2.ImWrite(predFile, rgb);
        }

        AssertRejected(dir, predFile, "has 3 channels");
    }

    [Fact]
    public void Prediction_missing()
    {
        using var dir = Fixture(out _, out string predFile);
        File.Delete(predFile);
        AssertRejected(dir, dir.Combine("pred"), "no prediction for aachen_000000_000000");
    }

    [Fact]
    public void Prediction_matched_twice()
    {
        using var dir = Fixture(out _, out string predFile);
        File.Copy(predFile, predFile.Replace("_pred.png", "_copy.png", StringComparison.Ordinal));
        AssertRejected(dir, dir.Combine("pred"), "2 predictions match aachen_000000_000000");
    }

    [Fact]
    public void Empty_ground_truth_folder()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("gt"));
        Directory.CreateDirectory(dir.Combine("pred"));
        AssertRejected(dir, dir.Combine("gt"), "no ground truth found");
    }

    [Fact]
    public void Corrupt_png()
    {
        using var dir = Fixture(out _, out string predFile);
        File.WriteAllBytes(predFile, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        AssertRejected(dir, predFile, "not a readable image");
    }

    [Fact]
    public void Unknown_label_set()
    {
        using var dir = Fixture(out _, out _);
        AssertRejected(dir, "--labels", "unknown label set 'citiscapes'", "--labels", "citiscapes");
    }

    [Theory]
    [InlineData("4/4")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("-1/3")]
    public void Bad_shard(string shard)
    {
        using var dir = Fixture(out _, out _);
        AssertRejected(dir, "--shard", "is not K/N", "--shard", shard, "--partial", dir.Combine("p.json"));
        Assert.False(File.Exists(dir.Combine("p.json")));
    }

    [Fact]
    public void Missing_instance_file_says_how_to_score_without()
    {
        using var dir = Fixture(out string gtFile, out _);
        File.Delete(gtFile.Replace("labelIds", "instanceIds", StringComparison.Ordinal));
        AssertRejected(dir, "instanceIds.png", "--no-instances");
        var ok = CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred", dir.Combine("pred"), "--no-instances");
        Assert.Equal(0, ok.ExitCode);
    }

    /// <summary>Two frames, the first of which the test spoils.</summary>
    private static TempDir Fixture(out string gtFile, out string predFile)
    {
        var dir = new TempDir();
        CityscapesFixture.Create(dir.Path, seed: 1, frames: 3, AllIds, [], [(2, 2)]);
        gtFile = dir.Combine("gt", "aachen", "aachen_000000_000000_gtFine_labelIds.png");
        predFile = dir.Combine("pred", "aachen", "aachen_000000_000000_leftImg8bit_pred.png");
        Assert.True(File.Exists(gtFile) && File.Exists(predFile));
        return dir;
    }

    private static void AssertRejected(TempDir dir, string subject, string reason, params string[] extra)
    {
        var before = dir.Files();
        string json = dir.Combine("out.json");
        var r = CliRunner.Run(["score", "--gt", dir.Combine("gt"), "--pred", dir.Combine("pred"), "--json", json, "--markdown", dir.Combine("out.md"), .. extra]);
        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains(subject, line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.Ordinal);
        Assert.Equal(before, dir.Files());
    }
}
