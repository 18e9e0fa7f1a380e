using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SegFuse.Fusion.Evidence;

/// <summary>
/// Moves evidence along a warp record. A record (one <see cref="uint"/> per target pixel) holds the displacement from
/// the target pixel to where its content lies in the source frame, and how much to carry:
/// bits 0–12 dx and 13–25 dy (signed, 1/32 px, ±127.97 px), bits 26–31 q = 63 × reliability × decay (0 = nothing).
/// Evidence is never interpolated between classes: the nearest source pixel is taken, but the choice accounts for
/// that pixel's sub-pixel residual, and the new residual is what is left over.
/// </summary>
/// <remarks>
/// Without the residual, a constant flow of 0.4 px per frame rounds to 0 every frame and the carried evidence stands
/// still while the scene moves; with it, the residual grows by 0.4 each frame until the rounding steps one pixel, as
/// the scene does. On the in-memory layered test sequence this is the difference between +9.7 and +14 mIoU points.
/// </remarks>
internal static class Warp
{
    /// <summary>Fixed-point steps per pixel of a record's displacement.</summary>
    public const int RecordScale = 32;

    /// <summary>The largest displacement a record holds, in pixels; larger ones carry nothing.</summary>
    public const float MaxDisplacement = 127.9f;

    /// <summary>The largest q.</summary>
    public const uint MaxWeight = 63;

    /// <summary>The largest frame side fusion handles (residual arithmetic in 1/128 px stays within 32 bits).</summary>
    public const int MaxSide = 8192;

    private static readonly uint[] Factors = MakeFactors();

    /// <summary>Packs a record: displacement (<paramref name="dx"/>, <paramref name="dy"/>) in pixels and weight q (0…63); a displacement beyond ±127.9 px gives an empty record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Record(float dx, float dy, uint q)
    {
        if (!(MathF.Abs(dx) <= MaxDisplacement && MathF.Abs(dy) <= MaxDisplacement))
        {
            return 0;
        }

        uint x = (uint)(int)MathF.Round(dx * RecordScale) & 0x1FFF;
        uint y = (uint)(int)MathF.Round(dy * RecordScale) & 0x1FFF;
        return x | (y << 13) | (Math.Min(q, MaxWeight) << 26);
    }

    /// <summary>
    /// The record of a pixel whose warp was rejected: nothing is carried (q = 0), but the displacement is kept for
    /// <see cref="FillRejected"/>, its lowest bit set (1/32 px in x) so that the record is never 0, which means out of
    /// the frame. A displacement beyond ±127.9 px gives 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Rejected(float dx, float dy) =>
        MathF.Abs(dx) <= MaxDisplacement && MathF.Abs(dy) <= MaxDisplacement ? Record(dx, dy, 0) | 1 : 0;

    /// <summary>The record's weight q (0 = nothing carried).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Weight(uint record) => record >> 26;

    /// <summary>The record's displacement in 1/32 px.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Dx, int Dy) Displacement(uint record) => (((int)(record << 19)) >> 19, ((int)(record << 6)) >> 19);

    /// <summary>The source pixel nearest to where target pixel (<paramref name="x"/>, <paramref name="y"/>) points, ignoring residuals, clamped to the frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NearestIndex(uint record, int x, int y, int width, int height)
    {
        var (dx, dy) = Displacement(record);
        int sx = Math.Clamp(((x * RecordScale) + dx + (RecordScale / 2)) >> 5, 0, width - 1);
        int sy = Math.Clamp(((y * RecordScale) + dy + (RecordScale / 2)) >> 5, 0, height - 1);
        return (sy * width) + sx;
    }

    /// <summary>
    /// The evidence of <paramref name="source"/> carried along <paramref name="record"/> into target pixel
    /// (<paramref name="x"/>, <paramref name="y"/>): taken from the source pixel nearest to the position minus that
    /// pixel's residual, scaled by the record's weight, with the new residual. Empty when the record carries nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Carry(ReadOnlySpan<ulong> source, uint record, int x, int y, int width, int height)
    {
        if (source.Length < width * height)
        {
            throw new ArgumentException("the source is smaller than the frame", nameof(source));
        }

        return Carry(ref MemoryMarshal.GetReference(source), record, x, y, width, height);
    }

    /// <summary>
    /// <see cref="Carry(ReadOnlySpan{ulong}, uint, int, int, int, int)"/> on a ref to the first of width × height
    /// source pixels: every index is clamped into the frame, so there are no bounds checks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Carry(ref ulong source, uint record, int x, int y, int width, int height)
    {
        uint q = record >> 26;
        if (q == 0)
        {
            return EvidenceOps.Empty;
        }

        // Source position in 1/128 px, pixel centres at multiples of 128 (the record holds 1/32 px).
        int px = (x * 128) + ((((int)(record << 19)) >> 19) * 4);
        int py = (y * 128) + ((((int)(record << 6)) >> 19) * 4);
        int sx = Math.Clamp((px + 64) >> 7, 0, width - 1);
        int sy = Math.Clamp((py + 64) >> 7, 0, height - 1);
        ulong e = Unsafe.Add(ref source, (sy * width) + sx);
        int rx = EvidenceOps.ResidualX(e), ry = EvidenceOps.ResidualY(e);
        if ((rx | ry) != 0)
        {
            // The source pixel's evidence really sits at (sx, sy) + residual: try the pixel whose evidence is nearest.
            int tx = Math.Clamp((px - rx + 64) >> 7, 0, width - 1);
            int ty = Math.Clamp((py - ry + 64) >> 7, 0, height - 1);
            if (tx != sx || ty != sy)
            {
                // Take the neighbour only if its evidence lies within half a pixel of the position (across a motion
                // boundary the neighbour's residual belongs to another surface).
                ulong f = Unsafe.Add(ref source, (ty * width) + tx);
                int fx = EvidenceOps.ResidualX(f), fy = EvidenceOps.ResidualY(f);
                if (Math.Abs((tx * 128) + fx - px) <= 64 && Math.Abs((ty * 128) + fy - py) <= 64)
                {
                    sx = tx;
                    sy = ty;
                    e = f;
                    rx = fx;
                    ry = fy;
                }
            }
        }

        e = EvidenceOps.Scale(e, Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Factors), q));
        return EvidenceOps.WithResidual(e, (sx * 128) + rx - px, (sy * 128) + ry - py);
    }

    /// <summary>Forces the scalar loops in <see cref="CarryRow"/> and in the fusion kernels that carry and add evidence (tests compare them with the vector ones).</summary>
    internal static bool ForceScalar { get; set; }

    /// <summary>
    /// <see cref="Carry(ref ulong, uint, int, int, int, int)"/> for every pixel of row <paramref name="y"/>: carries
    /// <paramref name="source"/> (width × height) along <paramref name="records"/> (the row's records) into
    /// <paramref name="destination"/> (the row). With AVX2 eight pixels at a time; the result is
    /// bit for bit that of the scalar loop.
    /// </summary>
    /// <param name="source">The evidence of the source frame, width × height.</param>
    /// <param name="records">The row's warp records.</param>
    /// <param name="y">The row.</param>
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="destination">The row's carried evidence.</param>
    /// <param name="fill">The disocclusion fill (<see cref="FillRejected"/>); the default is none.</param>
    public static void CarryRow(ReadOnlySpan<ulong> source, ReadOnlySpan<uint> records, int y, int width, int height, Span<ulong> destination, in DisocclusionFill fill = default)
    {
        if (source.Length < width * height || records.Length < width || destination.Length < width)
        {
            throw new ArgumentException("spans shorter than the frame or the row");
        }

        int x = 0;
        if (Avx2.IsSupported && !ForceScalar)
        {
            x = CarryRowAvx2(source, records, y, width, height, destination);
        }

        ref ulong src = ref MemoryMarshal.GetReference(source);
        for (; x < width; x++)
        {
            destination[x] = Carry(ref src, records[x], x, y, width, height);
        }

        if (fill.Factor != 0 && fill.Grey is { } grey)
        {
            FillRejected(records[..width], destination[..width], fill.Factor, fill.Distance, grey.AsSpan(y * width, width), fill.Edge);
        }
    }

    /// <summary>
    /// Disocclusion fill of one carried row. A pixel whose warp was rejected (a <see cref="Rejected"/> record) is most
    /// often a surface just uncovered by a moving object: it has no history of its own, so a mistake of the per-frame
    /// labels there stands unopposed. It takes the carried evidence of the nearest pixel of the row, up to
    /// <paramref name="distance"/> pixels away, that was carried and moves the same way (displacements within 1 px + 1/16
    /// of their length: not the occluder), scaled by <paramref name="factor"/> / <see cref="EvidenceOps.ScaleOne"/>,
    /// with no residual. The search stops at an edge of the target frame's grey row (a step of more than
    /// <paramref name="edge"/> grey levels between neighbours): the source must be on the same visible surface, so a
    /// pole does not take the evidence of the wall behind it. Only pixels carried themselves are sources, so the
    /// result does not depend on the order of the pixels.
    /// </summary>
    public static void FillRejected(ReadOnlySpan<uint> records, Span<ulong> row, uint factor, int distance, ReadOnlySpan<byte> grey, int edge)
    {
        int w = row.Length;
        for (int x = 0; x < w; x++)
        {
            uint r = records[x];
            if (r == 0 || (r >> 26) != 0)
            {
                continue;
            }

            var (dx, dy) = Displacement(r);
            int tolX = RecordScale + (Math.Abs(dx) >> 4), tolY = RecordScale + (Math.Abs(dy) >> 4);
            int left = -1, right = -1;
            for (int n = x - 1; n >= 0 && n >= x - distance; n--)
            {
                if (Math.Abs(grey[n] - grey[n + 1]) > edge)
                {
                    break;
                }

                if (MovesLike(records[n], dx, dy, tolX, tolY))
                {
                    left = n;
                    break;
                }
            }

            int reach = left >= 0 ? x + (x - left) - 1 : x + distance;
            for (int n = x + 1; n < w && n <= reach; n++)
            {
                if (Math.Abs(grey[n] - grey[n - 1]) > edge)
                {
                    break;
                }

                if (MovesLike(records[n], dx, dy, tolX, tolY))
                {
                    right = n;
                    break;
                }
            }

            int source = right >= 0 ? right : left;
            if (source >= 0)
            {
                row[x] = EvidenceOps.WithResidual(EvidenceOps.Scale(row[source], factor), 0, 0);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MovesLike(uint record, int dx, int dy, int tolX, int tolY)
    {
        if ((record >> 26) == 0)
        {
            return false;
        }

        var (nx, ny) = Displacement(record);
        return Math.Abs(nx - dx) <= tolX && Math.Abs(ny - dy) <= tolY;
    }

    /// <summary>
    /// <see cref="CarryRow"/> for row <paramref name="y"/> with that row's part of <paramref name="records"/> (the whole
    /// frame's records), or an empty row when there are no records (the first frame of a pass, or after a cut).
    /// </summary>
    public static void CarryRowOrEmpty(ReadOnlySpan<ulong> source, uint[]? records, int y, int width, int height, Span<ulong> destination, in DisocclusionFill fill = default)
    {
        if (records is null)
        {
            destination[..width].Fill(EvidenceOps.Empty);
        }
        else
        {
            CarryRow(source, records.AsSpan(y * width, width), y, width, height, destination, fill);
        }
    }

    /// <summary>
    /// Eight pixels per step; returns where the scalar tail starts. The evidence is gathered as 64-bit lanes, four
    /// at a time, and split into 32-bit halves lo (classes, weight 0) and hi (weight 1, residual) of eight lanes
    /// (<see cref="EvidenceVectors"/>); every index is clamped into the frame. (Not compiled with AggressiveOptimization
    /// as the warp-record loop is: the tiered, profile-guided code of this loop is 10–15 % faster in steady state.)
    /// </summary>
    private static unsafe int CarryRowAvx2(ReadOnlySpan<ulong> source, ReadOnlySpan<uint> records, int y, int width, int height, Span<ulong> destination)
    {
        int x = 0;
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var laneX = Avx2.ShiftLeftLogical(lane, 7);
        var py0 = Vector256.Create(y * 128);
        var maxX = Vector256.Create(width - 1);
        var maxY = Vector256.Create(height - 1);
        var w = Vector256.Create(width);
        var c64 = Vector256.Create(64);
        var near = Vector256.Create(65);
        var lowHalf = Vector256.Create(0xFFFF);
        var byteMask = Vector256.Create(0xFF);
        var resMin = Vector256.Create(-127);
        var resMax = Vector256.Create(127);
        var empty = Vector256.Create((int)EvidenceOps.Empty);
        var one = Vector256.Create(1);
        int n = width * height;
        fixed (ulong* src = source)
        fixed (uint* rec = records)
        fixed (ulong* dst = destination)
        {
            for (; x + 8 <= width; x += 8)
            {
                var r = Avx.LoadVector256((int*)(rec + x));
                var q = Avx2.ShiftRightLogical(r, 26);
                if (Avx.TestZ(q, q))
                {
                    EvidenceVectors.Store(dst + x, empty, Vector256<int>.Zero);
                    continue;
                }

                // Position in 1/128 px: dx, dy are the record's signed 13-bit fields in 1/32 px.
                var dx = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(r, 19), 19);
                var dy = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(r, 6), 19);
                var px = Avx2.Add(Avx2.Add(Vector256.Create(x * 128), laneX), Avx2.ShiftLeftLogical(dx, 2));
                var py = Avx2.Add(py0, Avx2.ShiftLeftLogical(dy, 2));
                var sx = Avx2.Min(Avx2.Max(Avx2.ShiftRightArithmetic(Avx2.Add(px, c64), 7), Vector256<int>.Zero), maxX);
                var sy = Avx2.Min(Avx2.Max(Avx2.ShiftRightArithmetic(Avx2.Add(py, c64), 7), Vector256<int>.Zero), maxY);
                var s = Avx2.Add(Avx2.MultiplyLow(sy, w), sx);

                // Where the eight source pixels are consecutive (a smooth flow that rounds the same way), two plain
                // loads replace the gathers.
                int s0 = s.ToScalar();
                Vector256<int> lo, hi;
                bool consecutive = Avx.MoveMask(Avx2.CompareEqual(s, Avx2.Add(Vector256.Create(s0), lane)).AsSingle()) == 0xFF;
                if (consecutive)
                {
                    EvidenceVectors.Load(src + s0, out lo, out hi);
                }
                else
                {
                    EvidenceVectors.Split(Avx2.GatherVector256((long*)src, s.GetLower(), 8), Avx2.GatherVector256((long*)src, s.GetUpper(), 8), out lo, out hi);
                }

                var rx = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(hi, 8), 24);
                var ry = Avx2.ShiftRightArithmetic(hi, 24);

                // The neighbour the residual points to, taken where its own residual puts it within half a pixel.
                var tx = Avx2.Min(Avx2.Max(Avx2.ShiftRightArithmetic(Avx2.Add(Avx2.Subtract(px, rx), c64), 7), Vector256<int>.Zero), maxX);
                var ty = Avx2.Min(Avx2.Max(Avx2.ShiftRightArithmetic(Avx2.Add(Avx2.Subtract(py, ry), c64), 7), Vector256<int>.Zero), maxY);
                var moved = Avx2.AndNot(Avx2.And(Avx2.CompareEqual(tx, sx), Avx2.CompareEqual(ty, sy)), Vector256<int>.AllBitsSet);
                if (!Avx.TestZ(moved, moved))
                {
                    Vector256<int> flo, fhi;
                    if (consecutive && s0 > width && s0 + width + 8 < n)
                    {
                        // The neighbours are one pixel away in x and/or y (|residual| < 1 px) from consecutive source
                        // pixels: per row above, at and below the source row that some lane moves to, load the eight
                        // pixels shifted left, unshifted and shifted right and pick per lane.
                        var ddx = Avx2.Subtract(tx, sx);
                        var ddy = Avx2.Subtract(ty, sy);
                        var left = Avx2.CompareEqual(ddx, Vector256<int>.AllBitsSet);
                        var right = Avx2.CompareEqual(ddx, one);
                        flo = lo;
                        fhi = hi;
                        for (int dr = -1; dr <= 1; dr++)
                        {
                            var inRow = Avx2.And(moved, Avx2.CompareEqual(ddy, Vector256.Create(dr)));
                            if (!Avx.TestZ(inRow, inRow))
                            {
                                ulong* b = src + s0 + (dr * width);
                                EvidenceVectors.Load(b - 1, out var llo, out var lhi);
                                EvidenceVectors.Load(b, out var clo, out var chi);
                                EvidenceVectors.Load(b + 1, out var rlo, out var rhi);
                                var rowLo = Avx2.BlendVariable(Avx2.BlendVariable(clo, llo, left), rlo, right);
                                var rowHi = Avx2.BlendVariable(Avx2.BlendVariable(chi, lhi, left), rhi, right);
                                flo = Avx2.BlendVariable(flo, rowLo, inRow);
                                fhi = Avx2.BlendVariable(fhi, rowHi, inRow);
                            }
                        }
                    }
                    else
                    {
                        var t = Avx2.Add(Avx2.MultiplyLow(ty, w), tx);
                        EvidenceVectors.Split(Avx2.GatherVector256((long*)src, t.GetLower(), 8), Avx2.GatherVector256((long*)src, t.GetUpper(), 8), out flo, out fhi);
                    }

                    var fx = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(fhi, 8), 24);
                    var fy = Avx2.ShiftRightArithmetic(fhi, 24);
                    var ex = Avx2.Abs(Avx2.Subtract(Avx2.Add(Avx2.ShiftLeftLogical(tx, 7), fx), px)).AsInt32();
                    var ey = Avx2.Abs(Avx2.Subtract(Avx2.Add(Avx2.ShiftLeftLogical(ty, 7), fy), py)).AsInt32();
                    var ok = Avx2.And(moved, Avx2.And(Avx2.CompareGreaterThan(near, ex), Avx2.CompareGreaterThan(near, ey)));
                    sx = Avx2.BlendVariable(sx, tx, ok);
                    sy = Avx2.BlendVariable(sy, ty, ok);
                    lo = Avx2.BlendVariable(lo, flo, ok);
                    hi = Avx2.BlendVariable(hi, fhi, ok);
                    rx = Avx2.BlendVariable(rx, fx, ok);
                    ry = Avx2.BlendVariable(ry, fy, ok);
                }

                // Weights × factor[q] / 65536 (the product of a 16-bit weight and a factor ≤ 65536 fits 32 bits unsigned).
                var factor = Factor(q);
                var w0 = Avx2.ShiftRightLogical(Avx2.MultiplyLow(Avx2.ShiftRightLogical(lo, 16), factor), 16);
                var w1 = Avx2.ShiftRightLogical(Avx2.MultiplyLow(Avx2.And(hi, lowHalf), factor), 16);
                var nrx = Avx2.Min(Avx2.Max(Avx2.Subtract(Avx2.Add(Avx2.ShiftLeftLogical(sx, 7), rx), px), resMin), resMax);
                var nry = Avx2.Min(Avx2.Max(Avx2.Subtract(Avx2.Add(Avx2.ShiftLeftLogical(sy, 7), ry), py), resMin), resMax);
                lo = Avx2.Or(Avx2.And(lo, lowHalf), Avx2.ShiftLeftLogical(w0, 16));
                hi = Avx2.Or(Avx2.Or(w1, Avx2.ShiftLeftLogical(Avx2.And(nrx, byteMask), 16)), Avx2.ShiftLeftLogical(nry, 24));

                // Records with q = 0 carry nothing.
                var none = Avx2.CompareEqual(q, Vector256<int>.Zero);
                EvidenceVectors.Store(dst + x, Avx2.BlendVariable(lo, empty, none), Avx2.AndNot(none, hi));
            }
        }

        return x;
    }

    /// <summary>
    /// The scale factor of weight q, round(q · 65536 / 63), without a table: 65536 = 63 · 1040 + 16, so it is
    /// q · 1040 + round(16q / 63), and round(16q / 63) = ⌊(16q + 31) / 63⌋ = ⌊(16q + 31) · 1041 / 65536⌋ for q ≤ 63
    /// (tested against the table for every q).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> Factor(Vector256<int> q) =>
        Avx2.Add(
            Avx2.MultiplyLow(q, Vector256.Create(1040)),
            Avx2.ShiftRightLogical(Avx2.MultiplyLow(Avx2.Add(Avx2.ShiftLeftLogical(q, 4), Vector256.Create(31)), Vector256.Create(1041)), 16));

    /// <summary>The scale factor of weight q as the scalar path looks it up.</summary>
    internal static uint FactorOf(uint q) => Factors[q];

    private static uint[] MakeFactors()
    {
        var f = new uint[MaxWeight + 1];
        for (int q = 0; q <= MaxWeight; q++)
        {
            f[q] = (uint)Math.Round(q * 65536.0 / MaxWeight);
        }

        return f;
    }
}

/// <summary>The settings of <see cref="Warp.FillRejected"/> for one carry.</summary>
/// <param name="Factor">Weight of the fill, 0 … <see cref="EvidenceOps.ScaleOne"/>; 0 = no fill.</param>
/// <param name="Distance">How far along the row, in pixels, to look for a neighbour.</param>
/// <param name="Grey">The target frame's grey image (width × height), whose edges stop the search; null = no fill (without
/// the edge test a pixel would take the evidence of whatever lies beside it).</param>
/// <param name="Edge">The grey-level step between neighbours that counts as an edge.</param>
internal readonly record struct DisocclusionFill(uint Factor, int Distance, byte[]? Grey, int Edge);
