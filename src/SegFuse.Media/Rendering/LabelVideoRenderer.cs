using OpenCvSharp;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Decoding;
using SegFuse.Media.Encoding;
using SegFuse.Media.Threading;

namespace SegFuse.Media.Rendering;

/// <summary>
/// Renders a folder of per-frame label maps to an H.264 MP4 (YouTube preset): palette, overlay or side-by-side,
/// optionally with a legend. The output has exactly one frame per label map, in frame-index order.
/// </summary>
/// <remarks>
/// Label PNGs are read and decoded on a loader task a few frames ahead while this thread composes and ffmpeg encodes,
/// so the work spreads over the cores and memory stays flat. On an error or cancellation nothing is left under
/// <see cref="RenderRequest.OutPath"/>.
/// </remarks>
public static class LabelVideoRenderer
{
    /// <summary>The frame rate used when neither <see cref="RenderRequest.Fps"/> nor a footage video gives one.</summary>
    public const double DefaultFps = 30;

    /// <summary>Renders <paramref name="request"/>.</summary>
    /// <param name="request">What to render.</param>
    /// <param name="progress">Receives the number of frames written so far; its total is <see cref="CountFrames"/>.</param>
    /// <param name="warn">Receives warnings (e.g. footage of another size that is scaled).</param>
    /// <param name="cancellationToken">Stops the render; the output is then discarded.</param>
    /// <exception cref="SegFuseInputException">Bad options or input files (the message names the file or option).</exception>
    public static RenderResult Render(RenderRequest request, IProgress<long>? progress = null, Action<string>? warn = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var files = FrameFiles.List(request.LabelsDir, ".png");
        if (files.Count == 0)
        {
            throw new SegFuseInputException(request.LabelsDir, "holds no label PNGs");
        }

        SortedDictionary<int, string>? compare = null;
        if (request.CompareDir is not null)
        {
            compare = FrameFiles.List(request.CompareDir, ".png");
            var missing = files.Keys.FirstOrDefault(k => !compare.ContainsKey(k), -1);
            if (missing >= 0 || compare.Count != files.Count)
            {
                throw new SegFuseInputException(
                    request.CompareDir,
                    missing >= 0
                        ? $"has no label map for frame index {missing} (of {files.Count} in {request.LabelsDir})"
                        : $"holds {compare.Count} label maps where {request.LabelsDir} holds {files.Count}");
            }
        }

        using var video = request.VideoPath is null ? null : VideoFrameSource.Open(request.VideoPath, decoder: request.Decoder);
        double fps = request.Fps ?? video?.Info.Fps ?? DefaultFps;
        if (!(fps > 0 && fps <= 1000))
        {
            throw new SegFuseInputException("--fps", $"must be between 0 and 1000 frames per second, got {fps}");
        }

        var colorizer = new LabelColorizer(request.Set);
        using var loader = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, loader.Token);
        var queue = new Handoff<Item>(3);
        var pool = new System.Collections.Concurrent.ConcurrentBag<LabelMap>();
        var loadTask = Task.Factory.StartNew(() => Load(request, files, compare, queue, pool, linked.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            return Encode(request, colorizer, video, fps, files.Count, queue, pool, progress, warn, cancellationToken);
        }
        finally
        {
            loader.Cancel();
            queue.Complete();
            loadTask.Wait(CancellationToken.None);
        }
    }

    /// <summary>How many frames a render of <paramref name="labelsDir"/> writes (one per label PNG).</summary>
    public static int CountFrames(string labelsDir) => FrameFiles.Count(labelsDir, ".png");

    private static void Validate(RenderRequest r)
    {
        if (r.Scale is < 1 or > 8)
        {
            throw new SegFuseInputException("--scale", $"must be an integer factor 1..8, got {r.Scale}");
        }

        if (r.Alpha is < 0 or > 1 || double.IsNaN(r.Alpha))
        {
            throw new SegFuseInputException("--alpha", $"must be between 0 and 1, got {r.Alpha}");
        }

        switch (r.Mode)
        {
            case RenderMode.Palette when r.Legend:
                throw new SegFuseInputException("--legend", "palette mode renders only label colours (a submission is decoded pixel by pixel); use --mode overlay or side-by-side for a legend");
            case RenderMode.Overlay when r.VideoPath is null:
                throw new SegFuseInputException("--video", "overlay mode needs the footage (--video SRC)");
            case RenderMode.SideBySide when r.VideoPath is null && r.CompareDir is null:
                throw new SegFuseInputException("--video", "side-by-side needs the footage (--video SRC), a second prediction folder (--compare DIR), or both");
            case not RenderMode.SideBySide when r.CompareDir is not null:
                throw new SegFuseInputException("--compare", "a second prediction folder is only used in side-by-side mode");
        }
    }

    private readonly record struct Item(int Index, string File, LabelMap Map, LabelMap? Compare);

    /// <summary>
    /// Reads the label maps in order into maps taken back from <paramref name="pool"/> (no allocation per frame) and
    /// queues them; an error ends the queue with it (the encoder rethrows it), cancellation ends it quietly.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // a frame loop: see LabelVideoRenderer.Encode
    private static void Load(RenderRequest r, SortedDictionary<int, string> files, SortedDictionary<int, string>? compare, Handoff<Item> queue, System.Collections.Concurrent.ConcurrentBag<LabelMap> pool, CancellationToken ct)
    {
        Exception? error = null;
        try
        {
            string? firstFile = null;
            int w = 0, h = 0;
            foreach (var (index, file) in files)
            {
                ct.ThrowIfCancellationRequested();
                var map = LabelPng.Read(file, r.Set, r.Encoding, pool.TryTake(out var spare) ? spare : null);
                if (firstFile is null)
                {
                    (firstFile, w, h) = (file, map.Width, map.Height);
                }
                else if (map.Width != w || map.Height != h)
                {
                    throw new SegFuseInputException(file, $"is {map.Width}x{map.Height} where {Path.GetFileName(firstFile)} is {w}x{h}; every label map must have one size");
                }

                LabelMap? other = null;
                if (compare is not null)
                {
                    string cf = compare[index];
                    other = LabelPng.Read(cf, r.Set, r.Encoding, pool.TryTake(out var spare2) ? spare2 : null);
                    if (other.Width != w || other.Height != h)
                    {
                        throw new SegFuseInputException(cf, $"is {other.Width}x{other.Height} where {Path.GetFileName(firstFile)} is {w}x{h}; every label map must have one size");
                    }
                }

                if (!queue.TryAdd(new Item(index, file, map, other), ct))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The encoder stopped first (done, failed or cancelled).
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

    // A frame loop that runs for the whole video: compiled fully optimised at once. Under tiered compilation it ran at
    // tier 0 until on-stack replacement recompiled it, late in a long video, with a burst of JIT memory (peak RSS +10 MB
    // at 10 000 frames, none at 1 000): the peak grew with the video's length.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static RenderResult Encode(
        RenderRequest r,
        LabelColorizer colorizer,
        VideoFrameSource? video,
        double fps,
        int total,
        Handoff<Item> queue,
        System.Collections.Concurrent.ConcurrentBag<LabelMap> pool,
        IProgress<long>? progress,
        Action<string>? warn,
        CancellationToken ct)
    {
        using var colored = new Mat();
        using var colored2 = new Mat();
        using var footage = new Mat();
        using var output = new Mat();
        using var enlarged = new Mat();
        Mat? legend = null;
        H264VideoWriter? writer = null;
        bool warnedSize = false;
        try
        {
            int written = 0;
            while (Next(queue, ct) is { } item)
            {
                int w = item.Map.Width, h = item.Map.Height;
                bool direct = r.Mode == RenderMode.Palette && !r.Legend;
                colorizer.Colorize(item.Map, direct ? output : colored);
                if (item.Compare is not null)
                {
                    colorizer.Colorize(item.Compare, colored2);
                }

                Mat? shown = null;
                if (video is not null && r.Mode != RenderMode.Palette)
                {
                    var frame = SeekTo(video, item.Index, r.VideoPath!, total);
                    if (frame.Width != w || frame.Height != h)
                    {
                        if (!warnedSize)
                        {
                            warn?.Invoke($"{r.VideoPath}: footage is {frame.Width}x{frame.Height}, the label maps {w}x{h}; the footage is scaled to the label maps");
                            warnedSize = true;
                        }

                        // Explicit wrappers, disposed at once: the implicit ones hold native memory until a finalizer runs.
                        using (var src = InputArray.Create(frame))
                        using (var dst = OutputArray.Create(footage))
                        {
                            Cv2.Resize(src, dst, new Size(w, h), 0, 0, InterpolationFlags.Area);
                        }

                        shown = footage;
                    }
                    else
                    {
                        // The decoder's buffer stays valid until the next read: use it as it is.
                        shown = frame;
                    }
                }

                int panels = r.Mode == RenderMode.SideBySide ? (video is not null ? 1 : 0) + 1 + (item.Compare is not null ? 1 : 0) : 1;
                if (legend is null && r.Legend)
                {
                    legend = Legend.Draw(LegendClasses(r.Set, item.Map), panels * w);
                }

                int outW = panels * w, outH = h + (legend?.Height ?? 0);
                output.Create(outH, outW, MatType.CV_8UC3);
                if (!direct)
                {
                    Compose(r, colored, shown, item.Compare is not null ? colored2 : null, w, h, output);
                }

                if (legend is not null)
                {
                    int legendRows = legend.Height;
                    for (int y = 0; y < legendRows; y++)
                    {
                        RowOf(legend, y, outW).CopyTo(RowOf(output, h + y, outW));
                    }
                }

                var frameOut = output;
                if (r.Scale > 1)
                {
                    (outW, outH) = (outW * r.Scale, outH * r.Scale);
                    Cv2.Resize(output, enlarged, new Size(outW, outH), 0, 0, InterpolationFlags.Nearest);
                    frameOut = enlarged;
                }

                writer ??= H264VideoWriter.Create(r.OutPath, outW, outH, fps, H264EncoderSettings.YouTube(outW, outH, fps) with { Preset = r.Preset });
                writer.Write(frameOut, ct);
                pool.Add(item.Map);
                if (item.Compare is not null)
                {
                    pool.Add(item.Compare);
                }

                written++;
                progress?.Report(written);
            }

            if (writer is null)
            {
                throw new SegFuseInputException(r.LabelsDir, "holds no label PNGs");
            }

            writer.Complete(ct);
            return new RenderResult(written, writer.EncodedWidth, writer.EncodedHeight, fps, writer.Settings.BitRate, new FileInfo(r.OutPath).Length);
        }
        finally
        {
            writer?.Dispose();
            legend?.Dispose();
        }
    }

    private static Item? Next(Handoff<Item> queue, CancellationToken ct)
    {
        if (queue.TryTake(out var item, ct))
        {
            return item;
        }

        if (queue.Error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }

        return null;
    }

    private static Mat SeekTo(VideoFrameSource video, int index, string path, int labelCount)
    {
        while (video.TryRead(out var frame))
        {
            if (frame.Index == index)
            {
                return frame.Image;
            }
        }

        throw new SegFuseInputException(path, $"has {video.FramesRead} frames, but there is a label map for frame index {index} ({labelCount} label maps)");
    }

    /// <summary>
    /// Composes the frame from row spans (no OpenCV call, so no per-frame <c>Mat</c> headers or array wrappers, which
    /// OpenCvSharp frees only in finalizers): overlay blends in parallel rows; side-by-side copies the panels.
    /// </summary>
    private static void Compose(RenderRequest r, Mat colored, Mat? footage, Mat? compare, int w, int h, Mat output)
    {
        switch (r.Mode)
        {
            case RenderMode.Palette:
                for (int y = 0; y < h; y++)
                {
                    RowOf(colored, y, w).CopyTo(RowOf(output, y, w));
                }

                break;

            case RenderMode.Overlay:
                unsafe
                {
                    var op = new BlendRows((byte*)footage!.Data, footage.Step(), (byte*)colored.Data, colored.Step(), (byte*)output.Data, output.Step(), w * 3, (float)r.Alpha);
                    RowParallel.For(h, in op);
                }

                break;

            default:
                for (int y = 0; y < h; y++)
                {
                    var dst = RowOf(output, y, output.Width);
                    int x = 0;
                    if (footage is not null)
                    {
                        RowOf(footage, y, w).CopyTo(dst.Slice(x, w * 3));
                        x += w * 3;
                    }

                    RowOf(colored, y, w).CopyTo(dst.Slice(x, w * 3));
                    x += w * 3;
                    if (compare is not null)
                    {
                        RowOf(compare, y, w).CopyTo(dst.Slice(x, w * 3));
                    }
                }

                break;
        }
    }

    /// <summary>Row <paramref name="y"/> of an 8-bit BGR matrix, <paramref name="width"/> pixels from the left.</summary>
    private static unsafe Span<byte> RowOf(Mat mat, int y, int width) => new((byte*)mat.Data + (y * mat.Step()), width * 3);

    /// <summary>out = footage × (1 − α) + colour × α, rounded, per byte; one row per call.</summary>
    private readonly unsafe struct BlendRows(byte* footage, long footageStep, byte* colored, long coloredStep, byte* output, long outputStep, int rowBytes, float alpha) : IRowOperation
    {
        public void Invoke(int y)
        {
            byte* f = footage + (y * footageStep), c = colored + (y * coloredStep), o = output + (y * outputStep);
            float beta = 1 - alpha;
            for (int i = 0; i < rowBytes; i++)
            {
                o[i] = (byte)((f[i] * beta) + (c[i] * alpha) + 0.5f);
            }
        }
    }

    /// <summary>The evaluated labels; for a large set (ADE20K's 150) only those in the first frame.</summary>
    private static List<LabelClass> LegendClasses(LabelSet set, LabelMap first)
    {
        if (set.Evaluated.Count <= 40)
        {
            return [.. set.Evaluated];
        }

        var present = new HashSet<int>();
        foreach (ushort id in first.Span)
        {
            present.Add(id);
        }

        return set.Evaluated.Where(c => present.Contains(c.Id)).Take(60).ToList();
    }
}
