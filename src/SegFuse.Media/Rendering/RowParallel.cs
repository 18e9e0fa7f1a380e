namespace SegFuse.Media.Rendering;

/// <summary>A per-row kernel, passed by value as a generic struct so the JIT inlines it (no closure, no delegate per row).</summary>
internal interface IRowOperation
{
    void Invoke(int y);
}

/// <summary>Runs a row kernel over all rows, in one block of rows per core: the caller's thread takes the first block.</summary>
/// <remarks>One small task per extra core and call, no <c>Parallel.For</c> machinery: frame loops stay nearly allocation-free.</remarks>
internal static class RowParallel
{
    public static void For<T>(int height, in T operation, int minRowsPerTask = 32)
        where T : struct, IRowOperation
    {
        int blocks = Math.Min(Environment.ProcessorCount, Math.Max(1, height / minRowsPerTask));
        if (blocks <= 1)
        {
            Run(operation, 0, height);
            return;
        }

        var others = new Task[blocks - 1];
        for (int b = 1; b < blocks; b++)
        {
            others[b - 1] = Task.Factory.StartNew(
                static state =>
                {
                    var (op, start, end) = ((T, int, int))state!;
                    Run(op, start, end);
                },
                (operation, (int)((long)height * b / blocks), (int)((long)height * (b + 1) / blocks)),
                CancellationToken.None,
                TaskCreationOptions.DenyChildAttach,
                TaskScheduler.Default);
        }

        Run(operation, 0, height / blocks);
        Task.WaitAll(others);
    }

    private static void Run<T>(T operation, int start, int end)
        where T : struct, IRowOperation
    {
        for (int y = start; y < end; y++)
        {
            operation.Invoke(y);
        }
    }
}
