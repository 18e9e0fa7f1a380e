using SegFuse.Labels;
using SegFuse.Synthetic.Render;

namespace SegFuse.Synthetic;

/// <summary>
/// One generated frame: the image, its exact ground truth and flow, and the noisy per-frame prediction.
/// </summary>
/// <remarks>
/// The frame owns pooled buffers: dispose it when done so that the generator can reuse them (a frame that is
/// not disposed is simply collected). Do not use a frame after disposing it.
/// Flow follows SegFuse's convention: the backward flow of frame t maps pixel x to x + f(x) in frame t−1, the
/// forward flow to frame t+1; pixel centres are at integer coordinates. Frame 0 has no backward flow and the
/// last frame no forward flow (their spans are empty).
/// </remarks>
public sealed class SyntheticFrame : IDisposable
{
    private FrameBuffers? _buffers;
    private readonly Action<FrameBuffers>? _return;

    internal SyntheticFrame(int index, double timestamp, SplitPart split, bool hasBackward, bool hasForward, FrameBuffers buffers, Action<FrameBuffers>? returnBuffers)
    {
        Index = index;
        Timestamp = timestamp;
        Split = split;
        HasBackwardFlow = hasBackward;
        HasForwardFlow = hasForward;
        _buffers = buffers;
        _return = returnBuffers;
    }

    /// <summary>Frame index, 0-based.</summary>
    public int Index { get; }

    /// <summary>Presentation time in seconds (index / fps).</summary>
    public double Timestamp { get; }

    /// <summary>Which split the frame belongs to.</summary>
    public SplitPart Split { get; }

    /// <summary>Width in pixels.</summary>
    public int Width => Buffers.Render.Width;

    /// <summary>Height in pixels.</summary>
    public int Height => Buffers.Render.Height;

    /// <summary>The image: 3 bytes per pixel, B, G, R, rows top to bottom without padding.</summary>
    public ReadOnlySpan<byte> Bgr => Buffers.Render.Bgr;

    /// <summary>Ground-truth labels, Cityscapes train ids (0 road … 10 sky, 11 person, 13 car …).</summary>
    public LabelMap GroundTruth => Buffers.Render.Labels;

    /// <summary>The imitated per-frame network prediction, Cityscapes train ids.</summary>
    public LabelMap Prediction => Buffers.Prediction;

    /// <summary>Depth along the optical axis per pixel, metres (+∞ for sky).</summary>
    public ReadOnlySpan<float> Depth => Buffers.Render.Depth;

    /// <summary>Whether <see cref="BackwardFlow"/> is given (every frame but the first).</summary>
    public bool HasBackwardFlow { get; }

    /// <summary>Whether <see cref="ForwardFlow"/> is given (every frame but the last).</summary>
    public bool HasForwardFlow { get; }

    /// <summary>Exact backward flow (u, v interleaved, Width·Height·2 floats), empty for frame 0.</summary>
    public ReadOnlySpan<float> BackwardFlow => HasBackwardFlow ? Buffers.Render.FlowBackward : [];

    /// <summary>Exact forward flow (u, v interleaved), empty for the last frame.</summary>
    public ReadOnlySpan<float> ForwardFlow => HasForwardFlow ? Buffers.Render.FlowForward : [];

    /// <summary>
    /// 1 where the pixel's surface point is not visible in the previous frame (hidden behind something else, or outside
    /// the image), else 0; empty for frame 0.
    /// </summary>
    public ReadOnlySpan<byte> BackwardOcclusion => HasBackwardFlow ? Buffers.OcclusionBackward : [];

    /// <summary>1 where the pixel's surface point is not visible in the next frame, else 0; empty for the last frame.</summary>
    public ReadOnlySpan<byte> ForwardOcclusion => HasForwardFlow ? Buffers.OcclusionForward : [];

    /// <summary>Object instance per pixel (0 for road, sky, blocks); two pixels of one pole share it.</summary>
    internal ReadOnlySpan<int> Instances => Buffers.Render.Instance;

    /// <summary>Surface identity per pixel (0 sky, 1 road, 2 + prism index).</summary>
    internal ReadOnlySpan<int> SurfaceIds => Buffers.Render.Id;

    private FrameBuffers Buffers
    {
        get
        {
            ObjectDisposedException.ThrowIf(_buffers is null, this);
            return _buffers;
        }
    }

    /// <summary>Hands the buffers back to the generator.</summary>
    public void Dispose()
    {
        var buffers = Interlocked.Exchange(ref _buffers, null);
        if (buffers is not null)
        {
            _return?.Invoke(buffers);
        }
    }
}

/// <summary>All buffers of one frame, pooled by the generator.</summary>
internal sealed class FrameBuffers(int width, int height)
{
    public RenderBuffers Render { get; } = new(width, height);

    public LabelMap Prediction { get; } = new(width, height);

    public byte[] OcclusionBackward { get; } = new byte[width * height];

    public byte[] OcclusionForward { get; } = new byte[width * height];
}
