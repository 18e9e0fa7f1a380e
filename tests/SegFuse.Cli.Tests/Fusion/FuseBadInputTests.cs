using OpenCvSharp;
using SegFuse.Fusion.Tests.Support;
using SegFuse.IO;
using SegFuse.Timeline.Flow;

namespace SegFuse.Cli.Tests.Fusion;

/// <summary>
/// Each kind of bad input to <c>segfuse fuse</c>: one line naming the file or option and the reason, exit code 2, and
/// no output beyond complete frames that <c>--resume</c> continues from.
/// </summary>
public class FuseBadInputTests
{
    private static SampleFixture Sample => SampleFixture.Get(64, 48, 16, seed: 5);

    [Fact]
    public void Fewer_predictions_than_video_frames()
    {
        using var tmp = Copy(out string dir);
        File.Delete(Path.Combine(dir, "pred", FrameFiles.NameOf(15, ".png")));
        AssertRejected(tmp, dir, Path.Combine(dir, "video.mp4"), "has 16 frames but");
    }

    [Fact]
    public void More_predictions_than_video_frames()
    {
        using var tmp = Copy(out string dir);
        File.Copy(Path.Combine(dir, "pred", FrameFiles.NameOf(15, ".png")), Path.Combine(dir, "pred", FrameFiles.NameOf(16, ".png")));
        AssertRejected(tmp, dir, Path.Combine(dir, "video.mp4"), "has 16 frames but");
    }

    [Fact]
    public void Missing_prediction_for_a_frame()
    {
        using var tmp = Copy(out string dir);
        File.Delete(Path.Combine(dir, "pred", FrameFiles.NameOf(7, ".png")));
        AssertRejected(tmp, dir, Path.Combine(dir, "pred"), "no prediction for frame 7");
    }

    [Fact]
    public void Missing_flow_for_a_frame()
    {
        using var tmp = Copy(out string dir);
        File.Delete(Path.Combine(dir, "flow_bw", FrameFiles.NameOf(9, ".flo")));
        AssertRejected(tmp, dir, Path.Combine(dir, "flow_bw"), "no backward flow for frame 9");
    }

    [Fact]
    public void More_flow_files_than_frames()
    {
        using var tmp = Copy(out string dir);
        string extra = Path.Combine(dir, "flow_fw", FrameFiles.NameOf(15, ".flo"));
        File.Copy(Path.Combine(dir, "flow_fw", FrameFiles.NameOf(14, ".flo")), extra);
        AssertRejected(tmp, dir, extra, "flow and prediction counts disagree");
    }

    [Fact]
    public void Prediction_of_another_size()
    {
        using var tmp = Copy(out string dir);
        string file = Path.Combine(dir, "pred", FrameFiles.NameOf(4, ".png"));
        using (var small = new Mat(24, 32, MatType.CV_8UC1, Scalar.All(0)))
        {
            Cv2.ImWrite(file, small);
        }

        AssertRejected(tmp, dir, file, "prediction is 32x24 but the video frames are 64x48");
    }

    [Fact]
    public void Flow_of_another_size()
    {
        using var tmp = Copy(out string dir);
        string file = Path.Combine(dir, "flow_bw", FrameFiles.NameOf(3, ".flo"));
        FlowFile.Write(file, new FlowField(32, 24));
        AssertRejected(tmp, dir, file, "flow is 32x24 but the frames are 64x48");
    }

    [Fact]
    public void Corrupt_flow_file()
    {
        using var tmp = Copy(out string dir);
        string file = Path.Combine(dir, "flow_bw", FrameFiles.NameOf(5, ".flo"));
        File.WriteAllText(file, "not a flow file");
        AssertRejected(tmp, dir, file, "not a Middlebury .flo file");
    }

    [Fact]
    public void Label_id_outside_the_set_stops_at_that_frame_and_resume_continues()
    {
        using var tmp = Copy(out string dir);
        string file = Path.Combine(dir, "pred", FrameFiles.NameOf(12, ".png"));
        string good = Path.Combine(tmp.Path, "good.png");
        File.Copy(file, good);
        using (var map = Cv2.ImRead(file, ImreadModes.Unchanged))
        {
            map.Set(3, 5, (byte)200);
            Cv2.ImWrite(file, map);
        }

        string[] args = Args(dir, tmp.Combine("out"), "--method", "causal");
        var result = CliRunner.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: {file}: label 200 at pixel (5,3) is not in the label set", result.Error.Trim().Split('\n').Last().Trim());

        // Frames before the bad one are complete; no temporary files are left.
        var written = Directory.GetFiles(tmp.Combine("out"));
        Assert.All(written, f => Assert.DoesNotContain(".tmp", f, StringComparison.Ordinal));
        Assert.All(written, f => Assert.True(FrameFiles.TryParseIndex(f) < 12));
        Assert.All(written, f => Assert.False(Cv2.ImRead(f, ImreadModes.Unchanged).Empty()));

        File.Copy(good, file, overwrite: true);
        var resumed = CliRunner.Run([.. args, "--resume"]);
        Assert.Equal(0, resumed.ExitCode);
        Assert.StartsWith($"fused {16 - written.Length} frames ({written.Length} already done", resumed.LastLine);
        Assert.Equal(16, Directory.GetFiles(tmp.Combine("out")).Length);
    }

    [Fact]
    public void No_flow_given()
    {
        using var tmp = Copy(out string dir);
        var result = CliRunner.Run("fuse", "--video", Path.Combine(dir, "video.mp4"), "--pred", Path.Combine(dir, "pred"), "--labels", "cityscapes-trainids", "--out", tmp.Combine("out"));
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --flow: give a flow folder", result.Error.Trim());
    }

    [Theory]
    [InlineData("--range", "10:5", "error: --range: '10:5': END must be greater than START")]
    [InlineData("--range", "99:", "error: --range: starts at frame 99 but the video has 16 frames (0..15)")]
    [InlineData("--method", "median", "error: --method: unknown fusion method 'median' (use offline or causal)")]
    public void Bad_options(string option, string value, string message)
    {
        using var tmp = Copy(out string dir);
        var result = CliRunner.Run([.. Args(dir, tmp.Combine("out")), option, value]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Error.Trim().Split('\n').Last().Trim());
    }

    [Fact]
    public void Bad_parameter_file()
    {
        using var tmp = Copy(out string dir);
        string file = tmp.Combine("params.json");
        File.WriteAllText(file, "{\"decay\": 1.5}");
        var result = CliRunner.Run([.. Args(dir, tmp.Combine("out")), "--params", file]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: {file}: decay must be within 0 … 0.98", result.Error.Trim());
        File.WriteAllText(file, "{\"decay\": 0.9, \"speed\": 1}");
        result = CliRunner.Run([.. Args(dir, tmp.Combine("out")), "--params", file]);
        Assert.StartsWith($"error: {file}: unknown parameter 'speed'", result.Error.Trim());
    }

    private static string[] Args(string dir, string output, params string[] more) =>
        ["fuse", "--video", Path.Combine(dir, "video.mp4"), "--pred", Path.Combine(dir, "pred"), "--labels", "cityscapes-trainids", "--flow", Path.Combine(dir, "flow_bw"), "--flow-other", Path.Combine(dir, "flow_fw"), "--out", output, .. more];

    private static TempDir Copy(out string dir)
    {
        var tmp = new TempDir();
        dir = Sample.CopyTo(tmp.Combine("sample"));
        return tmp;
    }

    private static void AssertRejected(TempDir tmp, string dir, string subject, string reason)
    {
        string output = tmp.Combine("out");
        var result = CliRunner.Run(Args(dir, output));
        Assert.Equal(2, result.ExitCode);
        string line = result.Error.Trim();
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith($"error: {subject}: ", line);
        Assert.Contains(reason, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "nothing may be written");
    }
}
