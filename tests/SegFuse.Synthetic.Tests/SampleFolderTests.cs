using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Decoding;
using SegFuse.Timeline.Alignment;
using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Telemetry;
using Xunit.Abstractions;

namespace SegFuse.Synthetic.Tests;

/// <summary>The sample folder, read back with SegFuse's own readers (OpenCV decoding, .flo, PNG, telemetry CSV, alignment).</summary>
public class SampleFolderTests(ITestOutputHelper output)
{
    private static readonly SyntheticOptions Options = new() { Width = 160, Height = 96, Frames = 12, Seed = 9, StartSeconds = 5.0 };

    [Fact]
    public void Sample_folder_holds_exactly_what_the_generator_made()
    {
        using var tmp = new TempDir();
        string dir = tmp.Sub("sample");
        var summary = SampleWriter.Write(Options, dir);
        Assert.Equal(12, summary.Frames);
        Assert.Equal(
            new[] { "README.txt", "flow_bw", "flow_fw", "gt", "pred", "split.csv", "telemetry.csv", "video.mp4" },
            Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Single(Directory.EnumerateFileSystemEntries(tmp.Path));
        Assert.StartsWith(SampleWriter.ReadmeTitle, File.ReadAllText(Path.Combine(dir, "README.txt")), StringComparison.Ordinal);

        var expected = Fixtures.Generate(Options);
        var set = LabelSet.Load("cityscapes-trainids");
        var bw = FlowFolder.Open(Path.Combine(dir, "flow_bw"), FlowDirection.Backward);
        var fw = FlowFolder.Open(Path.Combine(dir, "flow_fw"), FlowDirection.Forward);
        Assert.Equal(Enumerable.Range(1, 11), bw.Frames);
        Assert.Equal(Enumerable.Range(0, 11), fw.Frames);
        foreach (var f in expected)
        {
            string name = FrameFiles.NameOf(f.Index, ".png");
            Assert.Equal(f.Gt, LabelPng.Read(Path.Combine(dir, "gt", name), set).Span.ToArray());
            Assert.Equal(f.Pred, LabelPng.Read(Path.Combine(dir, "pred", name), set).Span.ToArray());
            if (f.Index > 0)
            {
                Assert.Equal(f.Bw, bw.Read(f.Index, 160, 96, FlowScale.None)!.Span.ToArray());
            }

            if (f.Index < 11)
            {
                Assert.Equal(f.Fw, fw.Read(f.Index, 160, 96, FlowScale.None)!.Span.ToArray());
            }
        }

        var split = File.ReadAllLines(Path.Combine(dir, "split.csv"));
        Assert.Equal("frame,split", split[0]);
        Assert.Equal(["0,train", "5,train", "6,val", "7,val", "8,test", "11,test"], split.Skip(1).Where((_, i) => i is 0 or 5 or 6 or 7 or 8 or 11));

        // The video decodes to the same frames, at i / fps, with the container's timestamps.
        using var video = VideoFrameSource.Open(Path.Combine(dir, "video.mp4"));
        double worst = 0;
        int n = 0;
        while (video.TryRead(out var frame))
        {
            {
                // The image is the source's reused buffer: read it, do not dispose it.
                Assert.Equal(n / 30.0, frame.Timestamp, 3);
                var decoded = frame.Image.AsSpan<byte>();
                double diff = 0;
                for (int i = 0; i < decoded.Length; i++)
                {
                    diff += Math.Abs(decoded[i] - expected[n].Bgr[i]);
                }

                worst = Math.Max(worst, diff / decoded.Length);
                n++;
            }
        }

        output.WriteLine($"decoded video differs from the rendered frames by at most {worst:0.00} levels on average");
        Assert.Equal(12, n);
        Assert.Equal(TimestampSource.Container, video.TimestampSource);
        Assert.True(worst < 12, $"mean absolute difference {worst}");
    }

    [Fact]
    public void Sample_aligns_without_warnings()
    {
        using var tmp = new TempDir();
        string dir = tmp.Sub("sample");
        SampleWriter.Write(Options with { Frames = 40 }, dir);
        var telemetry = TelemetryTable.Load(Path.Combine(dir, "telemetry.csv"));
        Assert.Equal(["speed_mps", "accel_mps2", "steering_deg"], telemetry.Columns);
        var times = new List<FrameTime>();
        using (var video = VideoFrameSource.Open(Path.Combine(dir, "video.mp4")))
        {
            while (video.TryRead(out var frame))
            {
                times.Add(new FrameTime(frame.Index, frame.Timestamp));
            }
        }

        foreach (var direction in new[] { FlowDirection.Backward, FlowDirection.Forward })
        {
            var aligner = new TimelineAligner(new AlignOptions
            {
                Telemetry = telemetry,
                Flow = FlowFolder.Open(Path.Combine(dir, direction == FlowDirection.Backward ? "flow_bw" : "flow_fw"), direction),
                PredictionDir = Path.Combine(dir, "pred"),
                GroundTruthDir = Path.Combine(dir, "gt"),
            });
            var frames = aligner.Align(times, 160, 96).ToList();
            var s = aligner.Summary;
            foreach (var line in s.Lines())
            {
                output.WriteLine(line);
            }

            Assert.Equal(40, frames.Count);
            Assert.Equal(40, s.TelemetryCovered);
            Assert.Equal(0, s.Extrapolated);
            Assert.Equal(0, s.InGap);
            Assert.Equal(0, s.MissingFlow);
            Assert.Equal(0, s.MissingPrediction);
            Assert.Equal(0, s.MissingGroundTruth);
            Assert.Equal((0, 0, 0), s.Unmatched);
        }
    }

    [Fact]
    public void An_earlier_sample_is_replaced_but_another_folder_is_refused_and_left_alone()
    {
        using var tmp = new TempDir();
        string dir = tmp.Sub("sample");
        SampleWriter.Write(Options with { Frames = 3 }, dir);
        SampleWriter.Write(Options with { Frames = 4 }, dir);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(dir, "gt")).Length);
        Assert.Single(Directory.EnumerateFileSystemEntries(tmp.Path));

        string other = tmp.Sub("photos");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "keep.txt"), "mine");
        var e = Assert.Throws<SegFuseInputException>(() => SampleWriter.Write(Options with { Frames = 3 }, other));
        Assert.Equal(other, e.Subject);
        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(other).Select(Path.GetFileName));
        Assert.Equal(2, Directory.EnumerateFileSystemEntries(tmp.Path).Count());
    }

    [Fact]
    public void A_cancelled_run_leaves_nothing_behind()
    {
        using var tmp = new TempDir();
        string dir = tmp.Sub("sample");
        using var cts = new CancellationTokenSource();
        var progress = new CancelAt(cts, 3);
        Assert.ThrowsAny<OperationCanceledException>(() => SampleWriter.Write(Options with { Frames = 30 }, dir, progress, cancellationToken: cts.Token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
    }

    private sealed class CancelAt(CancellationTokenSource cts, int frames) : IProgress<int>
    {
        public void Report(int value)
        {
            if (value >= frames)
            {
                cts.Cancel();
            }
        }
    }
}
