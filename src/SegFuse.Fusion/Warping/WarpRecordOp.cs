using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SegFuse.Fusion.Engine;
using SegFuse.Fusion.Evidence;
using SegFuse.Timeline.Flow;

namespace SegFuse.Fusion.Warping;

/// <summary>
/// For every pixel of a target frame: where its content is in a neighbouring (source) frame, and how far that warp
/// can be trusted. The result is a warp record per pixel (<see cref="Warp.Record"/>): the sub-pixel displacement and
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
/// treated as a cut. The inner loop reads through refs (no bounds checks): every index is inside the frame by
/// construction (source positions are checked against the frame before they are used).</para>
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
        ref float d = ref MemoryMarshal.GetReference(_flow.Span);
        ReadOnlySpan<byte> dValid = _flow.HasValidMask ? _flow.ValidMask : default;
        bool consistency = _other is not null;
        ref float o = ref consistency ? ref MemoryMarshal.GetReference(_other!.Span) : ref Unsafe.NullRef<float>();
        ReadOnlySpan<byte> oValid = _other is { HasValidMask: true } ? _other.ValidMask : default;
        bool photometric = _targetGrey is not null && _sourceGrey is not null;
        ref byte tg = ref photometric ? ref MemoryMarshal.GetArrayDataReference(_targetGrey!) : ref Unsafe.NullRef<byte>();
        ref byte sg = ref photometric ? ref MemoryMarshal.GetArrayDataReference(_sourceGrey!) : ref Unsafe.NullRef<byte>();
        bool gradient = _gradient > 0;
        bool motion = _motionBoundary < 1f;
        var records = _records.AsSpan(y * w, w);
        records.Clear();
        ref uint rec = ref MemoryMarshal.GetReference(records);
        int inFrame = 0, failed = 0;
        int up = Math.Max(y - 1, 0) * w, down = Math.Min(y + 1, h - 1) * w;
        float maxX = w - 0.5f, maxY = h - 0.5f;
        for (int x = 0; x < w; x++)
        {
            int i = (y * w) + x;
            if (!dValid.IsEmpty && dValid[i] == 0)
            {
                continue;
            }

            float u = Unsafe.Add(ref d, 2 * i), v = Unsafe.Add(ref d, (2 * i) + 1);
            float px = x + u, py = y + v;
            if (!(px >= -0.5f && px < maxX && py >= -0.5f && py < maxY))
            {
                continue;
            }

            inFrame++;
            int s = ((int)(py + 0.5f) * w) + (int)(px + 0.5f);
            float r = 1f;
            bool fail = false;
            if (consistency)
            {
                if (!oValid.IsEmpty && oValid[s] == 0)
                {
                    fail = true;
                }
                else
                {
                    float ou = Unsafe.Add(ref o, 2 * s), ov = Unsafe.Add(ref o, (2 * s) + 1);
                    float cu = u + ou, cv = v + ov;
                    fail = (cu * cu) + (cv * cv) >= (0.01f * ((u * u) + (v * v) + (ou * ou) + (ov * ov))) + 0.5f;
                }
            }

            if (!fail && photometric)
            {
                float e = MathF.Abs(Unsafe.Add(ref tg, i) - Bilinear(ref sg, w, h, px, py));
                float tol = _tolerance;
                if (gradient)
                {
                    int left = x > 0 ? i - 1 : i, right = x < w - 1 ? i + 1 : i;
                    tol += _gradient * 0.5f * (Math.Abs(Unsafe.Add(ref tg, right) - Unsafe.Add(ref tg, left)) + Math.Abs(Unsafe.Add(ref tg, down + x) - Unsafe.Add(ref tg, up + x)));
                }

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

            if (motion)
            {
                float du = 0, dv = 0, eu = 0, ev = 0;
                if (x < w - 1)
                {
                    du = Unsafe.Add(ref d, (2 * i) + 2) - u;
                    dv = Unsafe.Add(ref d, (2 * i) + 3) - v;
                }

                if (y < h - 1)
                {
                    eu = Unsafe.Add(ref d, 2 * (i + w)) - u;
                    ev = Unsafe.Add(ref d, (2 * (i + w)) + 1) - v;
                }

                if ((du * du) + (dv * dv) + (eu * eu) + (ev * ev) > (0.01f * ((u * u) + (v * v))) + 0.002f)
                {
                    r *= _motionBoundary;
                }
            }

            uint q = (uint)((r * _scale) + 0.5f);
            if (q > 0)
            {
                Unsafe.Add(ref rec, x) = Warp.Record(u, v, q);
            }
        }

        _inFrame[y] = inFrame;
        _failed[y] = failed;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Bilinear(ref byte img, int w, int h, float px, float py)
    {
        // px, py lie in [−0.5, w − 0.5) × [−0.5, h − 0.5): clamp to the pixel centres, then interpolate.
        px = px < 0 ? 0 : px;
        py = py < 0 ? 0 : py;
        int x0 = (int)px, y0 = (int)py;
        int x1 = x0 < w - 1 ? x0 + 1 : x0, y1 = y0 < h - 1 ? y0 + 1 : y0;
        float fx = px - x0, fy = py - y0;
        int r0 = y0 * w, r1 = y1 * w;
        float a = Unsafe.Add(ref img, r0 + x0), b = Unsafe.Add(ref img, r0 + x1);
        float c = Unsafe.Add(ref img, r1 + x0), e = Unsafe.Add(ref img, r1 + x1);
        float top = a + (fx * (b - a));
        float bottom = c + (fx * (e - c));
        return top + (fy * (bottom - top));
    }
}

/// <summary>The parameters of one <see cref="WarpRecordOp"/> run.</summary>
/// <param name="Tolerance">Photometric tolerance τ in grey levels.</param>
/// <param name="Gradient">Extra tolerance α per grey level of gradient.</param>
/// <param name="MotionBoundary">Reliability factor on motion boundaries (1 = off).</param>
/// <param name="Scale">63 × the decay of this step: the record's q for a fully reliable pixel.</param>
internal readonly record struct WarpSettings(float Tolerance, float Gradient, float MotionBoundary, float Scale);
