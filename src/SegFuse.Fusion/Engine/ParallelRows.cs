namespace SegFuse.Fusion.Engine;

/// <summary>A per-row kernel: <see cref="Invoke"/> processes row <c>y</c> and touches no other row's output.</summary>
internal interface IRowOperation
{
    /// <summary>Processes row <paramref name="y"/>.</summary>
    void Invoke(int y);
}

/// <summary>
/// Runs a <see cref="IRowOperation"/> over the rows of an image on several cores. The operation is a readonly struct
/// passed by reference, not a lambda, so the per-row call is direct and allocation-free; the rows are split into a
/// few contiguous bands per worker. Because each row's output depends only on that row's work, the result does not
/// depend on how the rows were split.
/// </summary>
internal static class ParallelRows
{
    /// <summary>Runs <paramref name="operation"/> on rows 0..<paramref name="height"/>−1 with at most <paramref name="workers"/> threads.</summary>
    public static void For<T>(int height, in T operation, int workers)
        where T : struct, IRowOperation
    {
        if (workers <= 1 || height < 16)
        {
            for (int y = 0; y < height; y++)
            {
                operation.Invoke(y);
            }

            return;
        }

        int bands = Math.Min(height, workers * 4);
        var runner = new BandRunner<T>(operation, height, bands);
        Parallel.For(0, bands, new ParallelOptions { MaxDegreeOfParallelism = workers }, runner.Run);
    }

    private sealed class BandRunner<T>(T operation, int height, int bands)
        where T : struct, IRowOperation
    {
        private readonly T _operation = operation;

        public void Run(int band)
        {
            int y0 = (int)((long)band * height / bands);
            int y1 = (int)((long)(band + 1) * height / bands);
            for (int y = y0; y < y1; y++)
            {
                _operation.Invoke(y);
            }
        }
    }
}
