using SegFuse.Fusion.IO;
using SegFuse.Fusion.Metrics;
using SegFuse.Fusion.Tests.Support;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Scoring;
using SegFuse.Timeline.Flow;
using Xunit.Abstractions;

namespace SegFuse.Fusion.Tests.Sample;

/// <summary>
/// The issue's must-hold figures on a sequence of the SegFuse generator (160x96, 150 frames: the car waits at a zebra
/// while people cross and the camera pans, then drives off), written to files and fused through <see cref="Fuser"/>
/// exactly as <c>segfuse fuse</c> does. Scores come from the project's scorer.
/// </summary>
public class FuseSampleTests(ITestOutputHelper output)
{
    private static readonly LabelSet Set = SampleFixture.Labels;

    /// <summary>Classes of things that move by themselves (the issue's "classes that move in the image").</summary>
    private static readonly string[] MovingClasses = ["person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle"];

    private static readonly Lazy<(string Dir, ScoreReport Report)> ExactRun = new(() =>
    {
        var s = Sample;
        string dir = Path.Combine(s.Dir, "fused-exact");
        Fuser.Run(Inputs(s, s.FlowBw, s.FlowFw), new FusionParameters(), new FuseOutput { Directory = dir });
        return (dir, Score(s.Gt, dir));
    });

    private static SampleFixture Sample => SampleFixture.Get(160, 96, 150);

    [Fact]
    public void Exact_flow_gains_at_least_10_points_and_the_fused_labels_are_temporally_consistent()
    {
        var s = Sample;
        var perFrame = Score(s.Gt, s.Pred);
        var (dir, fused) = ExactRun.Value;
        output.WriteLine($"per-frame mIoU {perFrame.AverageClassIou:P2}, fused {fused.AverageClassIou:P2}");
        Assert.True(fused.AverageClassIou >= perFrame.AverageClassIou + 0.10, $"per-frame {perFrame.AverageClassIou:P2}, fused {fused.AverageClassIou:P2}");

        var tcFused = Tc(s, dir);
        var tcPred = Tc(s, s.Pred);
        var tcGt = Tc(s, s.Gt);
        output.WriteLine($"TC masked / unmasked: per-frame {tcPred.MaskedTc:P2} / {tcPred.Tc:P2}, fused {tcFused.MaskedTc:P2} / {tcFused.Tc:P2}, ground truth {tcGt.MaskedTc:P2} / {tcGt.Tc:P2}");
        Assert.True(tcFused.MaskedTc >= 0.85, $"masked TC {tcFused.MaskedTc:P2}");

        // Unmasked TC also counts disoccluded pixels, whose correct label differs from the occluder warped onto them,
        // so even the ground truth stays near 0.8 at this size (printed above). The fused labels must come close to
        // that ceiling over the ground truth's classes, and be far above the per-frame labels over all classes. (Over all
        // classes, a class the scene does not have that the fused labels keep on a few pixels — rider, here — scores
        // near 0 whatever those pixels do and weighs as much as road in the mean.)
        Assert.True(tcFused.Tc >= tcPred.Tc + 0.15, $"unmasked TC fused {tcFused.Tc:P2}, per-frame {tcPred.Tc:P2}");
        double fusedOverTruth = OverTruthClasses(tcFused, tcGt), truth = OverTruthClasses(tcGt, tcGt);
        output.WriteLine($"unmasked TC over the ground truth's classes: fused {fusedOverTruth:P2}, ground truth {truth:P2}");
        Assert.True(fusedOverTruth >= truth - 0.05, $"unmasked TC over the ground truth's classes: fused {fusedOverTruth:P2}, ground truth {truth:P2}");
    }

    /// <summary>
    /// The issue's two headline figures where they are measured, on the generator's 1280×720 sequence (150 frames, seed
    /// 1, as <c>segfuse sample --size 1280x720 --frames 150 --seed 1</c> makes it; 2.2 GB of flow files while the test
    /// runs): fused mIoU at least per-frame + 10 and unmasked TC, measured with the exact flow, at least 0.85 (measured
    /// 75.30 against 54.64, TC 85.38; 84.51 before the label hysteresis).
    /// </summary>
    [Fact]
    public void At_1280x720_exact_flow_gains_10_points_and_unmasked_tc_reaches_085()
    {
        var s = SampleFixture.Get(1280, 720, 150);
        string dir = Path.Combine(s.Dir, "fused");
        Fuser.Run(Inputs(s, s.FlowBw, s.FlowFw), new FusionParameters(), new FuseOutput { Directory = dir });
        var perFrame = Score(s.Gt, s.Pred);
        var fused = Score(s.Gt, dir);
        var tc = Tc(s, dir);
        output.WriteLine($"1280x720: per-frame mIoU {perFrame.AverageClassIou:P2}, fused {fused.AverageClassIou:P2}, TC unmasked {tc.Tc:P2}, masked {tc.MaskedTc:P2}");
        Assert.True(fused.AverageClassIou >= perFrame.AverageClassIou + 0.10, $"per-frame {perFrame.AverageClassIou:P2}, fused {fused.AverageClassIou:P2}");
        Assert.True(tc.Tc >= 0.85, $"unmasked TC {tc.Tc:P2}");
    }

    [Fact]
    public void The_gain_on_moving_classes_comes_from_the_flow()
    {
        var s = Sample;
        using var tmp = new TempDir();
        string zeroBw = ConstantFlow(tmp.Sub("zero_bw"), s, FlowDirection.Backward, _ => (0, 0));
        string zeroFw = ConstantFlow(tmp.Sub("zero_fw"), s, FlowDirection.Forward, _ => (0, 0));
        string dir = tmp.Sub("fused");
        Fuser.Run(Inputs(s, zeroBw, zeroFw), new FusionParameters(), new FuseOutput { Directory = dir });
        var zero = Score(s.Gt, dir);
        var exact = ExactRun.Value.Report;
        double exactMoving = Mean(exact, Moving(s)), zeroMoving = Mean(zero, Moving(s));
        output.WriteLine($"moving classes {string.Join(", ", Moving(s))}: exact flow {exactMoving:P2}, zero flow {zeroMoving:P2}; all classes {exact.AverageClassIou:P2} vs {zero.AverageClassIou:P2}");
        Assert.True(exactMoving >= zeroMoving + 0.02, $"exact {exactMoving:P2}, zero {zeroMoving:P2}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Badly_wrong_flow_never_costs_more_than_half_a_point(bool bothDirections)
    {
        var s = Sample;
        using var tmp = new TempDir();
        var rng = new Random(bothDirections ? 21 : 22);
        (float, float) Shift(int _) => ((float)((rng.NextDouble() * 40) - 20), (float)((rng.NextDouble() * 40) - 20));
        string bw = ConstantFlow(tmp.Sub("bw"), s, FlowDirection.Backward, Shift);
        string? fw = bothDirections ? ConstantFlow(tmp.Sub("fw"), s, FlowDirection.Forward, Shift) : null;
        string dir = tmp.Sub("fused");
        var summary = Fuser.Run(Inputs(s, bw, fw), new FusionParameters(), new FuseOutput { Directory = dir });
        double perFrame = Score(s.Gt, s.Pred).AverageClassIou, fused = Score(s.Gt, dir).AverageClassIou;
        output.WriteLine($"wrong flow ({(bothDirections ? "both directions" : "backward only")}): per-frame {perFrame:P2}, fused {fused:P2}, cuts {summary.Cuts}");
        Assert.True(fused >= perFrame - 0.005, $"per-frame {perFrame:P2}, fused {fused:P2}");
    }

    [Fact]
    public void Farneback_flow_computed_by_SegFuse_gains_at_least_8_points()
    {
        var s = Sample;
        using var tmp = new TempDir();
        string dir = tmp.Sub("fused");
        var inputs = Inputs(s, null, null) with { ComputeFlow = FlowMethod.Farneback };
        Fuser.Run(inputs, new FusionParameters(), new FuseOutput { Directory = dir });
        double perFrame = Score(s.Gt, s.Pred).AverageClassIou, fused = Score(s.Gt, dir).AverageClassIou;
        output.WriteLine($"Farneback flow: per-frame {perFrame:P2}, fused {fused:P2}");
        Assert.True(fused >= perFrame + 0.08, $"per-frame {perFrame:P2}, fused {fused:P2}");
    }

    [Fact]
    public void Slices_joined_agree_with_one_whole_run()
    {
        var s = Sample;
        using var tmp = new TempDir();
        string dir = tmp.Sub("slices");
        foreach (var range in new[] { new FrameRange(0, 47), new FrameRange(47, 100), new FrameRange(100, null) })
        {
            var summary = Fuser.Run(Inputs(s, s.FlowBw, s.FlowFw), new FusionParameters(), new FuseOutput { Directory = dir, Range = range });
            Assert.Equal((range.End ?? s.Frames) - range.Start, summary.Written);
        }

        double agreement = Agreement(ExactRun.Value.Dir, dir, s.Frames);
        output.WriteLine($"slices agree with the whole run on {agreement:P3} of pixels");
        Assert.True(agreement >= 0.999, $"{agreement:P3}");
    }

    [Fact]
    public void Resume_writes_only_the_missing_frames()
    {
        var s = Sample;
        using var tmp = new TempDir();
        string dir = tmp.Sub("fused");
        foreach (var file in Directory.EnumerateFiles(ExactRun.Value.Dir))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        int[] removed = [0, 1, 60, 61, 62, 149];
        foreach (int t in removed)
        {
            File.Delete(Path.Combine(dir, FrameFiles.NameOf(t, ".png")));
        }

        // A broken file (not a PNG) counts as missing.
        File.WriteAllText(Path.Combine(dir, FrameFiles.NameOf(90, ".png")), "junk");
        var kept = Path.Combine(dir, FrameFiles.NameOf(30, ".png"));
        var stamp = File.GetLastWriteTimeUtc(kept);
        var summary = Fuser.Run(Inputs(s, s.FlowBw, s.FlowFw), new FusionParameters(), new FuseOutput { Directory = dir, Resume = true });
        Assert.Equal(removed.Length + 1, summary.Written);
        Assert.Equal(s.Frames - removed.Length - 1, summary.Skipped);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(kept));
        Assert.True(Agreement(ExactRun.Value.Dir, dir, s.Frames) >= 0.999);

        var again = Fuser.Run(Inputs(s, s.FlowBw, s.FlowFw), new FusionParameters(), new FuseOutput { Directory = dir, Resume = true });
        Assert.Equal(0, again.Written);
        Assert.Equal(0, again.FramesProcessed);
    }

    [Fact]
    public void Telemetry_modulates_the_decay_only_when_a_gain_is_set()
    {
        var s = Sample;
        using var tmp = new TempDir();
        var inputs = Inputs(s, s.FlowBw, s.FlowFw) with { Telemetry = s.Telemetry };
        string same = tmp.Sub("gain0"), faster = tmp.Sub("gain1");
        Fuser.Run(inputs, new FusionParameters(), new FuseOutput { Directory = same });
        Fuser.Run(inputs, new FusionParameters { SpeedGain = 2, SteeringGain = 2 }, new FuseOutput { Directory = faster });
        Assert.Equal(1.0, Agreement(ExactRun.Value.Dir, same, s.Frames));
        Assert.True(Agreement(ExactRun.Value.Dir, faster, s.Frames) < 1.0);
    }

    [Fact]
    public void Causal_method_fuses_online_and_still_gains()
    {
        var s = Sample;
        using var tmp = new TempDir();
        string dir = tmp.Sub("causal");
        Fuser.Run(Inputs(s, s.FlowBw, s.FlowFw), new FusionParameters { Method = FusionMethod.Causal }, new FuseOutput { Directory = dir });
        double perFrame = Score(s.Gt, s.Pred).AverageClassIou, causal = Score(s.Gt, dir).AverageClassIou;
        output.WriteLine($"causal: per-frame {perFrame:P2}, fused {causal:P2}; offline {ExactRun.Value.Report.AverageClassIou:P2}");
        Assert.True(causal >= perFrame + 0.05);
        Assert.True(ExactRun.Value.Report.AverageClassIou > causal);
    }

    internal static FuseInputs Inputs(SampleFixture s, string? flow, string? other) => new()
    {
        Video = s.Video,
        Predictions = s.Pred,
        Labels = Set,
        Flow = flow,
        FlowDirection = FlowDirection.Backward,
        FlowOther = other,
    };

    internal static ScoreReport Score(string gt, string pred) =>
        ScoreReport.From(DatasetScorer.Score(DatasetPairing.Frames(gt, pred), Set, LabelEncoding.Ids));

    internal static double Agreement(string a, string b, int frames)
    {
        long same = 0, total = 0;
        for (int t = 0; t < frames; t++)
        {
            string name = FrameFiles.NameOf(t, ".png");
            var x = LabelPng.Read(Path.Combine(a, name), Set).Span;
            var y = LabelPng.Read(Path.Combine(b, name), Set).Span;
            for (int i = 0; i < x.Length; i++)
            {
                same += x[i] == y[i] ? 1 : 0;
            }

            total += x.Length;
        }

        return (double)same / total;
    }

    /// <summary>The mean unmasked TC of <paramref name="result"/> over the classes that occur in the ground truth's labels.</summary>
    private static double OverTruthClasses(TcResult result, TcResult truth)
    {
        var present = truth.Unmasked.Classes.Where(c => !double.IsNaN(c.Iou)).Select(c => c.Name).ToHashSet();
        return result.Unmasked.Classes.Where(c => present.Contains(c.Name)).Average(c => double.IsNaN(c.Iou) ? 0 : c.Iou);
    }

    private static TcResult Tc(SampleFixture s, string labels) => TemporalConsistency.Measure(new TcInputs
    {
        Predictions = labels,
        Labels = Set,
        Flow = s.FlowBw,
        FlowDirection = FlowDirection.Backward,
        FlowOther = s.FlowFw,
        Video = s.Video,
    });

    private static string ConstantFlow(string dir, SampleFixture s, FlowDirection direction, Func<int, (float U, float V)> vector)
    {
        var (first, last) = direction.FramesWithFlow(s.Frames);
        for (int t = first; t <= last; t++)
        {
            var (u, v) = vector(t);
            var field = new FlowField(s.Width, s.Height);
            var span = field.Span;
            for (int i = 0; i < span.Length; i += 2)
            {
                span[i] = u;
                span[i + 1] = v;
            }

            FlowFile.Write(Path.Combine(dir, FrameFiles.NameOf(t, ".flo")), field);
        }

        return dir;
    }

    /// <summary>The moving classes that cover at least 0.1 % of the ground truth (smaller ones are a handful of pixels).</summary>
    private static string[] Moving(SampleFixture s)
    {
        var counts = new long[256];
        long total = 0;
        foreach (var file in Directory.EnumerateFiles(s.Gt, "*.png"))
        {
            foreach (ushort id in LabelPng.Read(file, Set).Span)
            {
                counts[id]++;
                total++;
            }
        }

        return Set.Classes.Where(c => MovingClasses.Contains(c.Name) && counts[c.Id] >= 0.001 * total).Select(c => c.Name).ToArray();
    }

    private static double Mean(ScoreReport report, string[] classes) =>
        report.Classes.Where(c => classes.Contains(c.Name)).Select(c => c.Iou).Where(v => !double.IsNaN(v)).Average();
}
