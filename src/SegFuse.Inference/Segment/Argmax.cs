using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegFuse.Inference.Segment;

/// <summary>Per-pixel argmax over class planes, vectorised.</summary>
internal static class Argmax
{
    /// <summary>
    /// For every x in [0, width): <c>index[x]</c> = the class c in [0, classes) with the largest
    /// <c>values[c · classStride + x]</c>, and <c>best[x]</c> that value. Strictly greater wins, so on ties the
    /// earlier class stays, as numpy's and PyTorch's argmax do (and NaN never wins).
    /// </summary>
    /// <remarks>
    /// Register-blocked: a block of pixels keeps its running maximum and class in registers while the loop walks
    /// down the classes, so each value is loaded once and each result stored once (a class-by-class running update
    /// would load and store the maximum and the index again for every class).
    /// </remarks>
    public static void Rows(ReadOnlySpan<float> values, int classStride, int classes, Span<int> index, Span<float> best)
    {
        int width = index.Length;
        if (classes < 1 || best.Length < width || classStride < width || values.Length < ((long)(classes - 1) * classStride) + width)
        {
            throw new ArgumentException("values must hold `classes` rows of `width` values, `classStride` apart");
        }

        ref float v = ref MemoryMarshal.GetReference(values);
        ref float b = ref MemoryMarshal.GetReference(best);
        ref int ix = ref MemoryMarshal.GetReference(index);
        nint stride = classStride;
        int x = 0;

        // Tier 1: 8 pixels per block. GreaterThan gives an all-ones lane where class c beats the maximum so far;
        // the same mask, reinterpreted as int lanes (float and int lanes are both 32 bits), selects c into the
        // index vector.
        if (Vector256.IsHardwareAccelerated)
        {
            for (; x <= width - Vector256<float>.Count; x += Vector256<float>.Count)
            {
                var max = Vector256.LoadUnsafe(ref v, (nuint)x);
                var arg = Vector256<int>.Zero;
                for (int c = 1; c < classes; c++)
                {
                    var current = Vector256.LoadUnsafe(ref Unsafe.Add(ref v, (c * stride) + x));
                    var wins = Vector256.GreaterThan(current, max);
                    max = Vector256.ConditionalSelect(wins, current, max);
                    arg = Vector256.ConditionalSelect(wins.AsInt32(), Vector256.Create(c), arg);
                }

                max.StoreUnsafe(ref b, (nuint)x);
                arg.StoreUnsafe(ref ix, (nuint)x);
            }
        }

        // Tier 2: 4 pixels per block, for the remainder of tier 1 (or the whole row without 256-bit vectors).
        if (Vector128.IsHardwareAccelerated)
        {
            for (; x <= width - Vector128<float>.Count; x += Vector128<float>.Count)
            {
                var max = Vector128.LoadUnsafe(ref v, (nuint)x);
                var arg = Vector128<int>.Zero;
                for (int c = 1; c < classes; c++)
                {
                    var current = Vector128.LoadUnsafe(ref Unsafe.Add(ref v, (c * stride) + x));
                    var wins = Vector128.GreaterThan(current, max);
                    max = Vector128.ConditionalSelect(wins, current, max);
                    arg = Vector128.ConditionalSelect(wins.AsInt32(), Vector128.Create(c), arg);
                }

                max.StoreUnsafe(ref b, (nuint)x);
                arg.StoreUnsafe(ref ix, (nuint)x);
            }
        }

        // Tier 3: scalar tail.
        for (; x < width; x++)
        {
            float max = Unsafe.Add(ref v, x);
            int arg = 0;
            for (int c = 1; c < classes; c++)
            {
                float current = Unsafe.Add(ref v, (c * stride) + x);
                if (current > max)
                {
                    max = current;
                    arg = c;
                }
            }

            Unsafe.Add(ref b, x) = max;
            Unsafe.Add(ref ix, x) = arg;
        }
    }
}
