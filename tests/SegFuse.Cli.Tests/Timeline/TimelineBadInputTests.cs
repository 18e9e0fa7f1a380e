using SegFuse.IO;
using SegFuse.Timeline.Flow;

namespace SegFuse.Cli.Tests.Timeline;

/// <summary>Every bad input of align / flow / flow-viz: one line naming the file and the reason, exit 2, no output left behind.</summary>
public sealed class TimelineBadInputTests(PanVideo video) : IClassFixture<PanVideo>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Out => _dir.Combine("out", "frames.csv");

    /// <summary>Runs the command and checks the contract; returns the error line.</summary>
    private string Fails(string subject, params string[] args)
    {
        var before = _dir.Files();
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        var errors = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        Assert.StartsWith($"error: {subject}: ", errors[0], StringComparison.Ordinal);
        Assert.Equal(errors[0], r.Error.TrimEnd().Split('\n')[^1]);
        Assert.Equal(before, _dir.Files());
        Assert.False(File.Exists(Out));
        return errors[0];
    }

    private string FlowDir(IEnumerable<int> frames, int width = PanVideo.Width, int height = PanVideo.Height)
    {
        string dir = _dir.Combine("flow");
        Directory.CreateDirectory(dir);
        foreach (int i in frames)
        {
            FlowFile.Write(Path.Combine(dir, FrameFiles.NameOf(i, ".flo")), new FlowField(width, height));
        }

        return dir;
    }

    private string Csv(string text)
    {
        string path = _dir.Combine("tel.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Flow_folder_missing_a_frame_names_the_first_missing_index()
    {
        string flow = FlowDir(Enumerable.Range(1, 44).Where(i => i is not (17 or 30)));
        string line = Fails(flow, "align", "--video", video.LongVideo, "--flow", flow, "--flow-direction", "backward", "--out", Out);
        Assert.Contains("no backward flow for frame 17, the first missing index", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_flow_folder_missing_frame_0_names_it()
    {
        string flow = FlowDir(Enumerable.Range(1, 43));
        Assert.Contains("frame 0,", Fails(flow, "align", "--video", video.LongVideo, "--flow", flow, "--flow-direction", "forward", "--out", Out), StringComparison.Ordinal);
    }

    [Fact]
    public void Flo_with_wrong_magic_is_named()
    {
        string flow = FlowDir(Enumerable.Range(1, 44));
        string bad = Path.Combine(flow, "000009.flo");
        var bytes = File.ReadAllBytes(bad);
        bytes[0] ^= 0xFF;
        File.WriteAllBytes(bad, bytes);
        Assert.Contains("magic", Fails(bad, "align", "--video", video.LongVideo, "--flow", flow, "--flow-direction", "backward", "--out", Out), StringComparison.Ordinal);
    }

    [Fact]
    public void Short_flo_is_named()
    {
        string flow = FlowDir(Enumerable.Range(1, 44));
        string bad = Path.Combine(flow, "000012.flo");
        File.WriteAllBytes(bad, File.ReadAllBytes(bad)[..1000]);
        Assert.Contains("truncated .flo", Fails(bad, "align", "--video", video.LongVideo, "--flow", flow, "--flow-direction", "backward", "--out", Out), StringComparison.Ordinal);
    }

    [Fact]
    public void Flow_of_another_size_without_flow_scale_is_named()
    {
        string flow = FlowDir(Enumerable.Range(1, 44), PanVideo.Width / 2, PanVideo.Height / 2);
        string line = Fails(Path.Combine(flow, "000001.flo"), "align", "--video", video.LongVideo, "--flow", flow, "--flow-direction", "backward", "--out", Out);
        Assert.Contains("flow is 96x54 but the frames are 192x108", line, StringComparison.Ordinal);
        Assert.Contains("--flow-scale", line, StringComparison.Ordinal);

        var ok = CliRunner.Run("align", "--video", video.LongVideo, "--flow", flow, "--flow-direction", "backward", "--flow-scale", "auto", "--out", Out);
        Assert.Equal(0, ok.ExitCode);
    }

    [Fact]
    public void Flow_without_a_direction_is_a_usage_error()
    {
        string flow = FlowDir([1]);
        Assert.Contains("backward or forward", Fails("--flow-direction", "align", "--video", video.LongVideo, "--flow", flow, "--out", Out), StringComparison.Ordinal);
        Assert.Contains("not a flow direction", Fails("--flow-direction", "align", "--video", video.LongVideo, "--flow", flow, "--flow-direction", "sideways", "--out", Out), StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_with_no_rows()
    {
        string tel = Csv("timestamp,speed\n");
        Assert.Contains("no data rows", Fails(tel, "align", "--video", video.LongVideo, "--telemetry", tel, "--out", Out), StringComparison.Ordinal);
    }

    [Fact]
    public void Non_monotonic_time_names_the_line()
    {
        string tel = Csv("timestamp,speed\n0,1\n0.02,2\n0.04,3\n0.03,4\n");
        Assert.Contains("line 5: timestamp 0.03 is not after 0.04 on line 4", Fails(tel, "align", "--video", video.LongVideo, "--telemetry", tel, "--out", Out), StringComparison.Ordinal);
    }

    [Fact]
    public void Non_numeric_cell_names_the_line_and_column()
    {
        string tel = Csv("timestamp,speed\n0,1\n0.02,n/a\n");
        Assert.Contains("line 3: column 'speed' holds 'n/a'", Fails(tel, "align", "--video", video.LongVideo, "--telemetry", tel, "--out", Out), StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_time_column()
    {
        string tel = Csv("clock,speed\n0,1\n");
        Assert.Contains("line 1: no time column", Fails(tel, "align", "--video", video.LongVideo, "--telemetry", tel, "--out", Out), StringComparison.Ordinal);
        Assert.Contains("no column named 'ts'", Fails(tel, "align", "--video", video.LongVideo, "--telemetry", tel, "--time-column", "ts", "--out", Out), StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_telemetry_options()
    {
        string tel = Csv("t,speed\n0,1\n");
        Fails("--time-unit", "align", "--video", video.LongVideo, "--telemetry", tel, "--time-unit", "h", "--out", Out);
        Fails("--max-gap", "align", "--video", video.LongVideo, "--telemetry", tel, "--max-gap", "0", "--out", Out);
    }

    [Fact]
    public void Missing_video_and_missing_telemetry_are_named()
    {
        string missing = _dir.Combine("nope.mp4");
        Fails(missing, "align", "--video", missing, "--out", Out);
        string tel = _dir.Combine("nope.csv");
        Fails(tel, "align", "--video", video.LongVideo, "--telemetry", tel, "--out", Out);
    }

    [Fact]
    public void Flow_command_rejects_bad_options_before_writing_anything()
    {
        string outDir = _dir.Combine("flowout");
        Fails("--method", "flow", "--video", video.ShortVideo, "--out", outDir, "--direction", "backward", "--method", "dis");
        Fails("--direction", "flow", "--video", video.ShortVideo, "--out", outDir, "--direction", "up");
        Fails("--downscale", "flow", "--video", video.ShortVideo, "--out", outDir, "--direction", "backward", "--downscale", "0");
        Fails("--format", "flow", "--video", video.ShortVideo, "--out", outDir, "--direction", "backward", "--format", "exr");
        string missing = _dir.Combine("nope.mp4");
        Fails(missing, "flow", "--video", missing, "--out", outDir, "--direction", "backward");
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Flow_viz_names_a_corrupt_flo_and_leaves_no_video()
    {
        string flow = FlowDir(Enumerable.Range(1, 5));
        File.WriteAllBytes(Path.Combine(flow, "000003.flo"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
        string mp4 = _dir.Combine("viz.mp4");
        Fails(Path.Combine(flow, "000003.flo"), "flow-viz", "--flow", flow, "--out", mp4);
        Fails(Path.Combine(flow, "000003.flo"), "flow-viz", "--flow", flow, "--out", mp4, "--max-flow", "3");
        Assert.False(File.Exists(mp4));
    }

    [Fact]
    public void Flow_viz_of_an_empty_folder_is_an_input_error()
    {
        string empty = _dir.Combine("empty");
        Directory.CreateDirectory(empty);
        Fails(empty, "flow-viz", "--flow", empty, "--out", _dir.Combine("viz.mp4"));
    }
}
