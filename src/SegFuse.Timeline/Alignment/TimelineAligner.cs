using System.Globalization;
using SegFuse.IO;
using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Telemetry;

namespace SegFuse.Timeline.Alignment;

/// <summary>What to align a video's frames with. Every part is optional.</summary>
public sealed record AlignOptions
{
    /// <summary>Telemetry to interpolate at each frame's timestamp.</summary>
    public TelemetryTable? Telemetry { get; init; }

    /// <summary>A folder of per-frame flow fields (its direction is <see cref="FlowFolder.Direction"/>).</summary>
    public FlowFolder? Flow { get; init; }

    /// <summary>What to do with a flow field of another size than the frames (<c>--flow-scale</c>).</summary>
    public FlowScale FlowScale { get; init; } = FlowScale.None;

    /// <summary>Go on when a frame that should have flow has none (<c>--allow-missing</c>); otherwise that is an error naming the first such frame.</summary>
    public bool AllowMissingFlow { get; init; }

    /// <summary>A folder of per-frame predictions (label map PNGs named by frame index).</summary>
    public string? PredictionDir { get; init; }

    /// <summary>A folder of per-frame ground truth (label map PNGs named by frame index; Cityscapes <c>*_labelIds.png</c> are preferred when present).</summary>
    public string? GroundTruthDir { get; init; }
}

/// <summary>
/// Aligns a stream of decoded frames with telemetry, flow, predictions and ground truth, one frame at a time. Memory
/// does not grow with the video: the folders' file names are listed once and each frame is produced when the next
/// decoded frame is known (a forward field needs to know whether a next frame exists), so at most two frames are held.
/// </summary>
/// <remarks>
/// Checks done while streaming: a frame that should have flow (frames 1..N−1 backward, 0..N−2 forward) and has none
/// is a <see cref="SegFuseInputException"/> naming the first such index, unless <see cref="AlignOptions.AllowMissingFlow"/>;
/// a flow file whose size (read from its header) differs from the frame size is an error unless
/// <see cref="AlignOptions.FlowScale"/> allows it. Missing predictions and ground truth are counted, not errors.
/// </remarks>
public sealed class TimelineAligner
{
    private readonly AlignOptions _options;
    private readonly SortedDictionary<int, string>? _predictions;
    private readonly SortedDictionary<int, string>? _groundTruth;

    /// <summary>Lists the folders named in <paramref name="options"/>.</summary>
    /// <exception cref="SegFuseInputException">A folder does not exist or holds two files for one frame.</exception>
    public TimelineAligner(AlignOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _predictions = options.PredictionDir is { } p ? FrameFiles.List(p, ".png") : null;
        _groundTruth = options.GroundTruthDir is { } g ? ListGroundTruth(g) : null;
        Summary = new AlignmentSummary(options.Telemetry, options.Flow is not null, _predictions is not null, _groundTruth is not null);
    }

    /// <summary>Counts of what was aligned so far; complete once <see cref="Align"/> has been enumerated to the end.</summary>
    public AlignmentSummary Summary { get; }

    /// <summary>The telemetry columns each <see cref="AlignedFrame.Telemetry"/> holds, in order.</summary>
    public IReadOnlyList<string> TelemetryColumns => _options.Telemetry?.Columns ?? [];

    /// <summary>
    /// Aligns <paramref name="frames"/> (in decode order, indices 0, 1, 2, …) of <paramref name="frameWidth"/> ×
    /// <paramref name="frameHeight"/> pixels, lazily.
    /// </summary>
    /// <exception cref="SegFuseInputException">While enumerating: missing flow (unless allowed), flow of the wrong size.</exception>
    public IEnumerable<AlignedFrame> Align(IEnumerable<FrameTime> frames, int frameWidth, int frameHeight, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameHeight);
        return AlignIterator(frames, frameWidth, frameHeight, cancellationToken);
    }

    private IEnumerable<AlignedFrame> AlignIterator(IEnumerable<FrameTime> frames, int width, int height, CancellationToken cancellationToken)
    {
        using var e = frames.GetEnumerator();
        if (!e.MoveNext())
        {
            yield break;
        }

        var current = e.Current;
        int expected = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (current.Index != expected)
            {
                throw new ArgumentException($"frames must come in decode order 0, 1, 2, …; got {current.Index} where {expected} was due", nameof(frames));
            }

            bool hasNext = e.MoveNext();
            yield return Make(current, hasNext, width, height);
            expected++;
            if (!hasNext)
            {
                break;
            }

            current = e.Current;
        }

        Summary.Finish(expected, _options.Flow, _predictions, _groundTruth);
    }

    private AlignedFrame Make(FrameTime time, bool hasNext, int width, int height)
    {
        var telemetry = _options.Telemetry;
        double[] values = telemetry is null ? [] : new double[telemetry.Columns.Count];
        var flags = telemetry?.Sample(time.Timestamp, values) ?? default;

        string? flow = null;
        if (_options.Flow is { } folder)
        {
            flow = folder.PathOf(time.Index);
            bool needsFlow = folder.Direction == FlowDirection.Backward ? time.Index > 0 : hasNext;
            if (flow is null && needsFlow)
            {
                if (!_options.AllowMissingFlow)
                {
                    throw folder.MissingError(time.Index);
                }
            }
            else if (flow is not null)
            {
                var (fw, fh) = FlowFile.ReadSize(flow);
                _options.FlowScale.CheckSize(flow, fw, fh, width, height);
            }

            Summary.CountFlow(time.Index, flow is not null, needsFlow);
        }

        string? pred = _predictions is not null && _predictions.TryGetValue(time.Index, out var p) ? p : null;
        string? gt = _groundTruth is not null && _groundTruth.TryGetValue(time.Index, out var g) ? g : null;
        Summary.Count(time, flags, pred, gt);
        return new AlignedFrame(time, values, flags, flow, pred, gt, _options.Flow, _options.FlowScale, width, height);
    }

    private static SortedDictionary<int, string> ListGroundTruth(string dir)
    {
        // Cityscapes keeps labelIds, instanceIds and colour PNGs of one frame side by side; the label ids are the GT.
        var labelIds = FrameFiles.List(dir, "_labelIds.png");
        return labelIds.Count > 0 ? labelIds : FrameFiles.List(dir, ".png");
    }
}

/// <summary>What an alignment found: frames, telemetry coverage, missing and unmatched per-frame files.</summary>
public sealed class AlignmentSummary
{
    private const int ListedMissing = 10;
    private readonly TelemetryTable? _telemetry;
    private readonly bool _hasFlow;
    private readonly bool _hasPredictions;
    private readonly bool _hasGroundTruth;
    private readonly List<int> _missingFlow = [];
    private readonly List<int> _missingPredictions = [];
    private readonly List<int> _missingGroundTruth = [];

    internal AlignmentSummary(TelemetryTable? telemetry, bool hasFlow, bool hasPredictions, bool hasGroundTruth)
    {
        _telemetry = telemetry;
        _hasFlow = hasFlow;
        _hasPredictions = hasPredictions;
        _hasGroundTruth = hasGroundTruth;
    }

    /// <summary>Frames aligned.</summary>
    public int Frames { get; private set; }

    /// <summary>The first frame's timestamp (NaN before any frame).</summary>
    public double FirstTimestamp { get; private set; } = double.NaN;

    /// <summary>The last frame's timestamp (NaN before any frame).</summary>
    public double LastTimestamp { get; private set; } = double.NaN;

    /// <summary>Frames whose timestamp lies within the telemetry's range (not clamped).</summary>
    public int TelemetryCovered { get; private set; }

    /// <summary>Frames whose telemetry values were clamped.</summary>
    public int Extrapolated { get; private set; }

    /// <summary>Frames inside a telemetry gap longer than <c>--max-gap</c>.</summary>
    public int InGap { get; private set; }

    /// <summary>Frames that have a flow file.</summary>
    public int WithFlow { get; private set; }

    /// <summary>Frames that should have flow and have none (only with <c>--allow-missing</c>; otherwise the first is an error).</summary>
    public int MissingFlow { get; private set; }

    /// <summary>Frames that have a prediction.</summary>
    public int WithPrediction { get; private set; }

    /// <summary>Frames without a prediction (when a prediction folder was given).</summary>
    public int MissingPrediction { get; private set; }

    /// <summary>Frames that have ground truth.</summary>
    public int WithGroundTruth { get; private set; }

    /// <summary>Frames without ground truth (when a GT folder was given).</summary>
    public int MissingGroundTruth { get; private set; }

    /// <summary>Flow, prediction and GT files whose index is not a decoded frame (for example beyond the last frame).</summary>
    public (int Flow, int Predictions, int GroundTruth) Unmatched { get; private set; }

    /// <summary>The first few frames missing flow.</summary>
    public IReadOnlyList<int> FirstMissingFlow => _missingFlow;

    /// <summary>The first few frames missing a prediction.</summary>
    public IReadOnlyList<int> FirstMissingPredictions => _missingPredictions;

    /// <summary>The first few frames missing ground truth.</summary>
    public IReadOnlyList<int> FirstMissingGroundTruth => _missingGroundTruth;

    /// <summary>The summary as lines for a person: frames, telemetry coverage, missing flow/pred/gt.</summary>
    public IEnumerable<string> Lines()
    {
        var c = CultureInfo.InvariantCulture;
        yield return Frames == 0
            ? "frames: 0"
            : string.Create(c, $"frames: {Frames} ({FirstTimestamp:0.###} s to {LastTimestamp:0.###} s)");
        if (_telemetry is { } t)
        {
            yield return string.Create(c,
                $"telemetry: {t.Count} rows, {t.Columns.Count} columns ({string.Join(", ", t.Columns)}), {t.Start:0.###} s to {t.End:0.###} s; covers {TelemetryCovered}/{Frames} frames ({Percent(TelemetryCovered)}), {Extrapolated} extrapolated, {InGap} in gaps");
        }

        if (_hasFlow)
        {
            yield return $"flow: {WithFlow}/{Frames} frames, {MissingFlow} missing{List(_missingFlow, MissingFlow)}{Extra(Unmatched.Flow)}";
        }

        if (_hasPredictions)
        {
            yield return $"pred: {WithPrediction}/{Frames} frames, {MissingPrediction} missing{List(_missingPredictions, MissingPrediction)}{Extra(Unmatched.Predictions)}";
        }

        if (_hasGroundTruth)
        {
            yield return $"gt: {WithGroundTruth}/{Frames} frames, {MissingGroundTruth} missing{List(_missingGroundTruth, MissingGroundTruth)}{Extra(Unmatched.GroundTruth)}";
        }
    }

    internal void CountFlow(int index, bool has, bool needed)
    {
        if (has)
        {
            WithFlow++;
        }
        else if (needed)
        {
            MissingFlow++;
            Add(_missingFlow, index);
        }
    }

    internal void Count(FrameTime time, TelemetryFlags flags, string? prediction, string? groundTruth)
    {
        if (Frames == 0)
        {
            FirstTimestamp = time.Timestamp;
        }

        Frames++;
        LastTimestamp = time.Timestamp;
        if (_telemetry is not null)
        {
            if (flags.Extrapolated)
            {
                Extrapolated++;
            }
            else
            {
                TelemetryCovered++;
            }

            if (flags.Gap)
            {
                InGap++;
            }
        }

        if (_hasPredictions)
        {
            if (prediction is null)
            {
                MissingPrediction++;
                Add(_missingPredictions, time.Index);
            }
            else
            {
                WithPrediction++;
            }
        }

        if (_hasGroundTruth)
        {
            if (groundTruth is null)
            {
                MissingGroundTruth++;
                Add(_missingGroundTruth, time.Index);
            }
            else
            {
                WithGroundTruth++;
            }
        }
    }

    internal void Finish(int frameCount, FlowFolder? flow, SortedDictionary<int, string>? predictions, SortedDictionary<int, string>? groundTruth)
    {
        static int Outside(IEnumerable<int>? keys, int n) => keys?.Count(k => k < 0 || k >= n) ?? 0;
        Unmatched = (Outside(flow?.Frames, frameCount), Outside(predictions?.Keys, frameCount), Outside(groundTruth?.Keys, frameCount));
    }

    private static void Add(List<int> list, int index)
    {
        if (list.Count < ListedMissing)
        {
            list.Add(index);
        }
    }

    private static string List(List<int> first, int total) =>
        total == 0 ? string.Empty : $" (frames {string.Join(", ", first)}{(total > first.Count ? ", …" : string.Empty)})";

    private static string Extra(int n) => n == 0 ? string.Empty : $"; {n} files match no decoded frame";

    private string Percent(int n) => Frames == 0 ? "0%" : (100.0 * n / Frames).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
