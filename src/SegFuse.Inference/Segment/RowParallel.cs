using System.Buffers;

namespace SegFuse.Inference.Segment;

/// <summary>A per-row kernel with a scratch buffer of <see cref="ScratchLength"/> elements per band of rows.</summary>
internal interface IRowOperation<TScratch>
    where TScratch : unmanaged
{
    /// <summary>Scratch elements one band needs; the same buffer is handed to every row of the band.</summary>
    int ScratchLength { get; }

    /// <summary>Processes row <paramref name="y"/>.</summary>
    void Invoke(int y, Span<TScratch> scratch);
}

/// <summary>
/// Runs a row kernel over an image's rows, in bands spread over up to <c>degree</c> threads. Kernels are
/// <see langword="readonly"/> structs passed by <see langword="in"/>, so the per-row call is direct (no delegate
/// per row, no closure); scratch buffers are pooled, one per band.
/// </summary>
internal static class RowParallel
{
    private const int MinRowsPerBand = 16;

    public static void For<TOp, TScratch>(int rows, in TOp operation, int degree)
        where TOp : struct, IRowOperation<TScratch>
        where TScratch : unmanaged
    {
        int bands = Math.Clamp(rows / MinRowsPerBand, 1, Math.Max(degree, 1) * 2);
        if (degree <= 1 || bands == 1)
        {
            RunBand<TOp, TScratch>(operation, 0, rows);
            return;
        }

        var band = new Band<TOp, TScratch>(operation, rows, bands);
        Parallel.For(0, bands, new ParallelOptions { MaxDegreeOfParallelism = degree }, band.Invoke);
    }

    private static void RunBand<TOp, TScratch>(in TOp operation, int start, int end)
        where TOp : struct, IRowOperation<TScratch>
        where TScratch : unmanaged
    {
        using var scratch = new PooledArray<TScratch>(operation.ScratchLength);
        var span = scratch.Span;
        for (int y = start; y < end; y++)
        {
            operation.Invoke(y, span);
        }
    }

    /// <summary>Holds the kernel for the thread pool; splits rows into <c>bands</c> near-equal runs.</summary>
    private sealed class Band<TOp, TScratch>(TOp operation, int rows, int bands)
        where TOp : struct, IRowOperation<TScratch>
        where TScratch : unmanaged
    {
        private readonly TOp _operation = operation;

        public void Invoke(int band)
        {
            int start = (int)((long)rows * band / bands);
            int end = (int)((long)rows * (band + 1) / bands);
            RunBand<TOp, TScratch>(_operation, start, end);
        }
    }
}

/// <summary>An array rented from <see cref="ArrayPool{T}.Shared"/>, returned on dispose. Use it in a <see langword="using"/> declaration.</summary>
internal readonly struct PooledArray<T> : IDisposable
    where T : unmanaged
{
    private readonly T[] _array;
    private readonly int _length;

    public PooledArray(int length)
    {
        _length = length;
        _array = length == 0 ? [] : ArrayPool<T>.Shared.Rent(length);
    }

    /// <summary>The first <c>length</c> elements (contents are not cleared).</summary>
    public Span<T> Span => _array.AsSpan(0, _length);

    public void Dispose()
    {
        if (_array.Length > 0)
        {
            ArrayPool<T>.Shared.Return(_array);
        }
    }
}
