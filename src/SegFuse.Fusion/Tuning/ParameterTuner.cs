using System.Globalization;
using SegFuse.Fusion.Engine;
using SegFuse.Fusion.IO;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Scoring;

namespace SegFuse.Fusion.Tuning;

/// <summary>What <see cref="ParameterTuner.Tune"/> scores against.</summary>
public sealed record TuneOptions
{
    /// <summary>Folder of ground-truth label PNGs (ids of the label set), named by frame index.</summary>
    public required string GroundTruth { get; init; }

    /// <summary>How the ground truth is stored.</summary>
    public LabelEncoding GroundTruthEncoding { get; init; } = LabelEncoding.Ids;

    /// <summary>Optional split file (<c>frame,split</c> rows, as <c>segfuse sample</c> writes <c>split.csv</c>); null: every frame with ground truth.</summary>
    public string? SplitFile { get; init; }

    /// <summary>Which split to tune on.</summary>
    public string SplitName { get; init; } = "val";

    /// <summary>Rounds of coordinate search (each tries every value of every parameter once).</summary>
    public int Rounds { get; init; } = 2;

    /// <summary>Threads for the per-row kernels.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Restricts the search to these parameters and values (names as in <see cref="ParameterTuner.ParameterNames"/>);
    /// null searches the whole grid. A smaller grid is how a time-boxed run (the demo) tunes in a fixed budget.
    /// </summary>
    public IReadOnlyDictionary<string, double[]>? Search { get; init; }

    /// <summary>
    /// At most this many frames of warm-up before the split's first frame (null: the parameters' own
    /// <see cref="FusionParameters.WarmUp"/>, up to 400 frames at high decay). Every evaluation then reads the same
    /// frames, whatever its decay, so the search costs the same per trial; the scores are of a run that starts this
    /// many frames before the split.
    /// </summary>
    public int? MaxWarmUp { get; init; }
}

/// <summary>One evaluated parameter set.</summary>
/// <param name="Parameters">The parameters.</param>
/// <param name="Miou">Dataset-wide mIoU on the tuning frames.</param>
public sealed record TuneTrial(FusionParameters Parameters, double Miou);

/// <summary>The outcome of a search.</summary>
/// <param name="Best">The best parameters found.</param>
/// <param name="PerFrame">The per-frame predictions scored on the tuning frames.</param>
/// <param name="Default">The method with default parameters.</param>
/// <param name="Tuned">The method with <paramref name="Best"/>.</param>
/// <param name="Trials">Every evaluation, in order.</param>
/// <param name="Frames">The frames scored.</param>
/// <param name="Seconds">Wall-clock seconds.</param>
public sealed record TuneResult(FusionParameters Best, ScoreReport PerFrame, ScoreReport Default, ScoreReport Tuned, IReadOnlyList<TuneTrial> Trials, IReadOnlyList<int> Frames, double Seconds);

/// <summary>
/// Searches fusion parameters to maximise the dataset-wide mIoU (the scorer's <see cref="JaccardAccumulator"/>) on a
/// validation split: coordinate search over a small grid per parameter, starting from the given parameters, a few
/// rounds. Each evaluation fuses the split's frames plus the context the method needs, streaming from the files.
/// </summary>
public static class ParameterTuner
{
    /// <summary>The values tried for each parameter.</summary>
    internal static IReadOnlyList<(string Name, double[] Values, Func<FusionParameters, double, FusionParameters> Set, Func<FusionParameters, double> Get)> Grid(bool telemetry)
    {
        var grid = new List<(string, double[], Func<FusionParameters, double, FusionParameters>, Func<FusionParameters, double>)>
        {
            ("decay", [0.85, 0.9, 0.93, 0.95, 0.97], (p, v) => p with { Decay = v }, p => p.Decay),
            ("photoTolerance", [6, 9, 12, 16, 24], (p, v) => p with { PhotoTolerance = v }, p => p.PhotoTolerance),
            ("motionBoundaryWeight", [0, 0.25, 0.5, 1], (p, v) => p with { MotionBoundaryWeight = v }, p => p.MotionBoundaryWeight),
            ("disocclusionFill", [0, 0.25, 0.5, 0.75], (p, v) => p with { DisocclusionFill = v }, p => p.DisocclusionFill),
            ("hysteresis", [0, 0.1, 0.2, 0.3], (p, v) => p with { Hysteresis = v }, p => p.Hysteresis),
            ("boundaryWeight", [0.5, 0.75, 1], (p, v) => p with { BoundaryWeight = v }, p => p.BoundaryWeight),
            ("minFrameWeight", [0.05, 0.15, 0.5, 1], (p, v) => p with { MinFrameWeight = v }, p => p.MinFrameWeight),
        };
        if (telemetry)
        {
            grid.Add(("speedGain", [0, 0.25, 0.5, 1, 2], (p, v) => p with { SpeedGain = v }, p => p.SpeedGain));
            grid.Add(("steeringGain", [0, 0.25, 0.5, 1, 2], (p, v) => p with { SteeringGain = v }, p => p.SteeringGain));
        }

        return grid;
    }

    /// <summary>Tunes <paramref name="start"/> (its method is kept) on the split in <paramref name="options"/>.</summary>
    /// <exception cref="SegFuseInputException">Bad inputs, no ground truth in the split, a bad split file.</exception>
    public static TuneResult Tune(FuseInputs inputs, FusionParameters start, TuneOptions options, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(options);
        start.Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var set = FusionInputSet.Open(inputs);
        var gtFiles = FrameFiles.List(options.GroundTruth, ".png");
        var frames = SelectFrames(options, gtFiles, set.FrameCount);
        var gt = new Dictionary<int, LabelMap>();
        foreach (int t in frames)
        {
            var map = LabelPng.Read(gtFiles[t], inputs.Labels, options.GroundTruthEncoding);
            if (map.Width != set.Width || map.Height != set.Height)
            {
                throw new SegFuseInputException(gtFiles[t], $"ground truth is {map.Width}x{map.Height} but the frames are {set.Width}x{set.Height}");
            }

            gt[t] = map;
        }

        var perFrame = new JaccardAccumulator(inputs.Labels);
        foreach (int t in frames)
        {
            perFrame.Add(gt[t], LabelPng.Read(set.Predictions[t], inputs.Labels, inputs.PredictionEncoding), gtFiles[t], set.Predictions[t]);
        }

        var wanted = new HashSet<int>(frames);
        var trials = new List<TuneTrial>();
        var cache = new Dictionary<string, ScoreReport>();
        ScoreReport Evaluate(FusionParameters p)
        {
            string key = p.ToJson().ToJsonString();
            if (cache.TryGetValue(key, out var known))
            {
                return known;
            }

            var acc = new JaccardAccumulator(inputs.Labels);
            var (first, last) = p.ContextOf(frames[0], frames[^1] + 1, set.FrameCount);
            if (options.MaxWarmUp is int cap)
            {
                first = Math.Max(first, frames[0] - cap);
            }

            var maps = new LabelMapPool(set.Width, set.Height);
            var engine = new FusionEngine(set.Width, set.Height, set.Classes, p, options.Workers, (t, map) =>
            {
                acc.Add(gt[t], map, gtFiles[t], "fused");
                maps.Return(map);
            }, maps);
            foreach (var frame in set.Read(first, last, wanted.Contains, cancellationToken))
            {
                engine.Push(frame);
            }

            engine.Complete();
            var report = ScoreReport.From(acc);
            cache[key] = report;
            trials.Add(new TuneTrial(p, report.AverageClassIou));
            log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"trial {trials.Count}: mIoU {report.AverageClassIou * 100:0.00} ({p})"));
            return report;
        }

        var defaults = new FusionParameters { Method = start.Method, Window = start.Window, Lookahead = start.Lookahead };
        var defaultReport = Evaluate(defaults);
        var best = start;
        var bestReport = Evaluate(start);
        var grid = Restrict(Grid(set.HasTelemetry), options.Search);
        for (int round = 0; round < options.Rounds; round++)
        {
            bool improved = false;
            foreach (var (name, values, setter, getter) in grid)
            {
                foreach (double v in values)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (v == getter(best))
                    {
                        continue;
                    }

                    var candidate = setter(best, v);
                    var report = Evaluate(candidate);
                    if (report.AverageClassIou > bestReport.AverageClassIou + 1e-9)
                    {
                        best = candidate;
                        bestReport = report;
                        improved = true;
                        log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"  better: {name} = {v} → mIoU {report.AverageClassIou * 100:0.00}"));
                    }
                }
            }

            if (!improved)
            {
                break;
            }
        }

        return new TuneResult(best, ScoreReport.From(perFrame), defaultReport, bestReport, trials, frames, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Names of the parameters <see cref="TuneOptions.Search"/> may restrict (telemetry gains only count with telemetry).</summary>
    public static IReadOnlyList<string> ParameterNames => Grid(telemetry: true).Select(g => g.Name).ToArray();

    /// <summary>
    /// Writes <paramref name="result"/>'s best parameters to <paramref name="path"/> (JSON that <c>fuse --params</c>
    /// reads), with the tuning figures under <c>"tuning"</c>.
    /// </summary>
    public static void Save(TuneResult result, TuneOptions options, string path)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        var extra = new System.Text.Json.Nodes.JsonObject
        {
            ["split"] = options.SplitFile is null ? "all" : options.SplitName,
            ["frames"] = result.Frames.Count,
            ["perFrameMiou"] = result.PerFrame.AverageClassIou,
            ["defaultMiou"] = result.Default.AverageClassIou,
            ["tunedMiou"] = result.Tuned.AverageClassIou,
            ["evaluations"] = result.Trials.Count,
            ["seconds"] = Math.Round(result.Seconds, 1),
        };
        result.Best.Save(path, extra);
    }

    private static IReadOnlyList<(string Name, double[] Values, Func<FusionParameters, double, FusionParameters> Set, Func<FusionParameters, double> Get)> Restrict(
        IReadOnlyList<(string Name, double[] Values, Func<FusionParameters, double, FusionParameters> Set, Func<FusionParameters, double> Get)> grid,
        IReadOnlyDictionary<string, double[]>? search)
    {
        if (search is null)
        {
            return grid;
        }

        foreach (var name in search.Keys)
        {
            if (!ParameterNames.Contains(name, StringComparer.Ordinal))
            {
                throw new SegFuseInputException("search", $"'{name}' is not a tunable parameter ({string.Join(", ", ParameterNames)})");
            }
        }

        return grid.Where(g => search.ContainsKey(g.Name)).Select(g => (g.Name, search[g.Name], g.Set, g.Get)).ToArray();
    }

    /// <summary>The frames to score: those of the split (or all) that have ground truth, ascending.</summary>
    internal static int[] SelectFrames(TuneOptions options, SortedDictionary<int, string> gtFiles, int frameCount)
    {
        IEnumerable<int> candidates = gtFiles.Keys.Where(t => t < frameCount);
        if (options.SplitFile is { } splitFile)
        {
            var split = ReadSplit(splitFile);
            var names = split.Values.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            candidates = candidates.Where(t => split.TryGetValue(t, out var s) && string.Equals(s, options.SplitName, StringComparison.OrdinalIgnoreCase));
            var chosen = candidates.ToArray();
            if (chosen.Length == 0)
            {
                throw new SegFuseInputException(splitFile, $"no frame of split '{options.SplitName}' has ground truth (the file names the splits {string.Join(", ", names)})");
            }

            return chosen;
        }

        var all = candidates.ToArray();
        return all.Length > 0 ? all : throw new SegFuseInputException(options.GroundTruth, "no ground truth for any frame of the video");
    }

    /// <summary>Reads a <c>frame,split</c> CSV (a header row is optional), as <c>segfuse sample</c> writes <c>split.csv</c>.</summary>
    /// <exception cref="SegFuseInputException">Missing file, a bad row, a frame listed twice.</exception>
    public static Dictionary<int, string> ReadSplit(string path)
    {
        if (!File.Exists(path))
        {
            throw new SegFuseInputException(path, "no such file");
        }

        var result = new Dictionary<int, string>();
        int lineNo = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var cells = line.Split(',');
            if (cells.Length < 2)
            {
                throw new SegFuseInputException(path, $"line {lineNo}: expected 'frame,split'");
            }

            if (!int.TryParse(cells[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int frame))
            {
                if (lineNo == 1)
                {
                    continue;
                }

                throw new SegFuseInputException(path, $"line {lineNo}: '{cells[0]}' is not a frame index");
            }

            if (!result.TryAdd(frame, cells[1].Trim()))
            {
                throw new SegFuseInputException(path, $"line {lineNo}: frame {frame} is listed twice");
            }
        }

        return result;
    }
}
