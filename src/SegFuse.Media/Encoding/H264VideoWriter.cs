using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using OpenCvSharp;
using SegFuse.IO;
using SegFuse.Media.Threading;
using SegFuse.Media.Tools;

namespace SegFuse.Media.Encoding;

/// <summary>
/// Encodes BGR frames to an H.264 MP4 by piping raw frames into the system <c>ffmpeg</c> (libx264), with the
/// settings of <see cref="H264EncoderSettings"/> (by default YouTube's upload preset). The output is written under a
/// temporary name and renamed into place by <see cref="Complete"/>; disposing without completing leaves nothing.
/// </summary>
/// <remarks>
/// <para>The file has exactly one frame per <see cref="Write(Mat, CancellationToken)"/>, in order, at a constant frame rate.
/// BGR is converted to limited-range yuv420p with the BT.709 matrix and tagged BT.709; no audio.</para>
/// <para>Frames are copied into one of three pooled buffers and handed to a pump thread that writes the pipe, so the
/// caller prepares the next frame while ffmpeg encodes; memory does not grow with the video.</para>
/// <para>H.264 4:2:0 needs even dimensions: an odd width or height is padded by repeating the last column or row
/// (<see cref="EncodedWidth"/>, <see cref="EncodedHeight"/>); a reader crops it back to <see cref="Width"/> × <see cref="Height"/>.</para>
/// </remarks>
public sealed class H264VideoWriter : IDisposable
{
    private const int BufferCount = 3;
    private readonly AtomicFile _file;
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly Thread _pump;
    private readonly Handoff<byte[]> _free = new(BufferCount);
    private readonly Handoff<byte[]> _full = new(BufferCount);
    private readonly ConcurrentQueue<string> _stderrTail = new();
    private readonly Task _stderrTask;
    private readonly int _frameBytes;
    private Exception? _pumpError;
    private bool _completed;
    private bool _disposed;

    private H264VideoWriter(string path, int width, int height, double fps, H264EncoderSettings settings)
    {
        Path = path;
        Width = width;
        Height = height;
        EncodedWidth = (width + 1) & ~1;
        EncodedHeight = (height + 1) & ~1;
        Fps = fps;
        Settings = settings;
        _frameBytes = EncodedWidth * EncodedHeight * 3;

        string ffmpeg = FfmpegTools.Ffmpeg;
        _file = new AtomicFile(path);
        try
        {
            // Prove the folder is writable before starting ffmpeg: an unwritable output is bad input, not an ffmpeg failure.
            File.Create(_file.TempPath).Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _file.Dispose();
            throw new SegFuseInputException(path, $"cannot write the output: {e.Message}", e);
        }

        try
        {
            _process = FfmpegTools.Start(ffmpeg, BuildArguments(_file.TempPath), redirectStdin: true);
        }
        catch
        {
            _file.Dispose();
            throw;
        }

        _stdin = _process.StandardInput.BaseStream;
        _process.StandardOutput.Close();
        _stderrTask = Task.Run(DrainStderr);
        for (int i = 0; i < BufferCount; i++)
        {
            _free.TryAdd(new byte[_frameBytes]);
        }

        _pump = new Thread(Pump) { IsBackground = true, Name = "ffmpeg pipe" };
        _pump.Start();
    }

    /// <summary>The output file.</summary>
    public string Path { get; }

    /// <summary>Width of the frames given to <see cref="Write(Mat, CancellationToken)"/>.</summary>
    public int Width { get; }

    /// <summary>Height of the frames given to <see cref="Write(Mat, CancellationToken)"/>.</summary>
    public int Height { get; }

    /// <summary>Width of the encoded video (<see cref="Width"/> rounded up to even).</summary>
    public int EncodedWidth { get; }

    /// <summary>Height of the encoded video (<see cref="Height"/> rounded up to even).</summary>
    public int EncodedHeight { get; }

    /// <summary>Frames per second (constant).</summary>
    public double Fps { get; }

    /// <summary>The encoder settings in use.</summary>
    public H264EncoderSettings Settings { get; }

    /// <summary>Frames written so far.</summary>
    public long FramesWritten { get; private set; }

    /// <summary>Starts ffmpeg to encode <paramref name="width"/> × <paramref name="height"/> frames at <paramref name="fps"/> into <paramref name="path"/>.</summary>
    /// <param name="path">The MP4 to write; nothing appears under this name until <see cref="Complete"/>.</param>
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="fps">Constant frame rate of the output.</param>
    /// <param name="settings">Encoder settings; null for <see cref="H264EncoderSettings.YouTube"/>.</param>
    /// <exception cref="SegFuseInputException">ffmpeg is not on PATH, or the output cannot be written.</exception>
    public static H264VideoWriter Create(string path, int width, int height, double fps, H264EncoderSettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (!(fps > 0 && double.IsFinite(fps)))
        {
            throw new ArgumentOutOfRangeException(nameof(fps), fps, "the frame rate must be positive");
        }

        return new H264VideoWriter(path, width, height, fps, settings ?? H264EncoderSettings.YouTube(width, height, fps));
    }

    /// <summary>Appends one frame.</summary>
    /// <param name="bgr">An 8-bit BGR image (<c>CV_8UC3</c>) of <see cref="Width"/> × <see cref="Height"/>; it is copied, the caller keeps ownership.</param>
    /// <param name="cancellationToken">Stops waiting for a free buffer.</param>
    /// <exception cref="ArgumentException">Wrong type or size.</exception>
    /// <exception cref="IOException">ffmpeg failed (the message carries its last error line).</exception>
    public void Write(Mat bgr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        if (bgr.Type() != MatType.CV_8UC3 || bgr.Width != Width || bgr.Height != Height)
        {
            throw new ArgumentException($"expected a {Width}x{Height} CV_8UC3 frame, got {bgr.Width}x{bgr.Height} {bgr.Type()}", nameof(bgr));
        }

        byte[] buffer = Rent(cancellationToken);
        int rowBytes = Width * 3;
        if (bgr.IsContinuous())
        {
            CopyRows(bgr.AsSpan<byte>(), rowBytes, buffer);
        }
        else
        {
            var rows = bgr.AsRows<Vec3b>();
            for (int y = 0; y < Height; y++)
            {
                MemoryMarshal.AsBytes(rows[y]).CopyTo(buffer.AsSpan(y * EncodedWidth * 3, rowBytes));
            }

            PadEdges(buffer);
        }

        Submit(buffer);
    }

    /// <summary>Appends one frame given as packed BGR bytes, <see cref="Width"/> × <see cref="Height"/> × 3, row after row.</summary>
    /// <param name="bgr">The pixels; copied.</param>
    /// <param name="cancellationToken">Stops waiting for a free buffer.</param>
    public void Write(ReadOnlySpan<byte> bgr, CancellationToken cancellationToken = default)
    {
        if (bgr.Length != Width * Height * 3)
        {
            throw new ArgumentException($"expected {Width * Height * 3} bytes of BGR, got {bgr.Length}", nameof(bgr));
        }

        byte[] buffer = Rent(cancellationToken);
        CopyRows(bgr, Width * 3, buffer);
        Submit(buffer);
    }

    /// <summary>Ends the stream, waits for ffmpeg to finish and moves the file into place.</summary>
    /// <param name="cancellationToken">Cancels the wait; the output is then discarded.</param>
    /// <exception cref="InvalidOperationException">No frame was written.</exception>
    /// <exception cref="IOException">ffmpeg failed.</exception>
    public void Complete(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return;
        }

        if (FramesWritten == 0)
        {
            throw new InvalidOperationException("no frames were written");
        }

        _full.Complete();
        _pump.Join();
        ThrowIfPumpFailed();
        _stdin.Close();
        using (cancellationToken.Register(() => KillQuietly(_process)))
        {
            _process.WaitForExit();
        }

        _stderrTask.GetAwaiter().GetResult();
        cancellationToken.ThrowIfCancellationRequested();
        if (_process.ExitCode != 0)
        {
            throw new IOException($"{Path}: ffmpeg failed with exit code {_process.ExitCode}: {StderrSummary()}");
        }

        _file.Commit();
        _completed = true;
    }

    /// <summary>Stops ffmpeg if it still runs and deletes the temporary file unless <see cref="Complete"/> succeeded.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_completed)
        {
            _full.Complete();
            KillQuietly(_process);
            _pump.Join();
            try
            {
                _stdin.Dispose();
            }
            catch (IOException)
            {
                // The pipe is broken because ffmpeg was killed.
            }

            _process.WaitForExit();
            _stderrTask.Wait();
        }

        _process.Dispose();
        _file.Dispose();
    }

    private List<string> BuildArguments(string output) => EncoderArguments(EncodedWidth, EncodedHeight, Fps, Settings, "pipe:0", output);

    /// <summary>
    /// The ffmpeg command line of the encoder: raw BGR frames from <paramref name="input"/> (a pipe or a file) to an
    /// MP4 at <paramref name="output"/>. Internal so the benchmark runs the ffmpeg CLI with exactly these settings.
    /// </summary>
    internal static List<string> EncoderArguments(int width, int height, double fps, H264EncoderSettings s, string input, string output)
    {
        string rate = H264EncoderSettings.FrameRateArgument(fps);
        string F(long v) => v.ToString(CultureInfo.InvariantCulture);
        return
        [
            "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-video_size", $"{width}x{height}", "-framerate", rate, "-i", input,
            "-an", "-sn", "-dn",
            "-vf", "scale=out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd,format=yuv420p",
            "-c:v", "libx264", "-preset", s.Preset, "-profile:v", "high", "-pix_fmt", "yuv420p",
            "-b:v", F(s.BitRate), "-maxrate", F(s.BitRate * 3 / 2), "-bufsize", F(s.BitRate * 2),
            "-g", F(s.GopLength), "-keyint_min", F(s.GopLength), "-sc_threshold", "0", "-bf", F(s.BFrames), "-flags", "+cgop",
            "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
            "-fps_mode", "cfr", "-r", rate,
            "-movflags", "+faststart", "-f", "mp4", output,
        ];
    }

    private byte[] Rent(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("the writer is complete");
        }

        ThrowIfPumpFailed();
        while (true)
        {
            if (_free.TryTake(out var buffer, 100, cancellationToken, out _))
            {
                return buffer;
            }

            ThrowIfPumpFailed();
        }
    }

    private void Submit(byte[] buffer)
    {
        _full.TryAdd(buffer);
        FramesWritten++;
    }

    private void CopyRows(ReadOnlySpan<byte> src, int rowBytes, byte[] buffer)
    {
        if (EncodedWidth == Width)
        {
            src[..(rowBytes * Height)].CopyTo(buffer);
        }
        else
        {
            int stride = EncodedWidth * 3;
            for (int y = 0; y < Height; y++)
            {
                src.Slice(y * rowBytes, rowBytes).CopyTo(buffer.AsSpan(y * stride, rowBytes));
            }
        }

        PadEdges(buffer);
    }

    /// <summary>Repeats the last column and row into the padding of an odd-sized frame.</summary>
    private void PadEdges(byte[] buffer)
    {
        int stride = EncodedWidth * 3;
        if (EncodedWidth != Width)
        {
            for (int y = 0; y < Height; y++)
            {
                int last = (y * stride) + ((Width - 1) * 3);
                buffer.AsSpan(last, 3).CopyTo(buffer.AsSpan(last + 3, 3));
            }
        }

        if (EncodedHeight != Height)
        {
            buffer.AsSpan((Height - 1) * stride, stride).CopyTo(buffer.AsSpan(Height * stride, stride));
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // a frame loop: see LabelVideoRenderer.Encode
    private void Pump()
    {
        try
        {
            while (_full.TryTake(out var buffer))
            {
                _stdin.Write(buffer, 0, _frameBytes);
                _free.TryAdd(buffer);
            }

            _stdin.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            _pumpError = e;
            _free.Complete();
        }
    }

    private void ThrowIfPumpFailed()
    {
        if (_pumpError is not null)
        {
            KillQuietly(_process);
            _process.WaitForExit();
            _stderrTask.Wait();
            throw new IOException($"{Path}: ffmpeg stopped reading frames: {StderrSummary()}", _pumpError);
        }
    }

    private async Task DrainStderr()
    {
        while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            _stderrTail.Enqueue(line);
            while (_stderrTail.Count > 20)
            {
                _stderrTail.TryDequeue(out _);
            }
        }
    }

    private string StderrSummary()
    {
        var lines = _stderrTail.ToArray().Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
        return lines.Length == 0 ? "no message" : lines[^1].Trim();
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
