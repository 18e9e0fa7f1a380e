using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegFuse.Inference.Segment;

/// <summary>Running per-pixel argmax over class rows, vectorised.</summary>
internal static class Argmax
{
    /// <summary>
    /// For every x where <c>values[x] &gt; best[x]</c>, sets <c>best[x] = values[x]</c> and <c>index[x] = classIndex</c>.
    /// Strictly greater: on ties the earlier class stays, as numpy's and PyTorch's argmax do (NaN never wins).
    /// </summary>
    public static void Update(ReadOnlySpan<float> values, Span<float> best, Span<int> index, int classIndex)
    {
        int n = values.Length;
        if (best.Length < n || index.Length < n)
        {
            throw new ArgumentException("best and index must be at least as long as values");
        }

        ref float v = ref MemoryMarshal.GetReference(values);
        ref float b = ref MemoryMarshal.GetReference(best);
        ref int ix = ref MemoryMarshal.GetReference(index);
        nuint x = 0;

        // Tier 1: 8 floats per step. GreaterThan gives an all-ones lane mask where this class beats the best so
        // far; the same mask, reinterpreted as int lanes (float and int lanes are both 32 bits wide), selects
        // the class index into `index`.
        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var cls = Vector256.Create(classIndex);
            for (; x <= (nuint)(n - Vector256<float>.Count); x += (nuint)Vector256<float>.Count)
            {
                var current = Vector256.LoadUnsafe(ref v, x);
                var currentBest = Vector256.LoadUnsafe(ref b, x);
                var wins = Vector256.GreaterThan(current, currentBest);
                Vector256.ConditionalSelect(wins, current, currentBest).StoreUnsafe(ref b, x);
                Vector256.ConditionalSelect(wins.AsInt32(), cls, Vector256.LoadUnsafe(ref ix, x)).StoreUnsafe(ref ix, x);
            }
        }

        // Tier 2: 4 floats per step, for the remainder of tier 1 (or the whole row without AVX).
        if (Vector128.IsHardwareAccelerated && n - (int)x >= Vector128<float>.Count)
        {
            var cls = Vector128.Create(classIndex);
            for (; x <= (nuint)(n - Vector128<float>.Count); x += (nuint)Vector128<float>.Count)
            {
                var current = Vector128.LoadUnsafe(ref v, x);
                var currentBest = Vector128.LoadUnsafe(ref b, x);
                var wins = Vector128.GreaterThan(current, currentBest);
                Vector128.ConditionalSelect(wins, current, currentBest).StoreUnsafe(ref b, x);
                Vector128.ConditionalSelect(wins.AsInt32(), cls, Vector128.LoadUnsafe(ref ix, x)).StoreUnsafe(ref ix, x);
            }
        }

        // Tier 3: scalar tail.
        for (; x < (nuint)n; x++)
        {
            float current = Unsafe.Add(ref v, x);
            if (current > Unsafe.Add(ref b, x))
            {
                Unsafe.Add(ref b, x) = current;
                Unsafe.Add(ref ix, x) = classIndex;
            }
        }
    }
}
