using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SegFuse.Fusion.Evidence;

/// <summary>
/// The <see cref="EvidenceOps"/> operations on eight pixels at once with AVX2, bit for bit the scalar ones. Eight
/// evidence values are held as two vectors of 32-bit lanes, lane i = pixel i: <c>lo</c> = bits 0–31 (class 0, class 1,
/// weight 0) and <c>hi</c> = bits 32–63 (weight 1, residual x, residual y). Every branch of the scalar code becomes a
/// lane mask and a blend; all weights and scores stay below 2^31, so signed 32-bit compares order them as the scalar
/// unsigned ones do.
/// </summary>
internal static class EvidenceVectors
{
    /// <summary>Splits pixels 0–3 (<paramref name="a"/>) and 4–7 (<paramref name="b"/>), four 64-bit values each, into lo and hi halves in pixel order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Split(Vector256<long> a, Vector256<long> b, out Vector256<int> lo, out Vector256<int> hi)
    {
        // Within each 128-bit lane, take the even (low) or odd (high) dwords of a then b: pixels 0 1 4 5 | 2 3 6 7;
        // then put the 64-bit quarters in order 0, 2, 1, 3.
        var l = Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b10_00_10_00);
        var h = Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b11_01_11_01);
        lo = Avx2.Permute4x64(l.AsDouble(), 0b11_01_10_00).AsInt32();
        hi = Avx2.Permute4x64(h.AsDouble(), 0b11_01_10_00).AsInt32();
    }

    /// <summary>Loads eight evidence values from <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Load(ulong* p, out Vector256<int> lo, out Vector256<int> hi) =>
        Split(Avx.LoadVector256((long*)p), Avx.LoadVector256((long*)(p + 4)), out lo, out hi);

    /// <summary>Stores eight evidence values to <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(ulong* p, Vector256<int> lo, Vector256<int> hi)
    {
        // Quarters 0, 2, 1, 3: pixels 0 1 4 5 | 2 3 6 7; interleaving within the 128-bit lanes then gives pixels 0–3 and 4–7.
        var l = Avx2.Permute4x64(lo.AsInt64(), 0b11_01_10_00).AsInt32();
        var h = Avx2.Permute4x64(hi.AsInt64(), 0b11_01_10_00).AsInt32();
        Avx.Store((int*)p, Avx2.UnpackLow(l, h));
        Avx.Store((int*)(p + 4), Avx2.UnpackHigh(l, h));
    }

    /// <summary><see cref="EvidenceOps.AddObservation"/> of eight observations (byte form) with the same scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddObservation(ref Vector256<int> lo, ref Vector256<int> hi, Vector256<int> obs, Vector256<int> scale)
    {
        var byteMask = Vector256.Create(0xFF);
        var noClass = Vector256.Create((int)EvidenceOps.NoClass);
        var c0 = Avx2.And(lo, byteMask);
        var c1 = Avx2.And(Avx2.ShiftRightLogical(lo, 8), byteMask);
        var w0 = Avx2.ShiftRightLogical(lo, 16);
        var w1 = Avx2.And(hi, Vector256.Create(0xFFFF));
        var rx = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(hi, 8), 24);
        var ry = Avx2.ShiftRightArithmetic(hi, 24);
        var carried = Avx2.Add(w0, w1);

        // The observation's first class, where it has one; then its second, where it has one of non-zero weight.
        var oc0 = Avx2.And(obs, byteMask);
        var oc1 = Avx2.And(Avx2.ShiftRightLogical(obs, 8), byteMask);
        var wa = Avx2.ShiftRightLogical(Avx2.MultiplyLow(Avx2.And(Avx2.ShiftRightLogical(obs, 16), byteMask), scale), 8);
        var wb = Avx2.ShiftRightLogical(Avx2.MultiplyLow(Avx2.ShiftRightLogical(obs, 24), scale), 8);
        var useA = Avx2.AndNot(Avx2.CompareEqual(oc0, noClass), Vector256<int>.AllBitsSet);
        var useB = Avx2.AndNot(Avx2.Or(Avx2.CompareEqual(oc1, noClass), Avx2.CompareEqual(Avx2.ShiftRightLogical(obs, 24), Vector256<int>.Zero)), Vector256<int>.AllBitsSet);
        Add(ref c0, ref w0, ref c1, ref w1, oc0, wa, useA);
        Add(ref c0, ref w0, ref c1, ref w1, oc1, wb, useB);
        var added = Avx2.Add(Avx2.And(wa, useA), Avx2.And(wb, useB));

        // Residual: the weighted mean of the carried residual and 0, dx · carried / (carried + added), truncated; 0 where
        // both are 0 (the scalar division gives NaN there, which converts to 0).
        var total = Avx2.Add(carried, added);
        var k = Avx.Divide(Avx.ConvertToVector256Single(carried), Avx.ConvertToVector256Single(total));
        var some = Avx2.AndNot(Avx2.CompareEqual(total, Vector256<int>.Zero), Vector256<int>.AllBitsSet);
        var nrx = Avx2.And(Avx.ConvertToVector256Int32WithTruncation(Avx.Multiply(Avx.ConvertToVector256Single(rx), k)), some);
        var nry = Avx2.And(Avx.ConvertToVector256Int32WithTruncation(Avx.Multiply(Avx.ConvertToVector256Single(ry), k)), some);
        lo = Avx2.Or(Avx2.Or(c0, Avx2.ShiftLeftLogical(c1, 8)), Avx2.ShiftLeftLogical(w0, 16));
        hi = Avx2.Or(Avx2.Or(w1, Avx2.ShiftLeftLogical(Avx2.And(nrx, byteMask), 16)), Avx2.ShiftLeftLogical(nry, 24));
    }

    /// <summary>
    /// <see cref="EvidenceOps.Add"/> on unpacked slots, in the lanes of <paramref name="use"/>: the class's own slot
    /// grows (saturating), or a new class replaces slot 1 when stronger or when slot 1 is empty; then the slots are
    /// ordered by weight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(ref Vector256<int> c0, ref Vector256<int> w0, ref Vector256<int> c1, ref Vector256<int> w1, Vector256<int> c, Vector256<int> weight, Vector256<int> use)
    {
        var max = Vector256.Create(0xFFFF);
        var in0 = Avx2.CompareEqual(c, c0);
        var in1 = Avx2.AndNot(in0, Avx2.CompareEqual(c, c1));
        var replace = Avx2.AndNot(Avx2.Or(in0, in1), Avx2.Or(Avx2.CompareGreaterThan(weight, w1), Avx2.CompareEqual(c1, Vector256.Create((int)EvidenceOps.NoClass))));
        var nw0 = Avx2.BlendVariable(w0, Avx2.Min(Avx2.Add(w0, weight), max), in0);
        var nw1 = Avx2.BlendVariable(w1, Avx2.Min(Avx2.Add(w1, weight), max), in1);
        nw1 = Avx2.BlendVariable(nw1, weight, replace);
        var nc1 = Avx2.BlendVariable(c1, c, replace);
        var swap = Avx2.And(Avx2.CompareGreaterThan(nw1, nw0), use);
        var keep = Avx2.AndNot(use, Vector256<int>.AllBitsSet);
        nw0 = Avx2.BlendVariable(nw0, w0, keep);
        nw1 = Avx2.BlendVariable(nw1, w1, keep);
        nc1 = Avx2.BlendVariable(nc1, c1, keep);
        var oc0 = c0;
        c0 = Avx2.BlendVariable(c0, nc1, swap);
        c1 = Avx2.BlendVariable(nc1, oc0, swap);
        w0 = Avx2.BlendVariable(nw0, nw1, swap);
        w1 = Avx2.BlendVariable(nw1, nw0, swap);
    }

    /// <summary><see cref="EvidenceOps.ArgMaxOfSum"/> of <see cref="EvidenceOps.Dequantize"/>(<paramref name="quantized"/>) and the evidence (<paramref name="lo"/>, <paramref name="hi"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> ArgMaxOfSum(Vector256<int> quantized, Vector256<int> lo, Vector256<int> hi)
    {
        var byteMask = Vector256.Create(0xFF);
        var noClass = Vector256.Create((int)EvidenceOps.NoClass);
        var a0 = Avx2.And(quantized, byteMask);
        var a1 = Avx2.And(Avx2.ShiftRightLogical(quantized, 8), byteMask);
        var wa0 = Avx2.ShiftLeftLogical(Avx2.And(Avx2.ShiftRightLogical(quantized, 16), byteMask), 7);
        var wa1 = Avx2.ShiftLeftLogical(Avx2.ShiftRightLogical(quantized, 24), 7);
        var b0 = Avx2.And(lo, byteMask);
        var b1 = Avx2.And(Avx2.ShiftRightLogical(lo, 8), byteMask);
        var wb0 = Avx2.ShiftRightLogical(lo, 16);
        var wb1 = Avx2.And(hi, Vector256.Create(0xFFFF));

        // Each of a's classes scores its weight plus b's weight of the same class (b's slot 0 checked first).
        var best = a0;
        var score = Avx2.Add(wa0, Matching(a0, b0, b1, wb0, wb1));
        var a0Empty = Avx2.CompareEqual(a0, noClass);
        best = Avx2.BlendVariable(best, b0, a0Empty);
        score = Avx2.BlendVariable(score, wb0, a0Empty);

        var s1 = Avx2.Add(wa1, Matching(a1, b0, b1, wb0, wb1));
        var take = Avx2.AndNot(Avx2.CompareEqual(a1, noClass), Avx2.CompareGreaterThan(s1, score));
        best = Avx2.BlendVariable(best, a1, take);
        score = Avx2.BlendVariable(score, s1, take);

        // b's classes that a does not hold score their own weight.
        var other0 = Avx2.Or(Avx2.Or(Avx2.CompareEqual(b0, noClass), Avx2.CompareEqual(b0, a0)), Avx2.CompareEqual(b0, a1));
        take = Avx2.AndNot(other0, Avx2.CompareGreaterThan(wb0, score));
        best = Avx2.BlendVariable(best, b0, take);
        score = Avx2.BlendVariable(score, wb0, take);

        var other1 = Avx2.Or(Avx2.Or(Avx2.CompareEqual(b1, noClass), Avx2.CompareEqual(b1, a0)), Avx2.CompareEqual(b1, a1));
        take = Avx2.AndNot(other1, Avx2.CompareGreaterThan(wb1, score));
        return Avx2.BlendVariable(best, b1, take);
    }

    /// <summary>b's weight of class <paramref name="c"/>: slot 0's if it holds it, else slot 1's, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Matching(Vector256<int> c, Vector256<int> b0, Vector256<int> b1, Vector256<int> wb0, Vector256<int> wb1)
    {
        var is0 = Avx2.CompareEqual(c, b0);
        var is1 = Avx2.AndNot(is0, Avx2.CompareEqual(c, b1));
        return Avx2.Or(Avx2.And(is0, wb0), Avx2.And(is1, wb1));
    }

    /// <summary><see cref="EvidenceOps.Quantize"/> of eight evidence values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Quantize(Vector256<int> lo, Vector256<int> hi)
    {
        var max = Vector256.Create(255);
        var q0 = Avx2.Min(Avx2.ShiftRightLogical(lo, 16 + 7), max);
        var q1 = Avx2.Min(Avx2.ShiftRightLogical(Avx2.And(hi, Vector256.Create(0xFFFF)), 7), max);
        return Avx2.Or(Avx2.Or(Avx2.And(lo, Vector256.Create(0xFFFF)), Avx2.ShiftLeftLogical(q0, 16)), Avx2.ShiftLeftLogical(q1, 24));
    }

    /// <summary>The arg-max class (slot 0's), or the observation's first class where the evidence is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> ClassOrObserved(Vector256<int> c, Vector256<int> obs)
    {
        var byteMask = Vector256.Create(0xFF);
        c = Avx2.And(c, byteMask);
        return Avx2.BlendVariable(c, Avx2.And(obs, byteMask), Avx2.CompareEqual(c, Vector256.Create((int)EvidenceOps.NoClass)));
    }
}
