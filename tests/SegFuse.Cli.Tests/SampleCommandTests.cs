namespace SegFuse.Cli.Tests;

public sealed class SampleCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "segfuse-cli-sample-" + Guid.NewGuid().ToString("N"));

    public SampleCommandTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Sample_writes_the_layout_and_reports_the_prediction_mIoU()
    {
        string dir = Path.Combine(_root, "s");
        var r = CliRunner.Run("sample", "--out", dir, "--frames", "6", "--size", "96x64", "--seed", "4", "--start", "5");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("wrote 6 frames 96x64 (seed 4)", r.Out, StringComparison.Ordinal);
        Assert.Contains("per-frame prediction mIoU (all frames): 0.", r.Out, StringComparison.Ordinal);
        Assert.Equal(dir, r.LastLine);
        Assert.Contains("sample: 6/6 frames", r.Error, StringComparison.Ordinal);
        Assert.Equal(6, Directory.GetFiles(Path.Combine(dir, "gt"), "*.png").Length);
        Assert.Equal(6, Directory.GetFiles(Path.Combine(dir, "pred"), "*.png").Length);
        Assert.Equal(["000001.flo", "000002.flo", "000003.flo", "000004.flo", "000005.flo"], Directory.GetFiles(Path.Combine(dir, "flow_bw")).Select(Path.GetFileName).Order());
        Assert.Equal(["000000.flo", "000001.flo", "000002.flo", "000003.flo", "000004.flo"], Directory.GetFiles(Path.Combine(dir, "flow_fw")).Select(Path.GetFileName).Order());
        Assert.True(new FileInfo(Path.Combine(dir, "video.mp4")).Length > 1000);
        Assert.Equal("timestamp,speed_mps,accel_mps2,steering_deg", File.ReadLines(Path.Combine(dir, "telemetry.csv")).First());
        Assert.Equal(7, File.ReadAllLines(Path.Combine(dir, "split.csv")).Length);
    }

    [Fact]
    public void Same_seed_writes_the_same_labels_and_flow()
    {
        string a = Path.Combine(_root, "a"), b = Path.Combine(_root, "b");
        Assert.Equal(0, CliRunner.Run("sample", "--out", a, "--frames", "3", "--size", "64x48", "--seed", "7").ExitCode);
        Assert.Equal(0, CliRunner.Run("sample", "--out", b, "--frames", "3", "--size", "64x48", "--seed", "7").ExitCode);
        foreach (var rel in new[] { "gt/000002.png", "pred/000002.png", "flow_bw/000002.flo", "flow_fw/000000.flo", "telemetry.csv", "split.csv" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, rel)), File.ReadAllBytes(Path.Combine(b, rel)));
        }
    }

    [Theory]
    [InlineData("--size", "1280", "--size")]
    [InlineData("--size", "8x8", "--size")]
    [InlineData("--frames", "1", "--frames")]
    public void Bad_options_are_one_line_and_exit_2(string option, string value, string subject)
    {
        string dir = Path.Combine(_root, "bad");
        var r = CliRunner.Run("sample", "--out", dir, option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"error: {subject}: ", r.Error, StringComparison.Ordinal);
        Assert.Single(r.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void A_folder_that_is_not_a_sample_is_refused_and_left_as_it_was()
    {
        string dir = Path.Combine(_root, "mine");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "keep");
        var r = CliRunner.Run("sample", "--out", dir, "--frames", "3", "--size", "64x48");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"error: {dir}: exists and is not a SegFuse sample", r.Error, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName));
        Assert.Equal(["mine"], Directory.EnumerateFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public void A_sample_passes_inspect_and_align_without_warnings()
    {
        string dir = Path.Combine(_root, "s");
        Assert.Equal(0, CliRunner.Run("sample", "--out", dir, "--frames", "20", "--size", "96x64", "--seed", "2").ExitCode);
        var inspect = CliRunner.Run("inspect", Path.Combine(dir, "video.mp4"));
        Assert.True(inspect.ExitCode == 0, inspect.Error);
        Assert.DoesNotContain("warning", inspect.Error + inspect.Out, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("20 counted", inspect.Out, StringComparison.Ordinal);
        Assert.Contains("evenly spaced yes", inspect.Out, StringComparison.Ordinal);
        foreach (var (folder, direction) in new[] { ("flow_bw", "backward"), ("flow_fw", "forward") })
        {
            var align = CliRunner.Run(
                "align", "--video", Path.Combine(dir, "video.mp4"), "--telemetry", Path.Combine(dir, "telemetry.csv"),
                "--flow", Path.Combine(dir, folder), "--flow-direction", direction,
                "--pred", Path.Combine(dir, "pred"), "--gt", Path.Combine(dir, "gt"), "--out", Path.Combine(_root, $"frames-{direction}.csv"));
            Assert.True(align.ExitCode == 0, align.Error);
            string all = align.Out + align.Error;
            Assert.DoesNotContain("warning", all, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("covers 20/20 frames (100%), 0 extrapolated, 0 in gaps", all, StringComparison.Ordinal);
            Assert.Contains("flow: 19/20 frames, 0 missing", all, StringComparison.Ordinal);
            Assert.Contains("pred: 20/20 frames, 0 missing", all, StringComparison.Ordinal);
            Assert.Contains("gt: 20/20 frames, 0 missing", all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Out_is_required()
    {
        var r = CliRunner.Run("sample", "--frames", "3");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: --out", r.Error, StringComparison.Ordinal);
    }
}
