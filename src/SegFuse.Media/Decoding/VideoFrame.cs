using OpenCvSharp;

namespace SegFuse.Media.Decoding;

/// <summary>One decoded frame of a <see cref="VideoFrameSource"/>.</summary>
/// <param name="Index">0-based position in decode order (the frame index of the design's data conventions).</param>
/// <param name="Timestamp">Presentation time in seconds (see <see cref="VideoFrameSource.TimestampSource"/> for where it came from).</param>
/// <param name="Image">The pixels, 8-bit BGR (<c>CV_8UC3</c>), <see cref="VideoInfo.Width"/> × <see cref="VideoInfo.Height"/>.</param>
/// <remarks>
/// <see cref="Image"/> is the source's one reused buffer: it does not transfer ownership, is overwritten by the next
/// <see cref="VideoFrameSource.TryRead"/> and disposed with the source. Do not dispose it; clone it to keep it.
/// </remarks>
public readonly record struct VideoFrame(int Index, double Timestamp, Mat Image);
