using System.Diagnostics;
using System.Globalization;
using SegFuse.Fusion;
using SegFuse.Fusion.IO;
using SegFuse.Fusion.Metrics;
using SegFuse.Fusion.Tuning;
using SegFuse.Inference.Segment;
using SegFuse.Inference.Tiny;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Palette;
using SegFuse.Media.Rendering;
using SegFuse.Media.Tools;
using SegFuse.Scoring;
using SegFuse.Synthetic;
using SegFuse.Timeline.Flow;

namespace SegFuse.Cli.Demo;

/// <summary>
/// The whole competition workflow on a synthetic sample, each stage reading the files the previous one wrote:
/// sample → tune (val) → fuse → score and TC (test) → render the side-by-side and palette videos → score the palette
/// video back → the tiny ONNX model's segment → fuse → score path → report.md, summary.json and two charts.
/// Every stage calls the library code its own command calls; this class only wires them and times them.
/// </summary>
internal sealed class DemoRun(CliConsole console, DemoOptions options)
{
    /// <summary>Marks a folder as a demo output that a later run may overwrite.</summary>
    public const string Marker = ".segfuse-demo";

    private readonly List<DemoStage> _stages = [];
    private readonly LabelSet _set = LabelSet.Load("cityscapes-trainids");

    private string Out => options.OutDir;

    /// <summary>
    /// The palette submission of frames under 720 rows is enlarged by an integer factor (to at least 720 rows) so that
    /// labels of a pixel or two survive 4:2:0 chroma; at 720p and above it is rendered at the frames' own size.
    /// </summary>
    private int SubmissionScale => Math.Clamp((int)Math.Ceiling(720.0 / options.Sample.Height), 1, 8);

    private string SampleDir => Path.Combine(Out, "sample");

    /// <summary>Checks what the demo needs before any work, so a bad set-up fails at once with one line.</summary>
    /// <exception cref="SegFuseInputException">ffmpeg/ffprobe missing, the output folder not writable or someone else's.</exception>
    public static void Preflight(string outDir)
    {
        foreach (var tool in new[] { "ffmpeg", "ffprobe" })
        {
            if (FfmpegTools.Find(tool) is null)
            {
                throw new SegFuseInputException(tool, "not found on PATH; the demo encodes and decodes H.264 with it: install it (Debian/Ubuntu: apt-get install ffmpeg) or run ./build.sh demo, which installs it");
            }
        }

        if (File.Exists(outDir))
        {
            throw new SegFuseInputException(outDir, "is a file; give a new or empty folder (or an earlier demo's) with --out");
        }

        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any() && !File.Exists(Path.Combine(outDir, Marker)))
        {
            throw new SegFuseInputException(outDir, "exists and is not a demo output folder; give a new or empty folder with --out");
        }

        string probe = Path.Combine(outDir, $".write-test.{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(outDir);
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegFuseInputException(outDir, "cannot write to the output folder (read-only or no permission); give a writable folder with --out");
        }
    }

    /// <summary>Runs every stage and writes the report.</summary>
    public DemoResult Run(CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        double loadStart = LoadAverage();
        File.WriteAllText(Path.Combine(Out, Marker), "segfuse demo output folder: a later 'segfuse demo --out' here replaces its files\n");

        // 1. The sample: reuse one made with the same options, else make it.
        bool made = Stage("sample", () =>
        {
            if (IsCompleteSample(SampleDir, options.Sample))
            {
                console.Error.WriteLine($"sample: reusing {SampleDir}");
                return (false, "reused");
            }

            using var bar = console.Progress("sample", options.Sample.Frames);
            SampleWriter.Write(options.Sample, SampleDir, new IntProgress(bar), cancellationToken: ct);
            return (true, $"made {options.Sample.Frames} frames {options.Sample.Size}");
        });

        string video = Path.Combine(SampleDir, "video.mp4"), gt = Path.Combine(SampleDir, "gt"), pred = Path.Combine(SampleDir, "pred");
        string flowBw = Path.Combine(SampleDir, "flow_bw"), flowFw = Path.Combine(SampleDir, "flow_fw"), splitCsv = Path.Combine(SampleDir, "split.csv");
        var split = ParameterTuner.ReadSplit(splitCsv);
        int[] test = split.Where(kv => kv.Value == "test").Select(kv => kv.Key).Order().ToArray();
        int valCount = split.Count(kv => kv.Value == "val");
        if (test.Length < 2 || valCount == 0)
        {
            throw new SegFuseInputException(splitCsv, "the demo needs val frames and at least two test frames; make the sample longer (--frames)");
        }

        var inputs = new FuseInputs
        {
            Video = video,
            Predictions = pred,
            Labels = _set,
            Flow = flowBw,
            FlowDirection = FlowDirection.Backward,
            FlowOther = flowFw,
        };

        // 2. Tune on the validation split.
        string paramsPath = Path.Combine(Out, "params.json");
        var tuneOptions = new TuneOptions
        {
            GroundTruth = gt,
            SplitFile = splitCsv,
            SplitName = "val",
            Rounds = 1,
            Search = DemoOptions.TuneGrid,
            MaxWarmUp = DemoOptions.TuneWarmUp,
        };
        var tuned = Stage("tune", () =>
        {
            int bound = 1 + DemoOptions.TuneGrid.Values.Sum(v => v.Length);
            using var bar = console.Progress("tune", bound, "trials");
            int trials = 0;
            var result = ParameterTuner.Tune(inputs, new FusionParameters(), tuneOptions, line =>
            {
                if (line.StartsWith("trial ", StringComparison.Ordinal))
                {
                    bar.Report(++trials);
                }
            }, ct);
            bar.Total = result.Trials.Count;
            ParameterTuner.Save(result, tuneOptions, paramsPath);
            return (result, $"{result.Trials.Count} evaluations on {result.Frames.Count} val frames");
        });

        // 3. Fuse every frame with the parameters read back from params.json.
        var parameters = FusionParameters.Load(paramsPath);
        string fusedDir = Path.Combine(Out, "fused");
        Stage("fuse", () =>
        {
            DeleteFolder(fusedDir);
            using var bar = new Commands.DeferredProgress(console, "fuse");
            var s = Fuser.Run(inputs, parameters, new FuseOutput { Directory = fusedDir }, bar, bar.Start, ct);
            return (s, $"{s.Written} frames, {parameters.Method.Name()}");
        });

        // 4. Score per-frame and fused on the test split; TC of both on the test split.
        var (perFrame, fused) = ScoreBoth("score", gt, pred, fusedDir, test, $"{test.Length} test frames, per-frame and fused", ct);
        var testSet = test.ToHashSet();

        var (perFrameTc, fusedTc) = Stage("tc", () =>
        {
            TcResult Measure(string labels, string label)
            {
                using var bar = new Commands.DeferredProgress(console, label, "pairs");
                return TemporalConsistency.Measure(
                    new TcInputs
                    {
                        Predictions = labels,
                        Labels = _set,
                        Flow = flowBw,
                        FlowDirection = FlowDirection.Backward,
                        FlowOther = flowFw,
                        Video = video,
                        TargetFrames = testSet,
                    },
                    bar,
                    bar.Start,
                    ct);
            }

            var a = Measure(pred, "tc per-frame");
            var b = Measure(fusedDir, "tc fused");
            return ((a, b), $"{a.Pairs} frame pairs each");
        });

        // 5. The side-by-side video (footage | per-frame | fused, legend) and the palette submission video.
        string sideBySide = Path.Combine(Out, "side-by-side.mp4"), submission = Path.Combine(Out, "submission.mp4");
        Stage("render side-by-side", () =>
        {
            var request = new RenderRequest
            {
                LabelsDir = pred,
                CompareDir = fusedDir,
                VideoPath = video,
                Set = _set,
                OutPath = sideBySide,
                Mode = RenderMode.SideBySide,
                Legend = true,
                Preset = options.ViewPreset,
            };
            using var bar = console.Progress("render side-by-side", LabelVideoRenderer.CountFrames(pred));
            var r = LabelVideoRenderer.Render(request, bar, console.Warn, ct);
            DemoCharts.WriteStill(sideBySide, test[test.Length / 2], Path.Combine(Out, "side-by-side.png"));
            return (r, string.Create(CultureInfo.InvariantCulture, $"{r.Width}x{r.Height}, {r.Bytes / 1e6:0.0} MB"));
        });
        Stage("render palette", () =>
        {
            var request = new RenderRequest { LabelsDir = fusedDir, Set = _set, OutPath = submission, Mode = RenderMode.Palette, VideoPath = video, Preset = options.Preset, Scale = SubmissionScale };
            using var bar = console.Progress("render palette", LabelVideoRenderer.CountFrames(fusedDir));
            var r = LabelVideoRenderer.Render(request, bar, console.Warn, ct);
            return (r, string.Create(CultureInfo.InvariantCulture, $"{r.Width}x{r.Height}{(SubmissionScale > 1 ? $" (labels x{SubmissionScale})" : "")}, {r.Bytes / 1e6:0.0} MB"));
        });

        var palette = Stage("score palette video", () =>
        {
            using var bar = console.Progress("score palette video", split.Count);
            // An enlarged submission (small frames) is scaled back by the scorer, as intended: no warning for that.
            var acc = VideoSubmissionScorer.Score(submission, gt, _set, bar, SubmissionScale > 1 ? null : console.Warn, ct, testSet.Contains);
            return (ScoreReport.From(acc), "decoded every frame, scored the test frames");
        });

        // 6. Issue 8's path: the tiny ONNX model fitted on the train split, segment, fuse, score.
        TinyResult? tiny = options.Tiny ? RunTiny(video, gt, test, parameters, inputs, ct) : null;

        // 7. The report.
        var result = new DemoResult
        {
            Options = options,
            SampleMade = made,
            ValFrames = valCount,
            Parameters = parameters,
            Tuning = (tuned.PerFrame.AverageClassIou, tuned.Default.AverageClassIou, tuned.Tuned.AverageClassIou, tuned.Trials.Count),
            PerFrame = perFrame,
            Fused = fused,
            PerFrameTc = perFrameTc,
            FusedTc = fusedTc,
            PaletteVideo = palette,
            Tiny = tiny,
            Stages = _stages,
            TotalSeconds = total.Elapsed.TotalSeconds,
            Load = (loadStart, LoadAverage()),
        };
        var reportClock = Stopwatch.StartNew();
        DemoCharts.WritePerClass(result, Path.Combine(Out, "per-class-iou.png"));
        DemoCharts.WriteOverTime(result, Path.Combine(Out, "miou-over-time.png"));
        _stages.Add(new DemoStage("report", reportClock.Elapsed.TotalSeconds, "charts, report.md, summary.json"));
        result = result with { Stages = _stages.ToArray(), TotalSeconds = total.Elapsed.TotalSeconds, Load = (loadStart, LoadAverage()) };
        AtomicFile.WriteAllText(Path.Combine(Out, "report.md"), DemoReport.Markdown(result));
        AtomicFile.WriteAllText(Path.Combine(Out, "summary.json"), DemoReport.Json(result));
        return result;
    }

    private TinyResult RunTiny(string video, string gt, int[] test, FusionParameters parameters, FuseInputs inputs, CancellationToken ct)
    {
        string dir = Path.Combine(Out, "tiny");
        Directory.CreateDirectory(dir);
        string model = Path.Combine(dir, "model.onnx"), labels = Path.Combine(dir, "labels"), fusedDir = Path.Combine(dir, "fused");
        var report = Stage("tiny fit", () =>
        {
            var job = TinyModelJob.Open(SampleDir, new TinyModelOptions { Evaluate = false });
            using var bar = console.Progress("tiny fit", job.Work, "steps");
            var r = job.Run(model, bar, ct);
            return (r, $"{r.TrainFrames} train frames, {r.Samples} pixels");
        });
        var segment = Stage("tiny segment", () =>
        {
            DeleteFolder(labels);
            using var segmenter = VideoSegmenter.Open(new SegmentOptions
            {
                VideoPath = video,
                ModelPath = model,
                OutputDirectory = labels,
                InputSize = (options.Sample.Width / DemoOptions.SegmentDownscale, options.Sample.Height / DemoOptions.SegmentDownscale),
            });
            foreach (string warning in segmenter.Warnings)
            {
                console.Warn(warning);
            }

            using var bar = console.Progress("tiny segment", segmenter.FrameCountHint);
            var s = segmenter.Run(bar, ct);
            return (s, string.Create(CultureInfo.InvariantCulture, $"{s.Frames} frames, model input {options.Sample.Width / DemoOptions.SegmentDownscale}x{options.Sample.Height / DemoOptions.SegmentDownscale}, {s.FramesPerSecond:0.0} fps"));
        });
        Stage("tiny fuse", () =>
        {
            // Only the test frames are written (the run reads the warm-up frames before them).
            DeleteFolder(fusedDir);
            using var bar = new Commands.DeferredProgress(console, "tiny fuse");
            var s = Fuser.Run(inputs with { Predictions = labels }, parameters, new FuseOutput { Directory = fusedDir, Range = new FrameRange(test[0], test[^1] + 1) }, bar, bar.Start, ct);
            return (s, $"{s.Written} test frames ({s.FramesProcessed} read)");
        });
        var (own, fused) = ScoreBoth("tiny score", gt, labels, fusedDir, test, $"{test.Length} test frames", ct);
        return new TinyResult(own, fused, report.TrainFrames, segment.FramesPerSecond);
    }

    /// <summary>Whether <paramref name="dir"/> holds a complete sample made with <paramref name="o"/>'s options.</summary>
    internal static bool IsCompleteSample(string dir, SyntheticOptions o)
    {
        if (!SampleWriter.IsSample(dir))
        {
            return false;
        }

        // README.txt names the options (SampleWriter writes it last, then moves the folder into place).
        string readme = File.ReadAllText(Path.Combine(dir, "README.txt"));
        string made = string.Create(CultureInfo.InvariantCulture, $"--frames {o.Frames} --size {o.Size} --seed {o.Seed}`");
        string timing = string.Create(CultureInfo.InvariantCulture, $"(fps {o.Fps}, start {o.StartSeconds} s");
        if (!readme.Contains(made, StringComparison.Ordinal) || !readme.Contains(timing, StringComparison.Ordinal))
        {
            return false;
        }

        int n = o.Frames;
        return Count(dir, "gt", "*.png") == n && Count(dir, "pred", "*.png") == n
            && Count(dir, "flow_bw", "*.flo") == n - 1 && Count(dir, "flow_fw", "*.flo") == n - 1
            && new FileInfo(Path.Combine(dir, "video.mp4")) is { Exists: true, Length: > 0 }
            && File.Exists(Path.Combine(dir, "split.csv")) && File.ReadLines(Path.Combine(dir, "split.csv")).Count() == n + 1;

        static int Count(string root, string sub, string pattern) =>
            Directory.Exists(Path.Combine(root, sub)) ? Directory.EnumerateFiles(Path.Combine(root, sub), pattern).Count() : -1;
    }

    private T Stage<T>(string name, Func<(T Value, string Note)> work)
    {
        var clock = Stopwatch.StartNew();
        var (value, note) = work();
        _stages.Add(new DemoStage(name, clock.Elapsed.TotalSeconds, note));
        return value;
    }

    /// <summary>A stage scoring per-frame and fused labels on the test frames, one progress bar for both.</summary>
    private (SplitScore PerFrame, SplitScore Fused) ScoreBoth(string name, string gt, string perFrameDir, string fusedDir, int[] test, string note, CancellationToken ct) =>
        Stage(name, () =>
        {
            using var bar = console.Progress(name, 2L * test.Length);
            var offset = new OffsetProgress(bar);
            var a = SplitScorer.Score(gt, perFrameDir, test, _set, offset, ct);
            offset.Base = test.Length;
            var b = SplitScorer.Score(gt, fusedDir, test, _set, offset, ct);
            return ((a, b), note);
        });

    private static void DeleteFolder(string dir)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double LoadAverage()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }

    /// <summary>Forwards frame counts to a bar synchronously.</summary>
    private sealed class IntProgress(ProgressBar bar) : IProgress<int>
    {
        public void Report(int value) => bar.Report(value);
    }

    /// <summary>Two runs on one bar: the second's counts follow the first's.</summary>
    private sealed class OffsetProgress(ProgressBar bar) : IProgress<long>
    {
        public long Base { get; set; }

        public void Report(long value) => bar.Report(Base + value);
    }
}
