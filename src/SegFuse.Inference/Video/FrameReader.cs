using OpenCvSharp;

namespace SegFuse.Inference.Video;

/// <summary>
/// Reads a video's frames in decode order into a caller's <see cref="Mat"/> (8-bit BGR), one reused buffer per
/// loop: <see cref="TryRead"/> is false at the end of the stream.
/// </summary>
internal sealed class FrameReader : IDisposable
{
    private readonly VideoCapture _capture;
    private int _next;

    private FrameReader(string path, VideoCapture capture)
    {
        Path = path;
        _capture = capture;
        Width = capture.FrameWidth;
        Height = capture.FrameHeight;
        Fps = capture.Fps;
        FrameCountHint = Math.Max(capture.FrameCount, 0);
    }

    public string Path { get; }

    public int Width { get; }

    public int Height { get; }

    public double Fps { get; }

    /// <summary>The container's frame count; may be approximate or 0 when unknown.</summary>
    public int FrameCountHint { get; }

    /// <summary>Opens <paramref name="path"/> for decoding.</summary>
    /// <exception cref="SegFuseInputException">Missing file, or no decodable video stream.</exception>
    public static FrameReader Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new SegFuseInputException(path, "no such file");
        }

        var capture = new VideoCapture(path);
        if (!capture.IsOpened() || capture.FrameWidth <= 0 || capture.FrameHeight <= 0)
        {
            capture.Dispose();
            throw new SegFuseInputException(path, "not a readable video (no decodable video stream)");
        }

        return new FrameReader(path, capture);
    }

    /// <summary>Decodes the next frame into <paramref name="frame"/>; false at the end of the stream.</summary>
    /// <param name="frame">Receives the frame; reallocated by OpenCV only when its size or type differs.</param>
    /// <param name="index">The frame's 0-based index in decode order.</param>
    public bool TryRead(Mat frame, out int index)
    {
        index = _next;
        if (!_capture.Read(frame) || frame.Empty())
        {
            return false;
        }

        if (frame.Type() != MatType.CV_8UC3)
        {
            throw new InvalidOperationException($"{Path}: frame {index} decoded as {frame.Type()}, expected 8-bit BGR");
        }

        _next++;
        return true;
    }

    public void Dispose() => _capture.Dispose();
}
