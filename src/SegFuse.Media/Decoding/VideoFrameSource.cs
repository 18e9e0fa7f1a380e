using System.Globalization;
using OpenCvSharp;
using SegFuse.Media.Threading;
using SegFuse.Media.Tools;

namespace SegFuse.Media.Decoding;

/// <summary>
/// Reads a video file frame by frame in decode order, with presentation timestamps, through the system ffmpeg (a pipe)
/// or OpenCV's FFmpeg backend.
/// A plain loop: <c>while (source.TryRead(out var frame)) { ... }</c>. A ring of three BGR buffers is reused for every
/// frame, so memory does not grow with the video.
/// </summary>
/// <remarks>
/// <para><see cref="TryRead"/> returns false at the end of the stream and throws <see cref="SegFuseInputException"/> on a
/// real error: a file with no frames, or one that ends before the frames its container lists (truncated or corrupt),
/// in which case the message says how many frames were read and at what time decoding stopped.</para>
/// <para>Timestamps: OpenCV reports each frame's presentation time relative to the stream's start; the start time
/// (from ffprobe when it is on PATH) is added back, so a timestamp is the container's own. When the container gives
/// none (frames 0 and 1 both at 0 ms), the source switches to index / fps and <see cref="TimestampSource"/> says so.
/// A single frame without a time after timed ones (the last frames of some AVI files) gets the previous time + 1/fps
/// and is counted in <see cref="FilledTimestamps"/>.</para>
/// <para>Colours: OpenCV converts every stream with the BT.601 matrix; a stream tagged BT.709 (or BT.2020) is corrected
/// with one 3×3 transform so that frames match what ffmpeg and players show.</para>
/// <para>Read-ahead: once <see cref="TryRead"/> is first called, a decoder thread reads (decodes and converts) up to two
/// frames ahead into the ring while the caller works on the current one, and the BT.709 fix-up runs on the caller's
/// thread; FFmpeg decodes with one thread per core plus one, as the ffmpeg CLI does.</para>
/// <para>Not thread-safe: one reader per source.</para>
/// </remarks>
public sealed class VideoFrameSource : IDisposable
{
    private const int RingSize = 3;
    private readonly IFrameReader _frames;
    private Mat? _colorFix;
    private readonly Mat[] _ring = [new(), new(), new()];
    private readonly Handoff<Mat> _free = new(RingSize);
    private readonly Handoff<(Mat Image, double PosMsec)> _decoded = new(RingSize);
    private Thread? _readAhead;
    private Exception? _readerError;
    private bool _noContainerTimes;
    private Mat? _current;
    private double _lastTimestamp;
    private double _firstReportedMs;
    private bool _ended;
    private bool _disposed;

    private VideoFrameSource(IFrameReader frames)
    {
        _frames = frames;
        Info = null!;
        foreach (var mat in _ring)
        {
            _free.TryAdd(mat);
        }
    }

    /// <summary>What ffprobe said about the file when it was opened; null when ffprobe is not on PATH or probing was off.</summary>
    public VideoProbe? Probe { get; private set; }

    /// <summary>What the file says about itself.</summary>
    public VideoInfo Info { get; private set; }

    /// <summary>Frames returned so far.</summary>
    public int FramesRead { get; private set; }

    /// <summary>Where the timestamps come from; settled once the second frame has been read.</summary>
    public TimestampSource TimestampSource { get; private set; } = TimestampSource.Container;

    /// <summary>Frames whose container timestamp was missing and was filled in as previous + 1/fps.</summary>
    public int FilledTimestamps { get; private set; }

    /// <summary>The decoder in use (<see cref="VideoDecoder.OpenCv"/> or <see cref="VideoDecoder.Ffmpeg"/>, never Auto).</summary>
    public VideoDecoder Decoder { get; private init; }

    /// <summary>Whether the end of the stream has been reached.</summary>
    public bool IsAtEnd => _ended;

    /// <summary>Opens <paramref name="path"/> for reading.</summary>
    /// <param name="path">A video file that FFmpeg can demux and decode.</param>
    /// <param name="probe">Ask ffprobe (if on PATH) for the stream's start time and whether the frame count is exact.
    /// Without it timestamps start where OpenCV puts them (the stream start) and truncation is judged on OpenCV's count.</param>
    /// <param name="decoder">The system ffmpeg through a pipe (faster; needs ffmpeg and ffprobe on PATH) or OpenCV's
    /// <c>VideoCapture</c>; <see cref="VideoDecoder.Auto"/> (default) takes the pipe when it can (see <see cref="Resolve"/>).</param>
    /// <param name="readAhead">Start decoding on the read-ahead thread right away (while ffprobe runs). Off for a scan with
    /// <see cref="TrySkip"/>, which then grabs frames on the caller's thread without converting them.</param>
    /// <exception cref="SegFuseInputException">Missing file, a folder, or not a video OpenCV can open.</exception>
    public static VideoFrameSource Open(string path, bool probe = true, bool readAhead = true, VideoDecoder decoder = VideoDecoder.Auto)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        VideoFile.RequireNonEmpty(path);

        if (Resolve(decoder, probe, readAhead) == VideoDecoder.Ffmpeg)
        {
            return OpenFfmpeg(path, readAhead);
        }

        OpenCvQuiet.Ensure();

        // ffprobe runs while OpenCV opens the file and the first frames decode.
        var probeTask = probe ? Task.Run(() => VideoProbe.TryRun(path)) : Task.FromResult<VideoProbe?>(null);

        // CAP_PROP_N_THREADS (70): FFmpeg decoding threads, cores + 1 like the ffmpeg CLI (OpenCV's default is one per core).
        var capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG, [70, Math.Min(Environment.ProcessorCount + 1, 16)]);
        VideoFrameSource? source = null;
        try
        {
            if (!capture.IsOpened() || capture.FrameWidth <= 0 || capture.FrameHeight <= 0)
            {
                probeTask.Wait();
                throw new SegFuseInputException(path, WhyNotOpened(path, probe));
            }

            double fps = capture.Fps;
            int cvCount = capture.FrameCount;
            int width = capture.FrameWidth, height = capture.FrameHeight;
            string codec = FourCcToString((int)capture.Get(VideoCaptureProperties.FourCC));
            source = new VideoFrameSource(new OpenCvFrameReader(capture)) { Decoder = VideoDecoder.OpenCv };
            if (readAhead)
            {
                source.StartReader();
            }

            var probed = probeTask.GetAwaiter().GetResult();
            bool guessed = false;
            if (!(fps > 0 && fps < 10000))
            {
                fps = probed?.AverageFrameRate ?? probed?.FrameRate ?? 30;
                guessed = probed?.AverageFrameRate is null && probed?.FrameRate is null;
            }

            int? claimed = probed?.FrameCount is long exact ? (int)Math.Min(exact, int.MaxValue) : cvCount > 0 ? cvCount : null;
            source.Info = new VideoInfo
            {
                Path = path,
                Width = width,
                Height = height,
                Fps = fps,
                FpsGuessed = guessed,
                ClaimedFrameCount = claimed,
                ClaimedFrameCountIsExact = probed?.FrameCount is not null,
                Codec = codec,
                StartTime = probed?.StartTime ?? 0,
                ColorMatrix = probed?.ColorSpace,
            };
            source.Probe = probed;

            // OpenCV converts with BT.601 whatever the tag; put a BT.709 / BT.2020 stream's colours right.
            (double, double)? actual = probed?.ColorSpace switch
            {
                "bt709" => YuvMatrix.Bt709,
                "bt2020nc" or "bt2020c" => (0.2627, 0.0593),
                _ => null,
            };
            source._colorFix = actual is { } k ? YuvMatrix.CorrectionBgr(YuvMatrix.Bt601, k) : null;
            return source;
        }
        catch
        {
            if (source is not null)
            {
                source.Dispose();
            }
            else
            {
                capture.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// The decoder <see cref="Open"/> uses for <paramref name="decoder"/>: <see cref="VideoDecoder.Auto"/> is the ffmpeg
    /// pipe when ffmpeg and ffprobe are on PATH, timestamps are probed and frames are read ahead (a scan with
    /// <see cref="TrySkip"/> is cheaper through OpenCV, which skips the colour conversion); otherwise OpenCV.
    /// </summary>
    /// <remarks>
    /// Why the pipe by default: the system ffmpeg decodes H.264 about 1.6× faster per thread than OpenCvSharp's bundled
    /// FFmpeg, converts Y'CbCr to BGR with the stream's own matrix in the same pass (OpenCV needs a second 3×3
    /// transform for BT.709), and runs in its own process, so the caller's cores stay free. Both decoders give the same
    /// frames and timestamps (tested).
    /// </remarks>
    public static VideoDecoder Resolve(VideoDecoder decoder, bool probe = true, bool readAhead = true) => decoder switch
    {
        VideoDecoder.Auto => probe && readAhead && FfmpegTools.Find("ffmpeg") is not null && FfmpegTools.Find("ffprobe") is not null
            ? VideoDecoder.Ffmpeg
            : VideoDecoder.OpenCv,
        _ => decoder,
    };

    private static VideoFrameSource OpenFfmpeg(string path, bool readAhead)
    {
        _ = FfmpegTools.Ffmpeg;
        var probeTask = Task.Run(() => VideoProbe.Run(path));
        var reader = new FfmpegFrameReader(path);
        VideoProbe probed;
        try
        {
            probed = probeTask.GetAwaiter().GetResult();
            if (probed.Width <= 0 || probed.Height <= 0)
            {
                throw new SegFuseInputException(path, "has no frame size (not a readable video)");
            }
        }
        catch
        {
            reader.Dispose();
            throw;
        }

        double? rate = probed.AverageFrameRate ?? probed.FrameRate;
        double start = probed.StartTime ?? 0;
        reader.SetFormat(probed.Width, probed.Height, start);
        var source = new VideoFrameSource(reader)
        {
            Decoder = VideoDecoder.Ffmpeg,
            Probe = probed,
            Info = new VideoInfo
            {
                Path = path,
                Width = probed.Width,
                Height = probed.Height,
                Fps = rate ?? 30,
                FpsGuessed = rate is null,
                ClaimedFrameCount = probed.FrameCount is long n ? (int)Math.Min(n, int.MaxValue) : null,
                ClaimedFrameCountIsExact = probed.FrameCount is not null,
                Codec = probed.Codec ?? "unknown",
                StartTime = start,
                ColorMatrix = probed.ColorSpace,
            },

            // An elementary stream has no container clock: ffmpeg's times would be invented from the frame rate.
            _noContainerTimes = probed.FormatName is "h264" or "hevc" or "mpegvideo" or "m4v" or "mjpeg" or "rawvideo" or "yuv4mpegpipe",
        };
        if (readAhead)
        {
            source.StartReader();
        }

        return source;
    }

    /// <summary>Decodes the next frame.</summary>
    /// <param name="frame">The frame; its <see cref="VideoFrame.Image"/> is this source's reused buffer (valid until the next call).</param>
    /// <returns>False at the end of the stream.</returns>
    /// <exception cref="SegFuseInputException">The video has no frames, or ends before the frames its container lists.</exception>
    public bool TryRead(out VideoFrame frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        frame = default;
        if (_current is not null)
        {
            _free.TryAdd(_current);
            _current = null;
        }

        if (_ended)
        {
            return false;
        }

        if (_readAhead is null)
        {
            StartReader();
        }

        if (!_decoded.TryTake(out var next))
        {
            _ended = true;
            _readAhead!.Join();
            if (_readerError is not null)
            {
                throw new SegFuseInputException(Info.Path, $"cannot be decoded after {FramesRead} frames: {_readerError.Message}", _readerError);
            }

            CheckComplete();
            return false;
        }

        _current = next.Image;
        if (_colorFix is not null)
        {
            // Explicit wrappers, disposed at once: the implicit ones hold native memory until a finalizer runs.
            using var src = InputArray.Create(_current);
            using var dst = OutputArray.Create(_current);
            using var m = InputArray.Create(_colorFix);
            Cv2.Transform(src, dst, m);
        }

        int index = FramesRead;
        double ts = NextTimestamp(index, next.PosMsec);
        FramesRead = index + 1;
        _lastTimestamp = ts;
        frame = new VideoFrame(index, ts, _current);
        return true;
    }

    private void StartReader()
    {
        _readAhead = new Thread(ReadAhead) { IsBackground = true, Name = "video decode" };
        _readAhead.Start();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // a frame loop: see LabelVideoRenderer.Encode
    private void ReadAhead()
    {
        try
        {
            while (_free.TryTake(out var mat))
            {
                if (!_frames.Read(mat, out double positionMs))
                {
                    _free.TryAdd(mat);
                    return;
                }

                if (!_decoded.TryAdd((mat, positionMs)))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OpenCVException or InvalidOperationException or ObjectDisposedException)
        {
            _readerError = e;
        }
        finally
        {
            _decoded.Complete();
        }
    }

    /// <summary>Advances one frame without converting its pixels to BGR: faster when only timestamps or a seek are needed.</summary>
    /// <param name="index">The skipped frame's index.</param>
    /// <param name="timestamp">The skipped frame's presentation time in seconds.</param>
    /// <returns>False at the end of the stream.</returns>
    /// <exception cref="SegFuseInputException">As <see cref="TryRead"/>.</exception>
    public bool TrySkip(out int index, out double timestamp)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        index = -1;
        timestamp = 0;
        if (_ended)
        {
            return false;
        }

        if (_readAhead is not null)
        {
            // Reading ahead already: take the decoded frame and drop it.
            if (!TryRead(out var frame))
            {
                return false;
            }

            (index, timestamp) = (frame.Index, frame.Timestamp);
            return true;
        }

        if (!_frames.Skip(out double positionMs))
        {
            _ended = true;
            CheckComplete();
            return false;
        }

        index = FramesRead;
        timestamp = NextTimestamp(index, positionMs);
        FramesRead = index + 1;
        _lastTimestamp = timestamp;
        return true;
    }

    /// <summary>Releases the decoder and the frame buffer.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // Both queues closed: the reader stops after the frame it is decoding, whether it waits for a buffer or to hand one over.
        _free.Complete();
        _decoded.Complete();
        _readAhead?.Join();

        foreach (var mat in _ring)
        {
            mat.Dispose();
        }

        _colorFix?.Dispose();
        _frames.Dispose();
    }

    /// <summary>OpenCV only says "cannot open"; ffprobe can tell a container without video frames from a file that is no video.</summary>
    private static string WhyNotOpened(string path, bool probe)
    {
        const string Generic = "not a readable video (FFmpeg cannot open or decode it)";
        if (!probe || FfmpegTools.Find("ffprobe") is null)
        {
            return Generic;
        }

        try
        {
            var p = VideoProbe.Run(path);
            return p.FrameCount is null or 0 ? "has no video frames (zero-frame video)" : Generic;
        }
        catch (SegFuseInputException e)
        {
            return e.Reason;
        }
    }

    internal static string FourCcToString(int fourcc)
    {
        Span<char> chars = stackalloc char[4];
        int n = 0;
        for (int i = 0; i < 4; i++)
        {
            char c = (char)((fourcc >> (8 * i)) & 0xFF);
            if (c >= ' ' && c < 127)
            {
                chars[n++] = c;
            }
        }

        return n == 0 ? "unknown" : new string(chars[..n]).Trim();
    }

    private double NextTimestamp(int index, double reportedMs)
    {
        double offset = Info.StartTime;
        bool reported = double.IsFinite(reportedMs) && reportedMs >= 0;
        if (index == 0)
        {
            _firstReportedMs = reported && !_noContainerTimes ? reportedMs : 0;
            return offset + (_firstReportedMs / 1000.0);
        }

        if (index == 1 && (_noContainerTimes || ((!reported || reportedMs == 0) && _firstReportedMs == 0)))
        {
            // Two frames at 0 ms: the container carries no timestamps. Frame 0 was at 0 either way.
            TimestampSource = TimestampSource.FrameRate;
        }

        if (TimestampSource == TimestampSource.FrameRate)
        {
            return offset + (index / Info.Fps);
        }

        if (!reported || (reportedMs == 0 && _lastTimestamp > offset))
        {
            // OpenCV reports 0 for a frame without a time (e.g. the delayed last frame of an AVI with B-frames).
            FilledTimestamps++;
            return _lastTimestamp + (1.0 / Info.Fps);
        }

        return offset + (reportedMs / 1000.0);
    }

    private void CheckComplete()
    {
        if (FramesRead == 0)
        {
            throw new SegFuseInputException(Info.Path, _frames.Failure is { } why ? $"cannot be decoded: {why}" : "has no video frames (zero-frame or undecodable video)");
        }

        if (_frames.Failure is { } failure && (Info.ClaimedFrameCount is not int c || FramesRead >= c))
        {
            throw new SegFuseInputException(
                Info.Path,
                string.Create(CultureInfo.InvariantCulture, $"truncated or corrupt: decoding stopped after {FramesRead} frames, at {_lastTimestamp:0.###} s (frame {FramesRead - 1}): {failure}"));
        }

        if (Info.ClaimedFrameCount is not int claimed || FramesRead >= claimed)
        {
            return;
        }

        // An exact count (MP4/MOV) must be met; an estimate (duration × fps) may be off by rounding.
        int missing = claimed - FramesRead;
        int tolerance = Info.ClaimedFrameCountIsExact ? 0 : Math.Max(1, claimed / 50);
        if (missing > tolerance)
        {
            throw new SegFuseInputException(
                Info.Path,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"truncated or corrupt: decoding stopped after {FramesRead} of the {claimed} frames the container lists, at {_lastTimestamp:0.###} s (frame {FramesRead - 1})"));
        }
    }
}
