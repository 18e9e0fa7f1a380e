using System.Runtime.CompilerServices;
using SegFuse.Fusion.Engine;
using SegFuse.Fusion.Evidence;
using SegFuse.Timeline.Flow;

namespace SegFuse.Fusion.Warping;

/// <summary>
/// For every pixel of a target frame: where its content is in a neighbouring (source) frame, and how far that warp
/// can be trusted. The result is a warp record per pixel (<see cref="Warp.Record"/>): the sub-pixel source position and
/// q (0–63) = the reliability times the decay times 63, where 0 means "nothing to carry" (out of frame, unknown flow,
/// rejected).
/// </summary>
/// <remarks>
/// <para>The flow <c>d</c> maps target pixel x to x + d(x) in the source frame (class evidence is later taken from the
/// nearest source pixel, never interpolated). Reliability is the product of:</para>
/// <list type="bullet">
/// <item>forward-backward consistency, when the source frame's flow back to the target (<c>o</c>) is given:
/// |d(x) + o(x')|² &lt; 0.01 (|d|² + |o|²) + 0.5, else 0 (occlusions and wrong flow fail it);</item>
/// <item>a photometric check against the (slightly blurred) grey frames: the difference e between the target pixel and
/// the bilinearly sampled source is compared with a tolerance t = τ + α·|∇I| (sub-pixel errors show on edges):
/// 1 below t, 0 from 2t, linear between;</item>
/// <item>a motion-boundary factor where |∇d|² &gt; 0.01 |d|² + 0.002 (the flow of thin or fast-moving borders is least exact).</item>
/// </list>
/// <para>Per row it counts the in-frame pixels and those that failed a test, so a frame where most pixels fail is
/// treated as a cut.</para>
/// </remarks>
internal readonly struct WarpRecordOp : IRowOperation
{
    private readonly FlowField _flow;
    private readonly FlowField? _other;
    private readonly byte[]? _targetGrey;
    private readonly byte[]? _sourceGrey;
    private readonly uint[] _records;
    private readonly int[] _inFrame;
    private readonly int[] _failed;
    private readonly float _tolerance;
    private readonly float _gradient;
    private readonly float _motionBoundary;
    private readonly float _scale;
    private readonly int _width;
    private readonly int _height;

    public WarpRecordOp(
        FlowField flow,
        FlowField? other,
        byte[]? targetGrey,
        byte[]? sourceGrey,
        uint[] records,
        int[] inFrame,
        int[] failed,
        in WarpSettings settings)
    {
        _flow = flow;
        _other = other;
        _targetGrey = targetGrey;
        _sourceGrey = targetGrey is null ? null : sourceGrey;
        _records = records;
        _inFrame = inFrame;
        _failed = failed;
        _tolerance = settings.Tolerance;
        _gradient = settings.Gradient;
        _motionBoundary = settings.MotionBoundary;
        _scale = settings.Scale;
        _width = flow.Width;
        _height = flow.Height;
    }

    public void Invoke(int y)
    {
        int w = _width, h = _height;
        ReadOnlySpan<float> d = _flow.Span;
        ReadOnlySpan<byte> dValid = _flow.HasValidMask ? _flow.ValidMask : default;
        ReadOnlySpan<float> o = _other is null ? default : _other.Span;
        ReadOnlySpan<byte> oValid = _other is { HasValidMask: true } ? _other.ValidMask : default;
        bool photometric = _targetGrey is not null;
        ReadOnlySpan<byte> tg = _targetGrey;
        ReadOnlySpan<byte> sg = _sourceGrey;
        var records = _records.AsSpan(y * w, w);
        int inFrame = 0, failed = 0;
        int up = Math.Max(y - 1, 0) * w, down = Math.Min(y + 1, h - 1) * w;
        for (int x = 0; x < w; x++)
        {
            int i = (y * w) + x;
            records[x] = 0;
            if (!dValid.IsEmpty && dValid[i] == 0)
            {
                continue;
            }

            float u = d[2 * i], v = d[(2 * i) + 1];
            float px = x + u, py = y + v;
            if (!(px >= -0.5f && px < w - 0.5f && py >= -0.5f && py < h - 0.5f))
            {
                continue;
            }

            inFrame++;
            int sx = (int)(px + 0.5f), sy = (int)(py + 0.5f);
            int s = (sy * w) + sx;
            float r = 1f;
            bool fail = false;
            if (!o.IsEmpty)
            {
                if (!oValid.IsEmpty && oValid[s] == 0)
                {
                    fail = true;
                }
                else
                {
                    float ou = o[2 * s], ov = o[(2 * s) + 1];
                    float cu = u + ou, cv = v + ov;
                    fail = (cu * cu) + (cv * cv) >= (0.01f * ((u * u) + (v * v) + (ou * ou) + (ov * ov))) + 0.5f;
                }
            }

            if (!fail && photometric)
            {
                float e = MathF.Abs(tg[i] - Bilinear(sg, w, h, px, py));
                int left = x > 0 ? i - 1 : i, right = x < w - 1 ? i + 1 : i;
                float g = 0.5f * (Math.Abs(tg[right] - tg[left]) + Math.Abs(tg[down + x] - tg[up + x]));
                float tol = _tolerance + (_gradient * g);
                if (e >= 2 * tol)
                {
                    fail = true;
                }
                else if (e > tol)
                {
                    r = 2f - (e / tol);
                }
            }

            if (fail)
            {
                failed++;
                continue;
            }

            if (_motionBoundary < 1f)
            {
                float du = x < w - 1 ? d[(2 * i) + 2] - u : 0f, dv = x < w - 1 ? d[(2 * i) + 3] - v : 0f;
                float eu = y < h - 1 ? d[2 * (i + w)] - u : 0f, ev = y < h - 1 ? d[(2 * (i + w)) + 1] - v : 0f;
                if ((du * du) + (dv * dv) + (eu * eu) + (ev * ev) > (0.01f * ((u * u) + (v * v))) + 0.002f)
                {
                    r *= _motionBoundary;
                }
            }

            uint q = (uint)((r * _scale) + 0.5f);
            if (q > 0)
            {
                records[x] = Warp.Record(u, v, q);
            }
        }

        _inFrame[y] = inFrame;
        _failed[y] = failed;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Bilinear(ReadOnlySpan<byte> img, int w, int h, float px, float py)
    {
        px = Math.Clamp(px, 0f, w - 1);
        py = Math.Clamp(py, 0f, h - 1);
        int x0 = (int)px, y0 = (int)py;
        int x1 = Math.Min(x0 + 1, w - 1), y1 = Math.Min(y0 + 1, h - 1);
        float fx = px - x0, fy = py - y0;
        float top = img[(y0 * w) + x0] + (fx * (img[(y0 * w) + x1] - img[(y0 * w) + x0]));
        float bottom = img[(y1 * w) + x0] + (fx * (img[(y1 * w) + x1] - img[(y1 * w) + x0]));
        return top + (fy * (bottom - top));
    }
}

/// <summary>The parameters of one <see cref="WarpRecordOp"/> run.</summary>
/// <param name="Tolerance">Photometric tolerance τ in grey levels.</param>
/// <param name="Gradient">Extra tolerance α per grey level of gradient.</param>
/// <param name="MotionBoundary">Reliability factor on motion boundaries (1 = off).</param>
/// <param name="Scale">63 × the decay of this step: the record's q for a fully reliable pixel.</param>
internal readonly record struct WarpSettings(float Tolerance, float Gradient, float MotionBoundary, float Scale);
