namespace SegFuse.Media.Rendering;

/// <summary>A per-row kernel, passed by value as a generic struct so the JIT inlines it (no closure, no delegate per row).</summary>
internal interface IRowOperation
{
    void Invoke(int y);
}

/// <summary>Runs a row kernel over all rows, in blocks of rows across the cores.</summary>
internal static class RowParallel
{
    public static void For<T>(int height, in T operation, int minRowsPerTask = 32)
        where T : struct, IRowOperation
    {
        int tasks = Math.Min(Environment.ProcessorCount, Math.Max(1, height / minRowsPerTask));
        if (tasks <= 1)
        {
            for (int y = 0; y < height; y++)
            {
                operation.Invoke(y);
            }

            return;
        }

        var op = operation;
        Parallel.For(0, tasks, t =>
        {
            int start = (int)((long)height * t / tasks), end = (int)((long)height * (t + 1) / tasks);
            for (int y = start; y < end; y++)
            {
                op.Invoke(y);
            }
        });
    }
}
