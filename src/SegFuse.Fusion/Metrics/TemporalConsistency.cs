using OpenCvSharp;
using SegFuse.Fusion.Engine;
using SegFuse.Fusion.Evidence;
using SegFuse.Fusion.IO;
using SegFuse.Fusion.Warping;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Decoding;
using SegFuse.Scoring;
using SegFuse.Timeline.Flow;

namespace SegFuse.Fusion.Metrics;

/// <summary>What <see cref="TemporalConsistency.Measure"/> reads.</summary>
public sealed record TcInputs
{
    /// <summary>Folder of per-frame label PNGs.</summary>
    public required string Predictions { get; init; }

    /// <summary>How the labels are stored.</summary>
    public LabelEncoding PredictionEncoding { get; init; } = LabelEncoding.Ids;

    /// <summary>The label set.</summary>
    public required LabelSet Labels { get; init; }

    /// <summary>Folder of flow files.</summary>
    public required string Flow { get; init; }

    /// <summary>Which way <see cref="Flow"/> points: backward pairs each frame with the previous one, forward with the next.</summary>
    public FlowDirection FlowDirection { get; init; } = FlowDirection.Backward;

    /// <summary>Optional flow of the other direction: the mask then also requires forward-backward consistency.</summary>
    public string? FlowOther { get; init; }

    /// <summary>What to do with flow of another size than the labels.</summary>
    public FlowScale FlowScale { get; init; } = FlowScale.None;

    /// <summary>Optional video: the mask then also requires the photometric check.</summary>
    public string? Video { get; init; }

    /// <summary>
    /// Optional: only pairs whose target frame (the frame the neighbour is warped into) is in this set are measured,
    /// e.g. the test split's frames; null measures every pair.
    /// </summary>
    public IReadOnlySet<int>? TargetFrames { get; init; }
}

/// <summary>Temporal consistency of a labelled video.</summary>
/// <param name="Unmasked">Every pixel (a warp that leaves the frame reads the nearest border pixel), as ETC's eval_tc computes it.</param>
/// <param name="Masked">Only pixels whose flow is reliable (inside the frame, plus consistency and photometric checks when the other flow or the video is given); null for a label set without an ignored id.</param>
/// <param name="Pairs">Frame pairs compared.</param>
/// <param name="ReliableFraction">Fraction of pixels in the masked variant.</param>
public sealed record TcResult(ScoreReport Unmasked, ScoreReport? Masked, int Pairs, double ReliableFraction)
{
    /// <summary>Unmasked TC: the mean over classes of the dataset-wide IoU between each frame's labels and its neighbour's labels warped into it.</summary>
    public double Tc => Unmasked.AverageClassIou;

    /// <summary>Masked TC (NaN when not available).</summary>
    public double MaskedTc => Masked?.AverageClassIou ?? double.NaN;
}

/// <summary>
/// Temporal consistency (TC): the dataset-wide IoU between each frame's labels and its neighbour's labels warped into
/// it along the flow (nearest pixel; class ids are never interpolated), summed over all pairs and averaged over
/// classes with the label set's scoring rules. The unmasked variant compares every pixel, as ETC (Liu et al., ECCV
/// 2020) does; the masked one only pixels whose flow is reliable, so occlusions and flow errors do not count as
/// flicker.
/// </summary>
public static class TemporalConsistency
{
    /// <summary>Photometric tolerance of the mask, in grey levels (differences up to twice this pass at half weight).</summary>
    public const float MaskTolerance = 8;

    /// <summary>Measures TC of the labels in <paramref name="inputs"/>.</summary>
    /// <exception cref="SegFuseInputException">Missing or inconsistent inputs.</exception>
    public static TcResult Measure(TcInputs inputs, IProgress<long>? progress = null, Action<long>? onTotal = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var set = inputs.Labels;
        var labels = FrameFiles.List(inputs.Predictions, ".png");
        if (labels.Count < 2)
        {
            throw new SegFuseInputException(inputs.Predictions, "TC needs at least two label PNGs");
        }

        int n = labels.Count;
        if (labels.Keys.Last() != n - 1)
        {
            int missing = Enumerable.Range(0, n).First(i => !labels.ContainsKey(i));
            throw new SegFuseInputException(inputs.Predictions, $"no labels for frame {missing}; frames 0..N−1 must all be there");
        }

        var (width, height) = PngHeader.ReadSize(labels[0]);
        var flow = FlowFolder.Open(inputs.Flow, inputs.FlowDirection);
        flow.EnsureComplete(n);
        var otherDirection = inputs.FlowDirection == FlowDirection.Backward ? FlowDirection.Forward : FlowDirection.Backward;
        var other = inputs.FlowOther is { } o ? FlowFolder.Open(o, otherDirection) : null;
        other?.EnsureComplete(n);
        using var video = inputs.Video is { } v ? VideoFrameSource.Open(v) : null;
        if (video is not null && (video.Info.Width != width || video.Info.Height != height))
        {
            throw new SegFuseInputException(inputs.Video!, $"frames are {video.Info.Width}x{video.Info.Height} but the labels {width}x{height}");
        }

        var unmasked = new JaccardAccumulator(set);
        int? ignored = set.Classes.FirstOrDefault(c => c.IgnoreInEval)?.Id;
        var masked = ignored is null ? null : new JaccardAccumulator(set);
        var (firstFrame, lastFrame) = inputs.FlowDirection.FramesWithFlow(n);
        var targets = inputs.TargetFrames;
        if (targets is not null)
        {
            var chosen = targets.Where(t => t >= firstFrame && t <= lastFrame).ToArray();
            if (chosen.Length == 0)
            {
                throw new SegFuseInputException(inputs.Predictions, $"none of the chosen frames has a {inputs.FlowDirection.Name()} neighbour among frames 0..{n - 1}");
            }

            (firstFrame, lastFrame) = (chosen.Min(), chosen.Max());
        }

        int pairTotal = targets is null ? lastFrame - firstFrame + 1 : Enumerable.Range(firstFrame, lastFrame - firstFrame + 1).Count(targets.Contains);
        onTotal?.Invoke(pairTotal);
        var meter = new Measurer(width, height, ignored);
        var greys = new Dictionary<int, byte[]>();
        using var grey = new Mat();
        int decoded = 0;
        byte[]? GreyOf(int index)
        {
            if (video is null)
            {
                return null;
            }

            while (decoded <= index)
            {
                if (!video.TryRead(out var frame))
                {
                    throw new SegFuseInputException(inputs.Video!, $"ends after {decoded} frames but there are labels for {n}");
                }

                if (decoded < firstFrame - 1)
                {
                    // Before the first pair (a subset of frames was chosen): decoded only to reach it.
                    decoded++;
                    continue;
                }

                Cv2.CvtColor(frame.Image, grey, ColorConversionCodes.BGR2GRAY);
                var g = new byte[width * height];
                using (var wrap = Mat.FromPixelData(height, width, MatType.CV_8UC1, g))
                {
                    grey.CopyTo(wrap);
                }

                greys[decoded++] = g;
            }

            return greys[index];
        }

        LabelMap? previous = null;
        int previousIndex = -1;
        long reliable = 0, total = 0;
        int pairs = 0;
        for (int t = firstFrame; t <= lastFrame; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (targets is not null && !targets.Contains(t))
            {
                continue;
            }

            int s = inputs.FlowDirection.TargetOf(t);
            var target = Read(labels[t], set, inputs.PredictionEncoding, width, height);
            var source = previousIndex == s && previous is not null ? previous : Read(labels[s], set, inputs.PredictionEncoding, width, height);
            var field = flow.Read(t, width, height, inputs.FlowScale)!;
            var back = other?.Read(s, width, height, inputs.FlowScale);
            byte[]? tg = GreyOf(Math.Max(t, s)) is null ? null : greys[t];
            byte[]? sg = tg is null ? null : greys[s];
            var (r, all) = meter.Add(target, source, field, back, tg, sg, unmasked, masked, labels[t], labels[s]);
            reliable += r;
            total += all;
            foreach (int k in greys.Keys.Where(k => k < Math.Min(t, s)).ToList())
            {
                greys.Remove(k);
            }

            // Backward pairs walk forwards: this frame's labels are the next pair's source.
            previous = target;
            previousIndex = t;
            pairs++;
            progress?.Report(pairs);
        }

        return new TcResult(ScoreReport.From(unmasked), masked is null ? null : ScoreReport.From(masked), pairs, total > 0 ? (double)reliable / total : 0);
    }

    private static LabelMap Read(string path, LabelSet set, LabelEncoding encoding, int width, int height)
    {
        var map = LabelPng.Read(path, set, encoding);
        if (map.Width != width || map.Height != height)
        {
            throw new SegFuseInputException(path, $"labels are {map.Width}x{map.Height}, the first frame's {width}x{height}");
        }

        return map;
    }

    /// <summary>Adds frame pairs to TC accumulators (also used in memory by tests and the tuner).</summary>
    internal sealed class Measurer(int width, int height, int? ignoredId)
    {
        private readonly uint[] _records = new uint[width * height];
        private readonly int[] _inFrame = new int[height];
        private readonly int[] _failed = new int[height];
        private readonly LabelMap _warped = new(width, height);
        private readonly LabelMap _maskedTarget = new(width, height);
        private readonly LabelMap _maskedSource = new(width, height);

        /// <summary>
        /// Compares <paramref name="target"/> with <paramref name="source"/> warped into it along <paramref name="flow"/>
        /// (target → source). Returns the reliable and total pixel counts.
        /// </summary>
        public (long Reliable, long Total) Add(
            LabelMap target,
            LabelMap source,
            FlowField flow,
            FlowField? back,
            byte[]? targetGrey,
            byte[]? sourceGrey,
            JaccardAccumulator unmasked,
            JaccardAccumulator? masked,
            string targetName,
            string sourceName)
        {
            if (flow.Width != width || flow.Height != height)
            {
                throw new SegFuseInputException(targetName, $"flow is {flow.Width}x{flow.Height}, the labels {width}x{height}");
            }

            var settings = new WarpSettings(MaskTolerance, 0, 1, Warp.MaxWeight);
            var op = new WarpRecordOp(flow, back, targetGrey, sourceGrey, _records, _inFrame, _failed, settings);
            ParallelRows.For(height, in op, Environment.ProcessorCount);
            var f = flow.Span;
            var t = target.Span;
            var s = source.Span;
            var warped = _warped.Span;
            var mt = _maskedTarget.Span;
            var ms = _maskedSource.Span;
            ushort ignore = (ushort)(ignoredId ?? 0);
            long reliable = 0;
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int i = (y * width) + x;
                    int sx = Math.Clamp((int)MathF.Round(x + f[2 * i]), 0, width - 1);
                    int sy = Math.Clamp((int)MathF.Round(y + f[(2 * i) + 1]), 0, height - 1);
                    if (!float.IsFinite(f[2 * i]) || !float.IsFinite(f[(2 * i) + 1]))
                    {
                        sx = x;
                        sy = y;
                    }

                    ushort value = s[(sy * width) + sx];
                    warped[i] = value;
                    bool ok = Warp.Weight(_records[i]) >= (Warp.MaxWeight + 1) / 2;
                    if (ok)
                    {
                        reliable++;
                    }

                    mt[i] = ok ? t[i] : ignore;
                    ms[i] = ok ? value : ignore;
                }
            }

            unmasked.Add(target, _warped, targetName, sourceName);
            masked?.Add(_maskedTarget, _maskedSource, targetName, sourceName);
            return (reliable, (long)width * height);
        }
    }
}
