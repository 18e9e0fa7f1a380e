using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using SegFuse.Media.Threading;
using SegFuse.Media.Tools;

namespace SegFuse.Media.Palette;

/// <summary>One decoded frame as planar 8-bit Y'CbCr 4:2:0 (limited range), planes in one buffer.</summary>
/// <remarks>The buffer belongs to the <see cref="YuvFrameSource"/> and is reused after the next read.</remarks>
internal readonly struct YuvFrame(byte[] buffer, int width, int height, int index)
{
    public int Index { get; } = index;

    /// <summary>The whole buffer: Y, then Cb, then Cr (see <see cref="UOffset"/>, <see cref="VOffset"/>).</summary>
    public byte[] Buffer { get; } = buffer;

    public int UOffset => Width * Height;

    public int VOffset => (Width * Height) + (ChromaWidth * ChromaHeight);

    public int Width { get; } = width;

    public int Height { get; } = height;

    public int ChromaWidth => (Width + 1) / 2;

    public int ChromaHeight => (Height + 1) / 2;

    public ReadOnlySpan<byte> Y => Buffer.AsSpan(0, Width * Height);

    public ReadOnlySpan<byte> U => Buffer.AsSpan(UOffset, ChromaWidth * ChromaHeight);

    public ReadOnlySpan<byte> V => Buffer.AsSpan(VOffset, ChromaWidth * ChromaHeight);
}

/// <summary>
/// Decodes a video to raw yuv420p frames through the system ffmpeg (every decoded frame, no frame-rate conversion).
/// SegFuse's palette decoder needs the untouched planes (full-resolution luma, subsampled chroma) that a BGR decode
/// would blur together. A reader thread keeps up to two frames ready while the caller works on the last.
/// </summary>
internal sealed class YuvFrameSource : IDisposable
{
    private const int BufferCount = 3;
    private readonly Process _process;
    private readonly Thread _reader;
    private readonly Handoff<byte[]> _free = new(BufferCount);
    private readonly Handoff<byte[]> _full = new(BufferCount);
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly Task _stderrTask;
    private readonly int _frameBytes;
    private byte[]? _current;
    private volatile Exception? _readError;
    private volatile int _partialBytes;
    private bool _disposed;

    private YuvFrameSource(string path, VideoProbe probe)
    {
        Path = path;
        Probe = probe;
        Width = probe.Width;
        Height = probe.Height;
        _frameBytes = (Width * Height) + (2 * ((Width + 1) / 2) * ((Height + 1) / 2));
        _process = FfmpegTools.Start(
            FfmpegTools.Ffmpeg,
            ["-v", "error", "-nostdin", "-i", path, "-map", "0:v:0", "-an", "-sn", "-dn", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"],
            redirectStdin: false);
        _stderrTask = Task.Run(async () =>
        {
            while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                _stderr.Enqueue(line);
                while (_stderr.Count > 20)
                {
                    _stderr.TryDequeue(out _);
                }
            }
        });
        for (int i = 0; i < BufferCount; i++)
        {
            _free.TryAdd(new byte[_frameBytes]);
        }

        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "ffmpeg yuv reader" };
        _reader.Start();
    }

    public string Path { get; }

    public VideoProbe Probe { get; }

    public int Width { get; }

    public int Height { get; }

    public int FramesRead { get; private set; }

    /// <summary>Opens <paramref name="path"/>.</summary>
    /// <exception cref="SegFuseInputException">Missing file, ffmpeg/ffprobe missing, or no video stream.</exception>
    public static YuvFrameSource Open(string path)
    {
        VideoFile.RequireNonEmpty(path);

        _ = FfmpegTools.Ffmpeg;
        var probe = VideoProbe.Run(path);
        if (probe.Width <= 0 || probe.Height <= 0)
        {
            throw new SegFuseInputException(path, "has no frame size (not a readable video)");
        }

        return new YuvFrameSource(path, probe);
    }

    /// <summary>The next frame; false at the end of the stream.</summary>
    /// <exception cref="SegFuseInputException">ffmpeg could not decode the file, it has no frames, or it ends early.</exception>
    public bool TryRead(out YuvFrame frame, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_current is not null)
        {
            _free.TryAdd(_current, CancellationToken.None);
            _current = null;
        }

        frame = default;
        if (!_full.TryTake(out var buffer, cancellationToken))
        {
            Finish();
            return false;
        }

        _current = buffer;
        frame = new YuvFrame(buffer, Width, Height, FramesRead);
        FramesRead++;
        return true;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
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

        _free.Complete();
        _full.Complete();
        _reader.Join();
        _process.WaitForExit();
        _stderrTask.Wait();
        _process.Dispose();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // a frame loop: see LabelVideoRenderer.Encode
    private void ReadLoop()
    {
        var stream = _process.StandardOutput.BaseStream;
        try
        {
            while (true)
            {
                if (!_free.TryTake(out var buffer))
                {
                    return;
                }

                int got = stream.ReadAtLeast(buffer, _frameBytes, throwOnEndOfStream: false);
                if (got < _frameBytes)
                {
                    _partialBytes = got;
                    return;
                }

                if (!_full.TryAdd(buffer))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            _readError = e;
        }
        finally
        {
            _full.Complete();
        }
    }

    private void Finish()
    {
        _reader.Join();
        _process.WaitForExit();
        _stderrTask.Wait();
        string message = _stderr.ToArray().LastOrDefault(l => !string.IsNullOrWhiteSpace(l))?.Trim() ?? "no message";
        bool failed = _process.ExitCode != 0 || _readError is not null;
        bool shortOfClaim = Probe.FrameCount is long claimed && FramesRead < claimed;
        if (FramesRead == 0)
        {
            throw new SegFuseInputException(
                Path,
                Probe.FrameCount is long c
                    ? $"truncated or corrupt: none of the {c} frames the container lists could be decoded (ffmpeg: {message})"
                    : failed ? $"cannot be decoded (ffmpeg: {message})" : "has no video frames (zero-frame video)");
        }

        if (shortOfClaim || _partialBytes > 0 || failed)
        {
            string of = Probe.FrameCount is long c ? $" of the {c} frames the container lists" : string.Empty;
            double fps = Probe.AverageFrameRate ?? Probe.FrameRate ?? 30;
            throw new SegFuseInputException(
                Path,
                string.Create(CultureInfo.InvariantCulture, $"truncated or corrupt: decoding stopped after {FramesRead}{of}, at about {(FramesRead - 1) / fps:0.###} s (frame {FramesRead - 1})"));
        }
    }
}
