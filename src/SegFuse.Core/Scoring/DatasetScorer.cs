using OpenCvSharp;
using SegFuse.IO;
using SegFuse.Labels;

namespace SegFuse.Scoring;

/// <summary>
/// Scores a list of frame pairs into one <see cref="JaccardAccumulator"/>: PNGs are decoded in parallel
/// (one accumulator per worker, merged at the end, so the result does not depend on the order of work).
/// </summary>
public static class DatasetScorer
{
    /// <summary>Scores <paramref name="pairs"/> against <paramref name="set"/>.</summary>
    /// <param name="pairs">The frames; a pair with an instance file adds instance statistics.</param>
    /// <param name="set">The label set of the ground truth (ids).</param>
    /// <param name="predEncoding">How predictions are stored.</param>
    /// <param name="progress">Receives the number of frames done.</param>
    /// <param name="cancellationToken">Stops between frames.</param>
    /// <param name="workers">Parallel workers; default: one per core.</param>
    /// <param name="instanceStats">Whether the result carries instance statistics even when <paramref name="pairs"/> is empty (an empty shard of a run with instances).</param>
    /// <exception cref="SegFuseInputException">A file is unreadable, of the wrong kind or size, or holds an id outside the set. Of several bad files, the first in pair order among those read is reported.</exception>
    public static JaccardAccumulator Score(
        IReadOnlyList<FramePair> pairs,
        LabelSet set,
        LabelEncoding predEncoding,
        IProgress<long>? progress = null,
        CancellationToken cancellationToken = default,
        int? workers = null,
        bool instanceStats = false)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(set);
        var total = new JaccardAccumulator(set);
        if (instanceStats || pairs.Any(p => p.Instances is not null))
        {
            total.EnableInstanceStats();
        }

        long done = 0;
        var errors = new List<(int Index, Exception Error)>();
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = workers ?? Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        Parallel.For(
            0,
            pairs.Count,
            options,
            () => new JaccardAccumulator(set),
            (i, state, acc) =>
            {
                try
                {
                    AddPair(acc, pairs[i], predEncoding);
                }
                catch (Exception e) when (e is SegFuseInputException or OpenCVException)
                {
                    lock (errors)
                    {
                        errors.Add((i, e));
                    }

                    state.Stop();
                    return acc;
                }

                progress?.Report(Interlocked.Increment(ref done));
                return acc;
            },
            acc =>
            {
                lock (total)
                {
                    total.Merge(acc);
                }
            });

        if (errors.Count > 0)
        {
            var (index, error) = errors.MinBy(e => e.Index);
            throw error as SegFuseInputException ?? new SegFuseInputException(pairs[index].Prediction, $"cannot be read: {error.Message}", error);
        }

        return total;
    }

    /// <summary>Decodes one pair and adds it to <paramref name="acc"/>.</summary>
    public static void AddPair(JaccardAccumulator acc, FramePair pair, LabelEncoding predEncoding)
    {
        ArgumentNullException.ThrowIfNull(acc);
        ArgumentNullException.ThrowIfNull(pair);
        using var gt = Plane.Read(pair.GroundTruth, "ground truth");
        if (predEncoding == LabelEncoding.Color)
        {
            var predMap = LabelPng.Read(pair.Prediction, acc.Set, LabelEncoding.Color);
            JaccardAccumulator.CheckSize(gt.Width, gt.Height, predMap.Width, predMap.Height, pair.GroundTruth, pair.Prediction);
            AddFrame(acc, gt, predMap.Span, acc.PredictionLookup(trainIds: false), pair);
            if (pair.Instances is not null)
            {
                AddInstances(acc, pair.Instances, gt, predMap.Span, acc.PredictionToId(trainIds: false));
            }

            return;
        }

        using var pred = Plane.Read(pair.Prediction, "prediction");
        JaccardAccumulator.CheckSize(gt.Width, gt.Height, pred.Width, pred.Height, pair.GroundTruth, pair.Prediction);
        bool trainIds = predEncoding == LabelEncoding.TrainIds;
        int[] lookup = acc.PredictionLookup(trainIds);
        if (!pred.Wide)
        {
            AddFrame(acc, gt, pred.Bytes, lookup, pair);
            if (pair.Instances is not null)
            {
                AddInstances(acc, pair.Instances, gt, pred.Bytes, acc.PredictionToId(trainIds));
            }
        }
        else
        {
            AddFrame(acc, gt, pred.Words, lookup, pair);
            if (pair.Instances is not null)
            {
                AddInstances(acc, pair.Instances, gt, pred.Words, acc.PredictionToId(trainIds));
            }
        }
    }

    private static void AddFrame<TP>(JaccardAccumulator acc, Plane gt, ReadOnlySpan<TP> pred, int[] lookup, FramePair pair)
        where TP : unmanaged, System.Numerics.IBinaryInteger<TP>
    {
        if (!gt.Wide)
        {
            acc.Add(gt.Bytes, pred, gt.Width, lookup, pair.GroundTruth, pair.Prediction);
        }
        else
        {
            acc.Add(gt.Words, pred, gt.Width, lookup, pair.GroundTruth, pair.Prediction);
        }
    }

    private static void AddInstances<TP>(JaccardAccumulator acc, string path, Plane gt, ReadOnlySpan<TP> pred, int[] predToId)
        where TP : unmanaged, System.Numerics.IBinaryInteger<TP>
    {
        using var inst = Plane.Read(path, "instance map");
        if (inst.Width != gt.Width || inst.Height != gt.Height)
        {
            throw new SegFuseInputException(path, $"size {inst.Width}x{inst.Height} differs from its ground truth ({gt.Width}x{gt.Height})");
        }

        if (!inst.Wide)
        {
            acc.AddInstances(inst.Bytes, pred, predToId, path);
        }
        else
        {
            acc.AddInstances(inst.Words, pred, predToId, path);
        }
    }

    /// <summary>
    /// A decoded single-channel PNG: through <see cref="PngGrayDecoder"/> when it is a plain greyscale or
    /// palette PNG (the fast path), else through OpenCV.
    /// </summary>
    private sealed class Plane : IDisposable
    {
        private readonly GrayImage? _gray;
        private readonly Mat? _mat;

        private Plane(GrayImage gray)
        {
            _gray = gray;
            Width = gray.Width;
            Height = gray.Height;
            Wide = gray.BytesPerSample == 2;
        }

        private Plane(Mat mat)
        {
            _mat = mat;
            Width = mat.Width;
            Height = mat.Height;
            Wide = mat.Depth() == MatType.CV_16U;
        }

        public int Width { get; }

        public int Height { get; }

        /// <summary>16-bit samples (else 8-bit).</summary>
        public bool Wide { get; }

        public ReadOnlySpan<byte> Bytes => _gray is not null ? _gray.Bytes : _mat!.AsSpan<byte>();

        public ReadOnlySpan<ushort> Words => _gray is not null ? _gray.Words : _mat!.AsSpan<ushort>();

        public static Plane Read(string path, string what)
        {
            if (PngGrayDecoder.TryDecode(path) is { } gray)
            {
                return new Plane(gray);
            }

            var mat = LabelPng.ReadRaw(path);
            try
            {
                RequireSingleChannel(mat, path, what);
                return new Plane(mat);
            }
            catch
            {
                mat.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            _gray?.Dispose();
            _mat?.Dispose();
        }
    }

    private static void RequireSingleChannel(Mat mat, string path, string what)
    {
        if (mat.Channels() != 1)
        {
            throw new SegFuseInputException(path, $"{what} has {mat.Channels()} channels where a single-channel map of ids is expected" + (what == "prediction" ? " (colour PNGs: --pred-encoding color)" : string.Empty));
        }

        var depth = mat.Depth();
        if (depth != MatType.CV_8U && depth != MatType.CV_16U)
        {
            throw new SegFuseInputException(path, $"{what} must be an 8- or 16-bit PNG");
        }
    }
}
