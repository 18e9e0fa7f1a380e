using System.Runtime.CompilerServices;

namespace SegFuse.Fusion.Evidence;

/// <summary>
/// Per-pixel class evidence packed in one <see cref="ulong"/>: the two strongest classes of a pixel and their weights
/// in fixed point (<see cref="Unit"/> = one observation of weight 1).
/// </summary>
/// <remarks>
/// <para>Layout (bits): 0–7 class of slot 0, 8–15 class of slot 1, 16–31 weight of slot 0, 32–47 weight of slot 1,
/// 48–55 and 56–63 the sub-pixel residual (δx, δy) in 1/128 px as signed bytes. Slot 0 always holds at least the weight
/// of slot 1, so slot 0's class is the pixel's arg-max. An empty slot has class <see cref="NoClass"/> and weight 0.</para>
/// <para>The residual says where, relative to the pixel's centre, the carried evidence really belongs. Evidence is moved
/// to the nearest pixel at every warp; without the residual, a constant sub-pixel flow (0.4 px a frame) would round the
/// same way every frame and the evidence would lag the scene by 0.4 px per frame (see <see cref="Warp"/>).</para>
/// <para>Keeping two slots instead of every class is what makes fusion cheap for any number of classes (8 bytes per
/// pixel, one load per warped pixel): a third class that appears at a pixel replaces the weaker slot only when its
/// evidence is stronger, which is how a per-pixel top-2 sketch of a decaying sum behaves.</para>
/// <para>A second, byte-sized form (<see cref="Pack4"/>) stores the two slots in a <see cref="uint"/>: classes in bits 0–15,
/// weights quantised to one byte each in bits 16–31. It holds observations (weight × 255) and the stored causal evidence
/// of the offline method (weight in 1/8 units).</para>
/// </remarks>
internal static class EvidenceOps
{
    /// <summary>Class index of an empty slot.</summary>
    public const byte NoClass = 255;

    /// <summary>Fixed-point weight of one observation of weight 1.</summary>
    public const int Unit = 1024;

    /// <summary>Evidence with both slots empty.</summary>
    public const ulong Empty = 0xFFFFUL;

    /// <summary>Scale factor that leaves weights unchanged in <see cref="Scale"/>.</summary>
    public const uint ScaleOne = 65536;

    /// <summary>Class of slot 0 (the arg-max).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Class0(ulong e) => (int)(e & 0xFF);

    /// <summary>Class of slot 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Class1(ulong e) => (int)((e >> 8) & 0xFF);

    /// <summary>Weight of slot 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Weight0(ulong e) => (uint)(e >> 16) & 0xFFFF;

    /// <summary>Weight of slot 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Weight1(ulong e) => (uint)(e >> 32) & 0xFFFF;

    /// <summary>Packs two slots.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Make(int c0, uint w0, int c1, uint w1) =>
        (uint)c0 | ((ulong)(uint)c1 << 8) | ((ulong)w0 << 16) | ((ulong)w1 << 32);

    /// <summary>Sub-pixel residual in x, 1/128 px.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ResidualX(ulong e) => (sbyte)(byte)(e >> 48);

    /// <summary>Sub-pixel residual in y, 1/128 px.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ResidualY(ulong e) => (sbyte)(byte)(e >> 56);

    /// <summary>Replaces the residual of <paramref name="e"/> (values are clamped to ±127).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong WithResidual(ulong e, int dx, int dy) =>
        (e & 0x0000_FFFF_FFFF_FFFFUL) | ((ulong)(byte)(sbyte)Math.Clamp(dx, -127, 127) << 48) | ((ulong)(byte)(sbyte)Math.Clamp(dy, -127, 127) << 56);

    /// <summary>Multiplies both weights by <paramref name="factor"/> / 65536 (0 … <see cref="ScaleOne"/>); the residual is kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Scale(ulong e, uint factor)
    {
        uint w0 = (Weight0(e) * factor) >> 16;
        uint w1 = (Weight1(e) * factor) >> 16;
        return (e & 0xFFFF_0000_0000_FFFFUL) | ((ulong)w0 << 16) | ((ulong)w1 << 32);
    }

    /// <summary>Adds <paramref name="weight"/> to class <paramref name="c"/>; a class not in the slots replaces slot 1 when it is stronger. The residual is dropped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Add(ulong e, int c, uint weight)
    {
        int c0 = Class0(e), c1 = Class1(e);
        uint w0 = Weight0(e), w1 = Weight1(e);
        if (c == c0)
        {
            w0 = Math.Min(w0 + weight, 0xFFFFu);
        }
        else if (c == c1)
        {
            w1 = Math.Min(w1 + weight, 0xFFFFu);
        }
        else if (weight > w1 || c1 == NoClass)
        {
            c1 = c;
            w1 = weight;
        }

        return w1 > w0 ? Make(c1, w1, c0, w0) : Make(c0, w0, c1, w1);
    }

    /// <summary>
    /// Adds an observation in byte form (<see cref="Pack4"/>, weights × 255) scaled by <paramref name="scale"/>
    /// (fixed-point weight of a full byte weight, i.e. of 255). The observation sits exactly on the pixel, so the
    /// residual becomes the weighted mean of the carried residual and 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AddObservation(ulong e, uint obs, uint scale)
    {
        int c0 = (int)(obs & 0xFF), c1 = (int)((obs >> 8) & 0xFF);
        uint q0 = (obs >> 16) & 0xFF, q1 = obs >> 24;
        uint carried = Weight0(e) + Weight1(e);
        int dx = ResidualX(e), dy = ResidualY(e);
        uint added = 0;
        if (c0 != NoClass)
        {
            uint w = (q0 * scale) >> 8;
            e = Add(e, c0, w);
            added += w;
        }

        if (c1 != NoClass && q1 != 0)
        {
            uint w = (q1 * scale) >> 8;
            e = Add(e, c1, w);
            added += w;
        }

        if ((dx | dy) != 0)
        {
            // Weighted mean of the carried residual and the observation's 0: dx · carried / (carried + added).
            float k = carried / (float)(carried + added);
            e = WithResidual(e, (int)(dx * k), (int)(dy * k));
        }

        return e;
    }

    /// <summary>Packs two classes and two byte weights into the 4-byte form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Pack4(int c0, uint q0, int c1, uint q1) => (uint)c0 | ((uint)c1 << 8) | (q0 << 16) | (q1 << 24);

    /// <summary>Quantises evidence to the 4-byte form with weights in 1/8 units (saturating at 255 = 31.9 units).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Quantize(ulong e) =>
        Pack4(Class0(e), Math.Min(Weight0(e) >> 7, 255u), Class1(e), Math.Min(Weight1(e) >> 7, 255u));

    /// <summary>Expands the 4-byte form written by <see cref="Quantize"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Dequantize(uint q) => Make((int)(q & 0xFF), ((q >> 16) & 0xFF) << 7, (int)((q >> 8) & 0xFF), (q >> 24) << 7);

    /// <summary>The weight of class <paramref name="c"/> in <paramref name="e"/> (0 when it holds neither slot).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint WeightOf(ulong e, int c) => Class0(e) == c ? Weight0(e) : Class1(e) == c ? Weight1(e) : 0;

    /// <summary>
    /// The class with the largest summed evidence of <paramref name="a"/> and <paramref name="b"/> (both in full form);
    /// ties go to <paramref name="a"/>'s order. <see cref="NoClass"/> when both are empty.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ArgMaxOfSum(ulong a, ulong b)
    {
        int a0 = Class0(a), a1 = Class1(a), b0 = Class0(b), b1 = Class1(b);
        uint wa0 = Weight0(a), wa1 = Weight1(a), wb0 = Weight0(b), wb1 = Weight1(b);
        int best = a0;
        uint bestScore = wa0 + (a0 == b0 ? wb0 : a0 == b1 ? wb1 : 0);
        if (a0 == NoClass)
        {
            best = b0;
            bestScore = wb0;
        }

        if (a1 != NoClass)
        {
            uint s = wa1 + (a1 == b0 ? wb0 : a1 == b1 ? wb1 : 0);
            if (s > bestScore)
            {
                best = a1;
                bestScore = s;
            }
        }

        if (b0 != NoClass && b0 != a0 && b0 != a1)
        {
            if (wb0 > bestScore)
            {
                best = b0;
                bestScore = wb0;
            }
        }

        if (b1 != NoClass && b1 != a0 && b1 != a1 && wb1 > bestScore)
        {
            best = b1;
        }

        return best;
    }
}
