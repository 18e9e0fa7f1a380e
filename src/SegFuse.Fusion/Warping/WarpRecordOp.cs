using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SegFuse.Fusion.Engine;
using SegFuse.Fusion.Evidence;
using SegFuse.Timeline.Flow;

namespace SegFuse.Fusion.Warping;

/// <summary>
/// For every pixel of a target frame: where its content is in a neighbouring (source) frame, and how far that warp
/// can be trusted. The result is a warp record per pixel (<see cref="Warp.Record"/>): the sub-pixel displacement and
/// q (0–63) = the reliability times the decay times 63, where 0 means "nothing to carry". A record of 0 is a pixel whose
/// content is out of the frame, whose flow is unknown or does not fit a record; a rejected pixel (a failed test, or a
/// weight that rounds to 0) gets a <see cref="Warp.Rejected"/> record, which keeps its displacement for
/// <see cref="Warp.FillRejected"/>.
/// </summary>
/// <remarks>
/// <para>The flow <c>d</c> maps target pixel x to x + d(x) in the source frame (class evidence is later taken from the
/// nearest source pixel, never interpolated). Reliability is the product of:</para>
/// <list type="bullet">
/// <item>forward-backward consistency, when the source frame's flow back to the target (<c>o</c>) is given:
/// |d(x) + o(x')|² &lt; 0.01 (|d|² + |o|²) + 0.5, else 0 (occlusions and wrong flow fail it);</item>
/// <item>a photometric check against the grey frames: the difference e between the target pixel and
/// the bilinearly sampled source is compared with a tolerance t = τ + α·|∇I| (sub-pixel errors show on edges):
/// 1 below t, 0 from 2t, linear between;</item>
/// <item>a motion-boundary factor where |∇d|² &gt; 0.01 |d|² + 0.002 (the flow of thin or fast-moving borders is least exact).</item>
/// </list>
/// <para>Per row it counts the in-frame pixels and those that failed a test, so a frame where most pixels fail is
/// treated as a cut. The inner loop reads through refs (no bounds checks): every index is inside the frame by
/// construction (source positions are checked against the frame before they are used).</para>
/// <para>With AVX2 eight pixels are done at once (<see cref="InvokeAvx2"/>): the lookups into the other flow and the
/// source image are hardware gathers. There is no 128-bit tier because SSE has no gather; without AVX2 the scalar
/// loop runs. Both compute the same single-precision operations in the same order, so the records are identical
/// (tested by forcing the scalar path).</para>
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

    /// <summary>Forces the scalar loop (tests compare it with the vector one).</summary>
    internal static bool ForceScalar { get; set; }

    /// <summary>Bytes a grey frame must have beyond width × height for the vector path's 4-byte gathers.</summary>
    internal const int GreyPadding = 4;

    public void Invoke(int y)
    {
        int w = _width;
        int n = w * _height;
        bool padded = _targetGrey is null || (_targetGrey.Length >= n + GreyPadding && _sourceGrey!.Length >= n + GreyPadding);
        if (Avx2.IsSupported && !ForceScalar && w >= 16 && _gradient == 0 && !_flow.HasValidMask && _other is not { HasValidMask: true } && padded)
        {
            InvokeAvx2(y);
            return;
        }

        InvokeScalar(y, 0);
    }

    private void InvokeScalar(int y, int startX)
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
        records[startX..].Clear();
        ref uint rec = ref MemoryMarshal.GetReference(records);
        int inFrame = 0, failed = 0;
        int up = Math.Max(y - 1, 0) * w, down = Math.Min(y + 1, h - 1) * w;
        float maxX = w - 0.5f, maxY = h - 0.5f;
        for (int x = startX; x < w; x++)
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
                // Rejected inside the frame: nothing is carried, but the displacement is kept for the disocclusion
                // fill (Warp.FillRejected), which looks for a neighbour moving the same way.
                failed++;
                Unsafe.Add(ref rec, x) = Warp.Rejected(u, v);
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
            Unsafe.Add(ref rec, x) = q > 0 ? Warp.Record(u, v, q) : Warp.Rejected(u, v);
        }

        if (startX == 0)
        {
            _inFrame[y] = inFrame;
            _failed[y] = failed;
        }
        else
        {
            _inFrame[y] += inFrame;
            _failed[y] += failed;
        }
    }

    /// <summary>
    /// Eight pixels at a time with AVX2, then the row's tail (and the last pixel, whose right neighbour is missing)
    /// through the scalar loop. Lanes are pixels x … x + 7 of row y.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void InvokeAvx2(int y)
    {
        int w = _width, h = _height;
        bool consistency = _other is not null;
        bool photometric = _targetGrey is not null;
        bool motion = _motionBoundary < 1f;
        int rowBase = y * w;
        int inFrame = 0, failed = 0;
        var lane = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
        var iota = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var half = Vector256.Create(0.5f);
        var minusHalf = Vector256.Create(-0.5f);
        var maxX = Vector256.Create(w - 0.5f);
        var maxY = Vector256.Create(h - 0.5f);
        var fy0 = Vector256.Create((float)y);
        var width = Vector256.Create(w);
        var lastX = Vector256.Create(w - 1);
        var lastY = Vector256.Create(h - 1);
        var one = Vector256.Create(1f);
        var two = Vector256.Create(2f);
        var hundredth = Vector256.Create(0.01f);
        var consistencySlack = Vector256.Create(0.5f);
        var boundarySlack = Vector256.Create(0.002f);
        var tol = Vector256.Create(_tolerance);
        var twoTol = Vector256.Create(2 * _tolerance);
        var mb = Vector256.Create(_motionBoundary);
        var scale = Vector256.Create(_scale);
        var recordScale = Vector256.Create((float)Warp.RecordScale);
        var maxDisplacement = Vector256.Create(Warp.MaxDisplacement);
        var maxQ = Vector256.Create((int)Warp.MaxWeight);
        var byteMask = Vector256.Create(0xFF);
        var coordMask = Vector256.Create(0x1FFF);
        fixed (float* d = _flow.Span)
        fixed (float* o = consistency ? _other!.Span : default)
        fixed (byte* tg = _targetGrey)
        fixed (byte* sg = _sourceGrey)
        fixed (uint* rec = _records)
        {
            int x = 0;

            // Stop before the last pixel so that the right neighbour (motion boundaries) is always in the row.
            for (; x + 8 < w; x += 8)
            {
                int i = rowBase + x;

                // De-interleave u0 v0 … u7 v7: in-lane shuffles, then put the 64-bit halves in order.
                var (u, v) = Load8(d + (2 * i));
                var px = Avx.Add(Avx.Add(Vector256.Create((float)x), lane), u);
                var py = Avx.Add(fy0, v);
                var inside = Avx.And(
                    Avx.And(Avx.CompareGreaterThanOrEqual(px, minusHalf), Avx.CompareLessThan(px, maxX)),
                    Avx.And(Avx.CompareGreaterThanOrEqual(py, minusHalf), Avx.CompareLessThan(py, maxY)));
                int insideBits = Avx.MoveMask(inside);
                if (insideBits == 0)
                {
                    Avx.Store(rec + i, Vector256<uint>.Zero);
                    continue;
                }

                // Nearest source pixel; lanes outside the frame look at pixel 0 (their result is masked out).
                var sx = Avx.ConvertToVector256Int32WithTruncation(Avx.Add(px, half));
                var sy = Avx.ConvertToVector256Int32WithTruncation(Avx.Add(py, half));
                var s = Avx2.And(Avx2.Add(Avx2.MultiplyLow(sy, width), sx), inside.AsInt32());
                var fail = Vector256<float>.Zero;
                if (consistency)
                {
                    // Where the eight source pixels are consecutive (smooth flow), one plain load replaces the gathers.
                    Vector256<float> ou, ov;
                    int s0 = s.ToScalar();
                    if (Avx.MoveMask(Avx2.CompareEqual(s, Avx2.Add(Vector256.Create(s0), iota)).AsSingle()) == 0xFF)
                    {
                        (ou, ov) = Load8(o + (2 * s0));
                    }
                    else
                    {
                        var s2 = Avx2.ShiftLeftLogical(s, 1);
                        ou = Avx2.GatherVector256(o, s2, 4);
                        ov = Avx2.GatherVector256(o + 1, s2, 4);
                    }

                    var cu = Avx.Add(u, ou);
                    var cv = Avx.Add(v, ov);
                    var lhs = Avx.Add(Avx.Multiply(cu, cu), Avx.Multiply(cv, cv));
                    // Same association as the scalar loop: ((u² + v²) + ou²) + ov².
                    var norms = Avx.Add(Avx.Add(Avx.Add(Avx.Multiply(u, u), Avx.Multiply(v, v)), Avx.Multiply(ou, ou)), Avx.Multiply(ov, ov));
                    var rhs = Avx.Add(Avx.Multiply(hundredth, norms), consistencySlack);
                    fail = Avx.CompareGreaterThanOrEqual(lhs, rhs);
                }

                var r = one;
                if (photometric)
                {
                    // Bilinear source sample: one 4-byte gather per source row gives the pixel and its right neighbour.
                    var cx = Avx.Max(px, Vector256<float>.Zero);
                    var cy = Avx.Max(py, Vector256<float>.Zero);
                    var x0 = Avx.ConvertToVector256Int32WithTruncation(cx);
                    var y0 = Avx.ConvertToVector256Int32WithTruncation(cy);
                    var fx = Avx.Subtract(cx, Avx.ConvertToVector256Single(x0));
                    var fyv = Avx.Subtract(cy, Avx.ConvertToVector256Single(y0));
                    var r0 = Avx2.And(Avx2.Add(Avx2.MultiplyLow(y0, width), x0), inside.AsInt32());
                    var r1 = Avx2.Add(r0, Avx2.AndNot(Avx2.CompareEqual(y0, lastY), width));
                    var atRight = Avx2.CompareEqual(x0, lastX);
                    var (a, b) = Pairs(sg, r0, iota, byteMask);
                    var (c, e) = Pairs(sg, r1, iota, byteMask);
                    b = Avx2.BlendVariable(b, a, atRight);
                    e = Avx2.BlendVariable(e, c, atRight);
                    var fa = Avx.ConvertToVector256Single(a);
                    var fc = Avx.ConvertToVector256Single(c);
                    var t = Avx.Add(fa, Avx.Multiply(fx, Avx.Subtract(Avx.ConvertToVector256Single(b), fa)));
                    var bo = Avx.Add(fc, Avx.Multiply(fx, Avx.Subtract(Avx.ConvertToVector256Single(e), fc)));
                    var sample = Avx.Add(t, Avx.Multiply(fyv, Avx.Subtract(bo, t)));
                    var target = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(tg + i));
                    var diff = Avx.AndNot(Vector256.Create(-0f), Avx.Subtract(target, sample));
                    fail = Avx.Or(fail, Avx.CompareGreaterThanOrEqual(diff, twoTol));
                    r = Avx.Min(one, Avx.Subtract(two, Avx.Divide(diff, tol)));
                }

                if (motion)
                {
                    var (un, vn) = Load8(d + (2 * i) + 2);
                    var du = Avx.Subtract(un, u);
                    var dv = Avx.Subtract(vn, v);
                    var grad = Avx.Add(Avx.Multiply(du, du), Avx.Multiply(dv, dv));
                    if (y < h - 1)
                    {
                        var (ud, vd) = Load8(d + (2 * (i + w)));
                        var eu = Avx.Subtract(ud, u);
                        var ev = Avx.Subtract(vd, v);
                        grad = Avx.Add(Avx.Add(grad, Avx.Multiply(eu, eu)), Avx.Multiply(ev, ev));
                    }

                    var limit = Avx.Add(Avx.Multiply(hundredth, Avx.Add(Avx.Multiply(u, u), Avx.Multiply(v, v))), boundarySlack);
                    r = Avx.BlendVariable(r, Avx.Multiply(r, mb), Avx.CompareGreaterThan(grad, limit));
                }

                int failBits = Avx.MoveMask(fail) & insideBits;
                inFrame += BitOperations.PopCount((uint)insideBits);
                failed += BitOperations.PopCount((uint)failBits);

                // q = (uint)(r · scale + 0.5), capped at 63; kept where the pixel is inside, passed, and its
                // displacement fits a record.
                var q = Avx2.Min(Avx.ConvertToVector256Int32WithTruncation(Avx.Add(Avx.Multiply(r, scale), half)), maxQ);
                var fits = Avx.And(
                    Avx.CompareLessThanOrEqual(Avx.AndNot(Vector256.Create(-0f), u), maxDisplacement),
                    Avx.CompareLessThanOrEqual(Avx.AndNot(Vector256.Create(-0f), v), maxDisplacement));
                var keep = Avx.AndNot(fail, Avx.And(inside, fits)).AsInt32();
                var dxq = Avx2.And(Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(u, recordScale))), coordMask);
                var dyq = Avx2.And(Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v, recordScale))), coordMask);
                var record = Avx2.Or(Avx2.Or(dxq, Avx2.ShiftLeftLogical(dyq, 13)), Avx2.ShiftLeftLogical(q, 26));
                // Rejected pixels inside the frame: the displacement with q = 0 and the lowest bit set (Warp.Rejected).
                var rejected = Avx2.And(Avx2.Or(Avx2.Or(dxq, Avx2.ShiftLeftLogical(dyq, 13)), Vector256.Create(1)), Avx.And(inside, fits).AsInt32());
                Avx.Store(rec + i, Avx2.BlendVariable(rejected, record, Avx2.And(keep, Avx2.CompareGreaterThan(q, Vector256<int>.Zero))).AsUInt32());
            }

            _inFrame[y] = inFrame;
            _failed[y] = failed;
            InvokeScalar(y, x);
        }
    }

    /// <summary>
    /// The grey levels at <paramref name="index"/> and at index + 1 of eight lanes: one 4-byte gather per lane, or two
    /// 8-byte loads where the indices are consecutive. Reads up to 4 bytes past the last index (<see cref="GreyPadding"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe (Vector256<int> At, Vector256<int> Next) Pairs(byte* grey, Vector256<int> index, Vector256<int> iota, Vector256<int> byteMask)
    {
        int i0 = index.ToScalar();
        if (Avx.MoveMask(Avx2.CompareEqual(index, Avx2.Add(Vector256.Create(i0), iota)).AsSingle()) == 0xFF)
        {
            return (Avx2.ConvertToVector256Int32(grey + i0), Avx2.ConvertToVector256Int32(grey + i0 + 1));
        }

        var g = Avx2.GatherVector256((int*)grey, index, 1);
        return (Avx2.And(g, byteMask), Avx2.And(Avx2.ShiftRightLogical(g, 8), byteMask));
    }

    /// <summary>Loads u0 v0 … u7 v7 and returns (u0 … u7, v0 … v7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe (Vector256<float> U, Vector256<float> V) Load8(float* p)
    {
        var lo = Avx.LoadVector256(p);
        var hi = Avx.LoadVector256(p + 8);

        // Within each 128-bit lane: (lo, hi) → u's and v's of that lane, then order the 64-bit quarters 0, 2, 1, 3.
        var u = Avx.Shuffle(lo, hi, 0b10_00_10_00);
        var v = Avx.Shuffle(lo, hi, 0b11_01_11_01);
        u = Avx2.Permute4x64(u.AsDouble(), 0b11_01_10_00).AsSingle();
        v = Avx2.Permute4x64(v.AsDouble(), 0b11_01_10_00).AsSingle();
        return (u, v);
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
