using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Threading;
using SegFuse.Scoring;

namespace SegFuse.Media.Palette;

/// <summary>
/// Scores a palette video (a competition submission) against per-frame ground truth: video frame i is decoded with
/// <see cref="PaletteVideoDecoder"/> and compared with the ground-truth PNG of frame index i, in one pass, into a
/// <see cref="JaccardAccumulator"/>.
/// </summary>
/// <remarks>
/// Ground truth is read on a loader task while the video decodes. A video whose frames are the ground truth's size
/// rounded up to even (how <see cref="Encoding.H264VideoWriter"/> pads odd sizes) is cropped; any other size (an upload
/// at 1080p) is scaled to the ground truth by nearest neighbour, with a warning.
/// </remarks>
public static class VideoSubmissionScorer
{
    /// <summary>Decodes <paramref name="video"/> and scores it against the frames of <paramref name="groundTruthDir"/>.</summary>
    /// <param name="video">The submission video.</param>
    /// <param name="groundTruthDir">One label PNG per frame (frame index = last digit run of the name), indices 0..N−1.</param>
    /// <param name="set">The label set of the ground truth and of the video's palette.</param>
    /// <param name="progress">Receives frames scored so far.</param>
    /// <param name="warn">Receives warnings (scaling).</param>
    /// <param name="cancellationToken">Stops between frames.</param>
    /// <param name="scoreFrame">Optional: which frame indices count (e.g. a test split); the others are still decoded and checked. Null counts every frame.</param>
    /// <exception cref="SegFuseInputException">Frame counts differ (the message gives both), ground-truth indices have a gap, or a file is unreadable.</exception>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // a frame loop: see LabelVideoRenderer.Encode
    public static JaccardAccumulator Score(string video, string groundTruthDir, LabelSet set, IProgress<long>? progress = null, Action<string>? warn = null, CancellationToken cancellationToken = default, Func<int, bool>? scoreFrame = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (!Directory.Exists(groundTruthDir))
        {
            throw new SegFuseInputException(groundTruthDir, "no such folder (--gt)");
        }

        var gt = FrameFiles.List(groundTruthDir, ".png");
        if (gt.Count == 0)
        {
            throw new SegFuseInputException(groundTruthDir, "no ground-truth PNGs found");
        }

        int expected = 0;
        foreach (int index in gt.Keys)
        {
            if (index != expected)
            {
                throw new SegFuseInputException(groundTruthDir, $"frame indices must run 0..{gt.Count - 1} to pair with the video's frames; index {expected} is missing");
            }

            expected++;
        }

        using var decoder = PaletteVideoDecoder.Open(video, set);
        if (decoder.ClaimedFrameCount is long claimed && claimed != gt.Count)
        {
            throw Mismatch(video, claimed, groundTruthDir, gt.Count);
        }

        var files = gt.Values.ToArray();
        var acc = new JaccardAccumulator(set);
        var queue = new Handoff<LabelMap>(3);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pool = new System.Collections.Concurrent.ConcurrentBag<LabelMap>();
        var loader = Task.Factory.StartNew(() => LoadGroundTruth(files, set, queue, pool, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        bool warned = false;
        LabelMap? scaled = null;
        try
        {
            for (int i = 0; ; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!decoder.TryRead(out var pred, cancellationToken))
                {
                    if (i < files.Length)
                    {
                        throw Mismatch(video, i, groundTruthDir, files.Length);
                    }

                    break;
                }

                if (i >= files.Length)
                {
                    int total = i + 1;
                    while (decoder.TrySkip(cancellationToken))
                    {
                        total++;
                    }

                    throw Mismatch(video, total, groundTruthDir, files.Length);
                }

                var truth = Next(queue, cancellationToken);
                var matched = pred;
                if (!pred.SameSize(truth))
                {
                    bool padded = pred.Width == ((truth.Width + 1) & ~1) && pred.Height == ((truth.Height + 1) & ~1);
                    if (!padded && !warned)
                    {
                        warn?.Invoke($"{video}: frames are {pred.Width}x{pred.Height}, the ground truth {truth.Width}x{truth.Height}; the video is scaled to the ground truth by nearest neighbour");
                        warned = true;
                    }

                    if (scaled is null || !scaled.SameSize(truth))
                    {
                        scaled = new LabelMap(truth.Width, truth.Height);
                    }

                    if (padded)
                    {
                        Crop(pred, scaled);
                    }
                    else
                    {
                        ScaleNearest(pred, scaled);
                    }

                    matched = scaled;
                }

                if (scoreFrame is null || scoreFrame(i))
                {
                    try
                    {
                        acc.Add(truth, matched, files[i], video);
                    }
                    catch (SegFuseInputException e) when (e.Subject == video)
                    {
                        // The frame number is added only here: a name string per frame would grow the heap with the video.
                        throw new SegFuseInputException(video, $"frame {i}: {e.Reason}", e);
                    }
                }

                pool.Add(truth);
                progress?.Report(i + 1);
            }
        }
        finally
        {
            stop.Cancel();
            queue.Complete();
            loader.Wait(CancellationToken.None);
        }

        return acc;
    }

    /// <summary>Scales <paramref name="source"/> to the size of <paramref name="target"/> by nearest neighbour (pixel centres).</summary>
    public static void ScaleNearest(LabelMap source, LabelMap target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        Span<int> xs = target.Width <= 8192 ? stackalloc int[target.Width] : new int[target.Width];
        for (int x = 0; x < xs.Length; x++)
        {
            xs[x] = Math.Min(source.Width - 1, (int)(((x + 0.5) * source.Width) / target.Width));
        }

        for (int y = 0; y < target.Height; y++)
        {
            int sy = Math.Min(source.Height - 1, (int)(((y + 0.5) * source.Height) / target.Height));
            var src = source.GetRowSpan(sy);
            var dst = target.GetRowSpan(y);
            for (int x = 0; x < dst.Length; x++)
            {
                dst[x] = src[xs[x]];
            }
        }
    }

    private static void Crop(LabelMap source, LabelMap target)
    {
        for (int y = 0; y < target.Height; y++)
        {
            source.GetRowSpan(y)[..target.Width].CopyTo(target.GetRowSpan(y));
        }
    }

    private static SegFuseInputException Mismatch(string video, long videoFrames, string gtDir, int gtFrames) =>
        new(video, $"has {videoFrames} frames but the ground truth {gtDir} has {gtFrames}; frame i of the video is scored against ground-truth frame i, so the counts must match");

    /// <summary>Reads the ground truth in order into pooled maps; an error ends the queue with it (the scorer rethrows it).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // a frame loop: see LabelVideoRenderer.Encode
    private static void LoadGroundTruth(string[] files, LabelSet set, Handoff<LabelMap> queue, System.Collections.Concurrent.ConcurrentBag<LabelMap> pool, CancellationToken ct)
    {
        Exception? error = null;
        try
        {
            foreach (var file in files)
            {
                ct.ThrowIfCancellationRequested();
                var map = LabelPng.Read(file, set, LabelEncoding.Ids, pool.TryTake(out var spare) ? spare : null);
                if (!queue.TryAdd(map, ct))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The scorer stopped first.
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            queue.Complete(error);
        }
    }

    private static LabelMap Next(Handoff<LabelMap> queue, CancellationToken ct)
    {
        if (queue.TryTake(out var map, ct))
        {
            return map;
        }

        if (queue.Error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }

        throw new InvalidOperationException("the ground-truth loader stopped early");
    }
}
