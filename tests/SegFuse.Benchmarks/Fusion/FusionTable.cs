using System.Diagnostics;
using System.Globalization;
using System.Text;
using SegFuse.Fusion;
using SegFuse.Fusion.IO;
using SegFuse.Fusion.Metrics;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Scoring;
using SegFuse.Timeline.Flow;

namespace SegFuse.Benchmarks.Fusion;

/// <summary>
/// The mIoU table of the fusion README: per-frame labels against each method with exact, zero, badly wrong and
/// computed flow, on a sample folder (video.mp4, pred/, gt/, flow_bw/, flow_fw/, telemetry.csv). Every row runs the
/// real <see cref="Fuser"/> into files and scores them with the project's scorer; TC is measured with the exact flow.
/// <c>dotnet run -c Release --project tests/SegFuse.Benchmarks -- fusion-table DIR [--plain]</c>.
/// </summary>
internal static class FusionTable
{
    private static readonly string[] Moving = ["person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle"];

    public static void Run(string dir, bool plain, TextWriter log, string? only = null)
    {
        var set = LabelSet.Load("cityscapes-trainids");
        string work = Path.Combine(Path.GetTempPath(), $"segfuse-fusion-table-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            string gt = Path.Combine(dir, "gt"), pred = Path.Combine(dir, "pred");
            string bw = Path.Combine(dir, "flow_bw"), fw = Path.Combine(dir, "flow_fw");
            int frames = FrameFiles.List(pred, ".png").Count;
            var (width, height) = FlowFile.ReadSize(FlowFolder.Open(bw, FlowDirection.Backward).PathOf(1)!);
            var moving = MovingClasses(gt, set);
            var rows = new List<string>();
            var header = $"| run | mIoU | Δ per-frame | moving classes ({string.Join(", ", moving)}) | TC unmasked | TC masked | seconds |";
            log.WriteLine($"{frames} frames {width}x{height}; moving classes with ≥ 0.1 % of the pixels: {string.Join(", ", moving)}");

            var perFrame = Score(gt, pred, set);
            var (tcU, tcM) = Tc(dir, pred, set);
            rows.Add(Row("per-frame predictions", perFrame, perFrame, moving, tcU, tcM, 0));
            log.WriteLine(rows[^1]);

            string zeroBw = Constant(Path.Combine(work, "zero_bw"), FlowDirection.Backward, frames, width, height, _ => (0, 0));
            string zeroFw = Constant(Path.Combine(work, "zero_fw"), FlowDirection.Forward, frames, width, height, _ => (0, 0));
            var rng = new Random(20);
            (float, float) Wrong(int _) => ((float)((rng.NextDouble() * 40) - 20), (float)((rng.NextDouble() * 40) - 20));
            string wrongBw = Constant(Path.Combine(work, "wrong_bw"), FlowDirection.Backward, frames, width, height, Wrong);
            string wrongFw = Constant(Path.Combine(work, "wrong_fw"), FlowDirection.Forward, frames, width, height, Wrong);
            var telemetry = Path.Combine(dir, "telemetry.csv");

            var runs = new List<(string Name, FuseInputs Inputs, FusionParameters Parameters)>
            {
                ("offline, exact flow both ways", Inputs(dir, set, bw, fw), new FusionParameters()),
                ("offline, exact backward flow only", Inputs(dir, set, bw, null), new FusionParameters()),
                ("causal, exact flow both ways", Inputs(dir, set, bw, fw), new FusionParameters { Method = FusionMethod.Causal }),
                ("offline, all-zero flow both ways", Inputs(dir, set, zeroBw, zeroFw), new FusionParameters()),
                ("causal, all-zero flow both ways", Inputs(dir, set, zeroBw, zeroFw), new FusionParameters { Method = FusionMethod.Causal }),
                ("offline, random ±20 px flow both ways", Inputs(dir, set, wrongBw, wrongFw), new FusionParameters()),
                ("offline, random ±20 px backward flow only", Inputs(dir, set, wrongBw, null), new FusionParameters()),
                ("offline, --compute-flow farneback (default downscale)", Inputs(dir, set, null, null) with { ComputeFlow = FlowMethod.Farneback }, new FusionParameters()),
                ("causal, --compute-flow farneback (default downscale)", Inputs(dir, set, null, null) with { ComputeFlow = FlowMethod.Farneback }, new FusionParameters { Method = FusionMethod.Causal }),
            };
            if (Inputs(dir, set, null, null).ComputeDownscaleFor(width, height) > 1)
            {
                // The default computes flow at reduced resolution for this size; show full resolution too.
                runs.Add(("offline, --compute-flow farneback --compute-downscale 1", Inputs(dir, set, null, null) with { ComputeFlow = FlowMethod.Farneback, ComputeDownscale = 1 }, new FusionParameters()));
            }

            if (File.Exists(telemetry))
            {
                foreach (double gain in new[] { 0.25, 1.0 })
                {
                    runs.Add(($"offline, exact flow, telemetry speed+steering gains {gain}", Inputs(dir, set, bw, fw) with { Telemetry = telemetry }, new FusionParameters { SpeedGain = gain, SteeringGain = gain }));
                }
            }

            foreach (var (name, inputs, parameters) in runs.Where(r => only is null || r.Name.Contains(only, StringComparison.Ordinal)))
            {
                string output = Path.Combine(work, $"run{rows.Count}");
                var clock = Stopwatch.StartNew();
                Fuser.Run(inputs, parameters, new FuseOutput { Directory = output });
                double seconds = clock.Elapsed.TotalSeconds;
                var report = Score(gt, output, set);
                var (u, m) = Tc(dir, output, set);
                rows.Add(Row(name, report, perFrame, moving, u, m, seconds));
                log.WriteLine(rows[^1]);
                Directory.Delete(output, recursive: true);
            }

            if (plain)
            {
                foreach (bool offline in new[] { false, true })
                {
                    foreach (double decay in new[] { 0.7, 0.8, 0.9 })
                    {
                        string output = Path.Combine(work, $"plain{rows.Count}");
                        var clock = Stopwatch.StartNew();
                        PlainBaselines.Run(dir, set, offline, decay, 10, output);
                        double seconds = clock.Elapsed.TotalSeconds;
                        var report = Score(gt, output, set);
                        var (u, m) = Tc(dir, output, set);
                        rows.Add(Row($"reference: plain {(offline ? "offline two-pass" : "causal")} EMA of warped one-hot, photometric gate 10, decay {decay}", report, perFrame, moving, u, m, seconds));
                        log.WriteLine(rows[^1]);
                        Directory.Delete(output, recursive: true);
                    }
                }
            }

            log.WriteLine();
            log.WriteLine(header);
            log.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var row in rows)
            {
                log.WriteLine(row);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static FuseInputs Inputs(string dir, LabelSet set, string? flow, string? other) => new()
    {
        Video = Path.Combine(dir, "video.mp4"),
        Predictions = Path.Combine(dir, "pred"),
        Labels = set,
        Flow = flow,
        FlowDirection = FlowDirection.Backward,
        FlowOther = other,
    };

    private static ScoreReport Score(string gt, string pred, LabelSet set) =>
        ScoreReport.From(DatasetScorer.Score(DatasetPairing.Frames(gt, pred), set, LabelEncoding.Ids));

    private static (double Unmasked, double Masked) Tc(string dir, string labels, LabelSet set)
    {
        var r = TemporalConsistency.Measure(new TcInputs
        {
            Predictions = labels,
            Labels = set,
            Flow = Path.Combine(dir, "flow_bw"),
            FlowDirection = FlowDirection.Backward,
            FlowOther = Path.Combine(dir, "flow_fw"),
            Video = Path.Combine(dir, "video.mp4"),
        });
        return (r.Tc, r.MaskedTc);
    }

    private static string Row(string name, ScoreReport report, ScoreReport perFrame, string[] moving, double tcU, double tcM, double seconds)
    {
        double m = MeanOf(report, moving), pm = MeanOf(perFrame, moving);
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {report.AverageClassIou * 100:0.00} | {(report.AverageClassIou - perFrame.AverageClassIou) * 100:+0.00;-0.00;0.00} | {m * 100:0.00} ({(m - pm) * 100:+0.00;-0.00;0.00}) | {tcU * 100:0.00} | {tcM * 100:0.00} | {seconds:0.0} |");
    }

    private static double MeanOf(ScoreReport report, string[] classes) =>
        report.Classes.Where(c => classes.Contains(c.Name)).Select(c => c.Iou).Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Average();

    private static string[] MovingClasses(string gt, LabelSet set)
    {
        var counts = new long[set.MaxId + 1];
        long total = 0;
        foreach (var (_, file) in FrameFiles.List(gt, ".png"))
        {
            foreach (ushort id in LabelPng.Read(file, set).Span)
            {
                counts[id]++;
                total++;
            }
        }

        return set.Classes.Where(c => Moving.Contains(c.Name) && counts[c.Id] >= 0.001 * total).Select(c => c.Name).ToArray();
    }

    private static string Constant(string dir, FlowDirection direction, int frames, int width, int height, Func<int, (float U, float V)> vector)
    {
        Directory.CreateDirectory(dir);
        var (first, last) = direction.FramesWithFlow(frames);
        for (int t = first; t <= last; t++)
        {
            var (u, v) = vector(t);
            var field = new FlowField(width, height);
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
}
