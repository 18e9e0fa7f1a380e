using SegFuse.IO;
using SegFuse.Timeline.Alignment;
using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Telemetry;

namespace SegFuse.Timeline.Tests.Alignment;

public sealed class TimelineAlignerTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static IEnumerable<FrameTime> Frames(int n, double fps = 10) => Enumerable.Range(0, n).Select(i => new FrameTime(i, i / fps));

    private string FlowDir(string name, IEnumerable<int> frames, int w = 16, int h = 8)
    {
        string dir = _dir.Sub(name);
        foreach (int i in frames)
        {
            FlowFile.Write(Path.Combine(dir, FrameFiles.NameOf(i, ".flo")), new FlowField(w, h));
        }

        return dir;
    }

    private string PngDir(string name, IEnumerable<string> files)
    {
        string dir = _dir.Sub(name);
        foreach (var f in files)
        {
            File.WriteAllBytes(Path.Combine(dir, f), [0]);
        }

        return dir;
    }

    [Fact]
    public void Each_frame_gets_time_telemetry_and_files()
    {
        var tel = TelemetryTable.Parse(new StringReader("t,speed\n0.05,1\n0.35,4\n"), "tel.csv", new TelemetryOptions());
        var aligner = new TimelineAligner(new AlignOptions
        {
            Telemetry = tel,
            Flow = FlowFolder.Open(FlowDir("flow", [1, 2, 3, 4]), FlowDirection.Backward),
            PredictionDir = PngDir("pred", ["frame_0_pred.png", "frame_2_pred.png"]),
            GroundTruthDir = PngDir("gt", ["c_000_000001_gtFine_labelIds.png", "c_000_000001_gtFine_instanceIds.png", "c_000_000001_gtFine_color.png"]),
        });
        var frames = aligner.Align(Frames(5), 16, 8).ToList();
        Assert.Equal(5, frames.Count);
        Assert.Equal(0.2, frames[2].Timestamp, 12);
        Assert.Equal(2.5, frames[2].Telemetry[0], 12);
        Assert.True(frames[0].Flags.Extrapolated);
        Assert.True(frames[4].Flags.Extrapolated);
        Assert.False(frames[3].Flags.Extrapolated);
        Assert.Null(frames[0].FlowPath);
        Assert.EndsWith("000003.flo", frames[3].FlowPath, StringComparison.Ordinal);
        Assert.EndsWith("frame_2_pred.png", frames[2].PredictionPath, StringComparison.Ordinal);
        Assert.EndsWith("c_000_000001_gtFine_labelIds.png", frames[1].GroundTruthPath, StringComparison.Ordinal);
        Assert.Equal((16, 8), (frames[1].ReadFlow()!.Width, frames[1].ReadFlow()!.Height));

        var s = aligner.Summary;
        Assert.Equal(5, s.Frames);
        Assert.Equal(3, s.TelemetryCovered);
        Assert.Equal(2, s.Extrapolated);
        Assert.Equal(4, s.WithFlow);
        Assert.Equal(0, s.MissingFlow);
        Assert.Equal(3, s.MissingPrediction);
        Assert.Equal([1, 3, 4], s.FirstMissingPredictions);
        Assert.Equal(4, s.MissingGroundTruth);
        Assert.Contains(s.Lines(), l => l.StartsWith("telemetry: 2 rows", StringComparison.Ordinal) && l.Contains("covers 3/5 frames (60%)", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_backward_flow_names_the_first_missing_frame_while_streaming()
    {
        var aligner = new TimelineAligner(new AlignOptions { Flow = FlowFolder.Open(FlowDir("flow", [1, 2, 4, 6]), FlowDirection.Backward) });
        var seen = new List<int>();
        var e = Assert.Throws<SegFuseInputException>(() =>
        {
            foreach (var f in aligner.Align(Frames(8), 16, 8))
            {
                seen.Add(f.Index);
            }
        });
        Assert.Contains("frame 3,", e.Reason, StringComparison.Ordinal);
        Assert.Equal([0, 1, 2], seen);
    }

    [Fact]
    public void Allow_missing_counts_instead()
    {
        var aligner = new TimelineAligner(new AlignOptions { Flow = FlowFolder.Open(FlowDir("flow", [1, 2, 4, 6, 9]), FlowDirection.Backward), AllowMissingFlow = true });
        Assert.Equal(8, aligner.Align(Frames(8), 16, 8).Count());
        Assert.Equal(3, aligner.Summary.MissingFlow);
        Assert.Equal([3, 5, 7], aligner.Summary.FirstMissingFlow);
        Assert.Equal(1, aligner.Summary.Unmatched.Flow);
    }

    [Fact]
    public void Forward_flow_is_not_needed_for_the_last_frame()
    {
        var aligner = new TimelineAligner(new AlignOptions { Flow = FlowFolder.Open(FlowDir("flow", [0, 1, 2]), FlowDirection.Forward) });
        var frames = aligner.Align(Frames(4), 16, 8).ToList();
        Assert.Null(frames[3].FlowPath);
        Assert.Equal(0, aligner.Summary.MissingFlow);

        var short1 = new TimelineAligner(new AlignOptions { Flow = FlowFolder.Open(FlowDir("flow2", [0, 1]), FlowDirection.Forward) });
        Assert.Contains("frame 2,", Assert.Throws<SegFuseInputException>(() => short1.Align(Frames(4), 16, 8).ToList()).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Flow_of_another_size_is_an_error_unless_flow_scale_allows_it()
    {
        string dir = FlowDir("flow", [1, 2], w: 8, h: 4);
        var strict = new TimelineAligner(new AlignOptions { Flow = FlowFolder.Open(dir, FlowDirection.Backward) });
        var e = Assert.Throws<SegFuseInputException>(() => strict.Align(Frames(3), 16, 8).ToList());
        Assert.EndsWith("000001.flo", e.Subject, StringComparison.Ordinal);
        Assert.Contains("8x4", e.Reason, StringComparison.Ordinal);

        var scaled = new TimelineAligner(new AlignOptions { Flow = FlowFolder.Open(dir, FlowDirection.Backward), FlowScale = FlowScale.Of(2) });
        var frames = scaled.Align(Frames(3), 16, 8).ToList();
        Assert.Equal(16, frames[1].ReadFlow()!.Width);
    }

    [Fact]
    public void Alignment_is_lazy_so_memory_does_not_grow_with_the_video()
    {
        static IEnumerable<FrameTime> Endless()
        {
            for (int i = 0; ; i++)
            {
                yield return new FrameTime(i, i / 30.0);
            }
        }

        var aligner = new TimelineAligner(new AlignOptions());
        Assert.Equal(1000, aligner.Align(Endless(), 4, 4).Take(1000).Last().Index + 1);
    }

    [Fact]
    public void Frames_csv_has_one_row_per_frame_with_file_names()
    {
        var tel = TelemetryTable.Parse(new StringReader("timestamp,speed,\"a,b\"\n0,1,2\n1,3,4\n"), "tel.csv", new TelemetryOptions());
        var aligner = new TimelineAligner(new AlignOptions
        {
            Telemetry = tel,
            Flow = FlowFolder.Open(FlowDir("flow", [1, 2]), FlowDirection.Backward),
            PredictionDir = PngDir("pred", ["000001.png"]),
        });
        var sw = new StringWriter();
        int rows = FramesCsv.Write(sw, aligner.TelemetryColumns, aligner.Align(Frames(3, fps: 2), 16, 8), hasTelemetry: true);
        Assert.Equal(3, rows);
        Assert.Equal(
            "frame,timestamp,speed,\"a,b\",extrapolated,gap,flow,pred,gt\n" +
            "0,0,1,2,0,0,,,\n" +
            "1,0.5,2,3,0,1,000001.flo,000001.png,\n" +
            "2,1,3,4,0,0,000002.flo,,\n",
            sw.ToString());
    }
}
