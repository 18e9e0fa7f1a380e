using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using SegFuse.Media.Threading;
using SegFuse.Media.Tools;

namespace SegFuse.Media.Decoding;

/// <summary>Which decoder a <see cref="VideoFrameSource"/> uses.</summary>
public enum VideoDecoder
{
    /// <summary>
    /// <see cref="Ffmpeg"/> when <c>ffmpeg</c> and <c>ffprobe</c> are on PATH and the source probes and reads ahead
    /// (the default: the fastest decode), else <see cref="OpenCv"/>.
    /// </summary>
    Auto,

    /// <summary>OpenCvSharp's <c>VideoCapture</c> with its bundled FFmpeg (no external tool needed for decoding).</summary>
    OpenCv,

    /// <summary>
    /// The system <c>ffmpeg</c> through a pipe (raw bgr24 frames, per-frame presentation times from its <c>showinfo</c>
    /// filter): about 1.6× faster per thread than OpenCvSharp's bundled FFmpeg here, converts colours with the
    /// stream's own matrix in the same step, and decodes in its own process (on another core than the caller).
    /// </summary>
    Ffmpeg,
}

/// <summary>Decodes frames one after another into a caller's <see cref="Mat"/>.</summary>
internal interface IFrameReader : IDisposable
{
    /// <summary>Decodes the next frame into <paramref name="bgr"/>; false at the end. <paramref name="positionMs"/>: presentation time relative to the stream start, ms (NaN when unknown).</summary>
    bool Read(Mat bgr, out double positionMs);

    /// <summary>Advances one frame without converting it, where the decoder can.</summary>
    bool Skip(out double positionMs);

    /// <summary>A decoding failure to report at the end of the stream, if any.</summary>
    string? Failure { get; }
}

/// <summary>OpenCV's <c>VideoCapture</c>.</summary>
internal sealed class OpenCvFrameReader(VideoCapture capture) : IFrameReader
{
    public string? Failure => null;

    public bool Read(Mat bgr, out double positionMs)
    {
        bool ok = capture.Read(bgr) && !bgr.Empty();
        positionMs = ok ? capture.Get(VideoCaptureProperties.PosMsec) : double.NaN;
        return ok;
    }

    public bool Skip(out double positionMs)
    {
        bool ok = capture.Grab();
        positionMs = ok ? capture.Get(VideoCaptureProperties.PosMsec) : double.NaN;
        return ok;
    }

    public void Dispose() => capture.Dispose();
}

/// <summary>
/// The system ffmpeg: <c>ffmpeg -copyts -i FILE -map 0:v:0 -vf showinfo=checksum=0 -fps_mode passthrough -f rawvideo -pix_fmt bgr24 -</c>.
/// Every decoded frame arrives on stdout; its presentation time (container clock, kept by <c>-copyts</c>) is parsed from
/// the showinfo line on stderr, which ffmpeg writes before the frame's bytes.
/// </summary>
internal sealed class FfmpegFrameReader : IFrameReader
{
    private readonly Process _process;
    private readonly Stream _stdout;
    // Times run at most a few frames ahead of the frames (ffmpeg writes a frame's showinfo line just before its bytes).
    private readonly Handoff<double> _times = new(1024);
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly Thread _stderrThread;
    private readonly Mat _scratch = new();
    private int _width;
    private int _height;
    private double _startTime;

    /// <summary>Starts ffmpeg at once (so it runs while ffprobe answers); call <see cref="SetFormat"/> before the first read.</summary>
    public FfmpegFrameReader(string path)
    {
        _process = FfmpegTools.Start(
            FfmpegTools.Ffmpeg,
            ["-hide_banner", "-nostats", "-nostdin", "-loglevel", "info", "-copyts", "-i", path, "-map", "0:v:0", "-an", "-sn", "-dn",
             "-vf", "showinfo=checksum=0", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"],
            redirectStdin: false);
        _stdout = _process.StandardOutput.BaseStream;
        _stderrThread = new Thread(DrainStderr) { IsBackground = true, Name = "ffmpeg stderr" };
        _stderrThread.Start();
    }

    public string? Failure { get; private set; }

    /// <summary>The frame size and the stream's start time (showinfo's times are on the container clock).</summary>
    public void SetFormat(int width, int height, double startTime)
    {
        _width = width;
        _height = height;
        _startTime = startTime;
    }

    public bool Read(Mat bgr, out double positionMs)
    {
        bgr.Create(_height, _width, MatType.CV_8UC3);
        Span<byte> dst = bgr.AsSpan<byte>();
        int got = _stdout.ReadAtLeast(dst, dst.Length, throwOnEndOfStream: false);
        if (got < dst.Length)
        {
            Finish(got);
            positionMs = double.NaN;
            return false;
        }

        positionMs = _times.TryTake(out double t, 5000, CancellationToken.None, out _) && !double.IsNaN(t) ? (t - _startTime) * 1000 : double.NaN;
        return true;
    }

    public bool Skip(out double positionMs) => Read(_scratch, out positionMs);

    public void Dispose()
    {
        _scratch.Dispose();
        _times.Complete();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.WaitForExit();
        _stderrThread.Join();
        _process.Dispose();
    }

    private void Finish(int partialBytes)
    {
        _process.WaitForExit();
        _stderrThread.Join();
        if (_process.ExitCode != 0 || partialBytes > 0)
        {
            Failure = _errors.LastOrDefault() ?? (partialBytes > 0 ? "the last frame is incomplete" : $"ffmpeg exit code {_process.ExitCode}");
        }
    }

    /// <summary>
    /// Reads ffmpeg's stderr on its own thread as bytes and parses each showinfo line's <c>pts_time</c> in place: no
    /// string per line (a showinfo line per frame as a string made the heap grow with the video). Other lines become
    /// strings only when they report an error.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // a frame loop: see LabelVideoRenderer.Encode
    private void DrainStderr()
    {
        var stream = _process.StandardError.BaseStream;
        byte[] buffer = new byte[64 * 1024];
        int filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    // A line longer than the buffer: not one we parse; drop what we have.
                    filled = 0;
                }

                int n = stream.Read(buffer, filled, buffer.Length - filled);
                if (n <= 0)
                {
                    if (filled > 0)
                    {
                        OnLine(buffer.AsSpan(0, filled));
                    }

                    return;
                }

                filled += n;
                int lineStart = 0;
                for (int i = filled - n; i < filled; i++)
                {
                    if (buffer[i] is (byte)'\n' or (byte)'\r')
                    {
                        if (i > lineStart)
                        {
                            OnLine(buffer.AsSpan(lineStart, i - lineStart));
                        }

                        lineStart = i + 1;
                    }
                }

                // Keep the unfinished line at the start of the buffer.
                buffer.AsSpan(lineStart, filled - lineStart).CopyTo(buffer);
                filled -= lineStart;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // ffmpeg was killed (Dispose) or its pipe closed.
        }
        finally
        {
            _times.Complete();
        }
    }

    private void OnLine(ReadOnlySpan<byte> line)
    {
        int at = line.IndexOf("pts_time:"u8);
        if (at >= 0 && line.IndexOf("Parsed_showinfo"u8) >= 0 && line.IndexOf(" n:"u8) >= 0)
        {
            var value = line[(at + 9)..];
            int space = value.IndexOf((byte)' ');
            if (space >= 0)
            {
                value = value[..space];
            }

            double t = System.Buffers.Text.Utf8Parser.TryParse(value, out double v, out int used) && used == value.Length ? v : double.NaN;
            _times.TryAdd(t);
        }
        else if (line.IndexOf("rror"u8) >= 0 || line.IndexOf("nvalid"u8) >= 0 || line.IndexOf("partial file"u8) >= 0)
        {
            _errors.Enqueue(System.Text.Encoding.UTF8.GetString(line).Trim());
            while (_errors.Count > 10)
            {
                _errors.TryDequeue(out _);
            }
        }
    }
}
