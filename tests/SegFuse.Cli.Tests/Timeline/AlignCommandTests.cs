using System.Globalization;
using SegFuse.IO;
using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Tests.Synthetic;
using Xunit.Abstractions;

namespace SegFuse.Cli.Tests.Timeline;

public sealed class AlignCommandTests(PanVideo video, ITestOutputHelper output) : IClassFixture<PanVideo>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    internal static List<Dictionary<string, string>> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public void Interpolated_speed_is_within_1_percent_of_its_range_and_timestamps_are_the_containers()
    {
        string csv = _dir.Combine("frames.csv");
        var r = CliRunner.Run("align", "--video", video.LongVideo, "--telemetry", video.Telemetry, "--out", csv);
        Assert.True(r.ExitCode == 0, r.Error);

        Assert.Equal("frame,timestamp,speed,steer,extrapolated,gap,flow,pred,gt", File.ReadLines(csv).First());
        var rows = ReadCsv(csv);
        var container = PanVideo.ContainerTimes(video.LongVideo);
        Assert.Equal(45, container.Count);
        Assert.Equal(container.Count, rows.Count);

        double range = 2 * PanSequence.Swing;
        double worst = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(i, int.Parse(rows[i]["frame"], CultureInfo.InvariantCulture));
            double ts = D(rows[i]["timestamp"]);
            Assert.Equal(container[i], ts, 6);
            double error = Math.Abs(D(rows[i]["speed"]) - PanSequence.Speed(ts));
            worst = Math.Max(worst, error);
            Assert.True(error <= 0.01 * range, $"frame {i}: speed off by {error} px/s, more than 1% of the range {range}");
            Assert.Equal("0", rows[i]["extrapolated"]);
            Assert.Equal("0", rows[i]["gap"]);
        }

        output.WriteLine($"worst speed error {worst:0.0000} px/s = {100 * worst / range:0.000}% of the range; timestamps {container[0]}..{container[^1]} s");
        Assert.Contains("covers 45/45 frames (100%)", r.Out, StringComparison.Ordinal);
        Assert.Contains("timestamps from the container", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Time_offset_unit_and_gaps_are_applied_and_flagged()
    {
        // Telemetry in ms on its own clock: 0 ms is video time 0.5 s; one long hole between 300 and 900 ms.
        string tel = _dir.Combine("tel.csv");
        File.WriteAllText(tel, "clock,speed\n0,0\n100,10\n200,20\n300,30\n900,90\n1000,100\n");
        string csv = _dir.Combine("frames.csv");
        var r = CliRunner.Run("align", "--video", video.LongVideo, "--telemetry", tel, "--time-column", "clock", "--time-unit", "ms", "--time-offset", "0.5", "--out", csv);
        Assert.True(r.ExitCode == 0, r.Error);
        var rows = ReadCsv(csv);
        foreach (var row in rows)
        {
            double ts = D(row["timestamp"]);
            double expected = Math.Clamp((ts - 0.5) * 100, 0, 100);
            Assert.Equal(expected, D(row["speed"]), 6);
            Assert.Equal(ts < 0.5 || ts > 1.5 ? "1" : "0", row["extrapolated"]);
            Assert.Equal(ts > 0.8 && ts < 1.4 ? "1" : "0", row["gap"]);
        }

        Assert.Contains(rows, row => row["gap"] == "1");
        Assert.Contains(rows, row => row["extrapolated"] == "1");
    }

    [Fact]
    public void Flow_pred_and_gt_files_are_matched_by_frame_index_and_counted()
    {
        string flow = _dir.Combine("flow");
        Directory.CreateDirectory(flow);
        foreach (int i in Enumerable.Range(1, 44))
        {
            FlowFile.Write(Path.Combine(flow, FrameFiles.NameOf(i, ".flo")), new FlowField(PanVideo.Width, PanVideo.Height));
        }

        string pred = _dir.Combine("pred");
        string gt = _dir.Combine("gt");
        Directory.CreateDirectory(pred);
        Directory.CreateDirectory(gt);
        foreach (int i in new[] { 0, 5, 10, 60 })
        {
            File.WriteAllBytes(Path.Combine(pred, $"seq_{i:D4}_pred.png"), [0]);
        }

        File.WriteAllBytes(Path.Combine(gt, "city_000001_000010_gtFine_labelIds.png"), [0]);
        File.WriteAllBytes(Path.Combine(gt, "city_000001_000010_gtFine_instanceIds.png"), [0]);

        string csv = _dir.Combine("out", "frames.csv");
        var r = CliRunner.Run("align", "--video", video.LongVideo, "--flow", flow, "--flow-direction", "backward", "--pred", pred, "--gt", gt, "--out", csv);
        Assert.True(r.ExitCode == 0, r.Error);
        var rows = ReadCsv(csv);
        Assert.Equal(string.Empty, rows[0]["flow"]);
        Assert.Equal("000007.flo", rows[7]["flow"]);
        Assert.Equal("seq_0005_pred.png", rows[5]["pred"]);
        Assert.Equal("city_000001_000010_gtFine_labelIds.png", rows[10]["gt"]);
        Assert.Equal(string.Empty, rows[10]["extrapolated"]);
        Assert.Contains("flow: 44/45 frames, 0 missing", r.Out, StringComparison.Ordinal);
        Assert.Contains("pred: 3/45 frames, 42 missing (frames 1, 2, 3, 4, 6, 7, 8, 9, 11, 12, …); 1 files match no decoded frame", r.Out, StringComparison.Ordinal);
        Assert.Contains("gt: 1/45 frames, 44 missing", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Allow_missing_goes_on_and_reports_the_missing_frames()
    {
        string flow = _dir.Combine("flow");
        Directory.CreateDirectory(flow);
        foreach (int i in Enumerable.Range(0, 44).Where(i => i != 20))
        {
            FlowFile.Write(Path.Combine(flow, FrameFiles.NameOf(i, ".npy")), new FlowField(PanVideo.Width / 2, PanVideo.Height / 2));
        }

        string csv = _dir.Combine("frames.csv");
        var r = CliRunner.Run("align", "--video", video.LongVideo, "--flow", flow, "--flow-direction", "forward", "--flow-scale", "2", "--allow-missing", "--out", csv);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("flow: 43/45 frames, 1 missing (frames 20)", r.Out, StringComparison.Ordinal);
    }
}
