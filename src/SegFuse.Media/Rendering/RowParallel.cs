namespace SegFuse.Media.Rendering;

/// <summary>A per-row kernel, passed by value as a generic struct so the JIT inlines it (no closure, no delegate per row).</summary>
internal interface IRowOperation
{
    void Invoke(int y);
}

/// <summary>Runs a row kernel over all rows, in one block of rows per core: the caller's thread takes the first block.</summary>
/// <remarks>
/// The other blocks go to the thread pool as work items that are kept per thread and kernel type and reused, with a
/// reused event to wait on: a frame loop allocates nothing here (a <c>Task</c> per block and call allocated about
/// 300 bytes per frame, which made the managed heap grow with the video's length).
/// </remarks>
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

        var items = Blocks<T>.ForThisThread(blocks - 1);
        for (int b = 1; b < blocks; b++)
        {
            var item = items[b - 1];
            item.Start(operation, (int)((long)height * b / blocks), (int)((long)height * (b + 1) / blocks));
            ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
        }

        Exception? error = null;
        try
        {
            Run(operation, 0, height / blocks);
        }
        catch (Exception e)
        {
            error = e;
        }

        for (int b = 0; b < blocks - 1; b++)
        {
            error ??= items[b].Wait();
        }

        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    private static void Run<T>(in T operation, int start, int end)
        where T : struct, IRowOperation
    {
        for (int y = start; y < end; y++)
        {
            operation.Invoke(y);
        }
    }

    /// <summary>The reusable work items of one calling thread for kernel type <typeparamref name="T"/>.</summary>
    private static class Blocks<T>
        where T : struct, IRowOperation
    {
        [ThreadStatic]
        private static Block<T>[]? _items;

        public static Block<T>[] ForThisThread(int count)
        {
            var items = _items;
            if (items is null || items.Length < count)
            {
                items = new Block<T>[count];
                for (int i = 0; i < count; i++)
                {
                    items[i] = new Block<T>();
                }

                _items = items;
            }

            return items;
        }
    }

    /// <summary>One block of rows run on the thread pool; reused call after call by the thread that owns it.</summary>
    private sealed class Block<T> : IThreadPoolWorkItem
        where T : struct, IRowOperation
    {
        private readonly ManualResetEventSlim _done = new(false);
        private T _operation;
        private int _start;
        private int _end;
        private Exception? _error;

        public void Start(in T operation, int start, int end)
        {
            _operation = operation;
            (_start, _end, _error) = (start, end, null);
            _done.Reset();
        }

        public void Execute()
        {
            try
            {
                Run(_operation, _start, _end);
            }
            catch (Exception e)
            {
                _error = e;
            }
            finally
            {
                _done.Set();
            }
        }

        /// <summary>Waits for the block; its error, if any. Releases the kernel (it may reference frame buffers).</summary>
        public Exception? Wait()
        {
            _done.Wait();
            _operation = default;
            return _error;
        }
    }
}
