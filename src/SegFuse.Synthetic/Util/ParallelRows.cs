namespace SegFuse.Synthetic.Util;

/// <summary>A per-row (or per-column) kernel, run in parallel by <see cref="ParallelRows"/>.</summary>
internal interface IRowOperation
{
    void Invoke(int y);
}

/// <summary>Runs a <see cref="IRowOperation"/> over 0..count-1 in parallel chunks, on every core.</summary>
internal static class ParallelRows
{
    public static void For<T>(int count, in T operation, CancellationToken cancellationToken = default)
        where T : struct, IRowOperation
    {
        int chunks = Math.Min(count, Environment.ProcessorCount * 8);
        var wrapper = new Wrapper<T>(operation, count, chunks);
        var options = new ParallelOptions { CancellationToken = cancellationToken };
        Parallel.For(0, chunks, options, wrapper.Run);
    }

    private sealed class Wrapper<T>(T operation, int count, int chunks)
        where T : struct, IRowOperation
    {
        private readonly T _operation = operation;

        public void Run(int chunk)
        {
            int start = (int)((long)count * chunk / chunks);
            int end = (int)((long)count * (chunk + 1) / chunks);
            for (int y = start; y < end; y++)
            {
                _operation.Invoke(y);
            }
        }
    }
}
