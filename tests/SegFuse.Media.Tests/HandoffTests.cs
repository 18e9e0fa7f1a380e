using SegFuse.Media.Rendering;
using SegFuse.Media.Threading;

namespace SegFuse.Media.Tests;

/// <summary>The allocation-free hand-off queue and row runner the frame loops use.</summary>
public class HandoffTests
{
    [Fact]
    public async Task Items_pass_in_order_between_threads_and_completion_drains_the_rest()
    {
        var queue = new Handoff<int>(3);
        var producer = Task.Run(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                Assert.True(queue.TryAdd(i));
            }

            queue.Complete();
        });
        var seen = new List<int>();
        while (queue.TryTake(out int item))
        {
            seen.Add(item);
        }

        await producer;
        Assert.Equal(Enumerable.Range(0, 1000), seen);
        Assert.False(queue.TryAdd(5));
        Assert.Null(queue.Error);
    }

    [Fact]
    public void Error_waits_for_the_taker_and_cancellation_and_timeouts_end_a_wait()
    {
        var queue = new Handoff<string>(1);
        Assert.True(queue.TryAdd("a"));
        using var cts = new CancellationTokenSource(100);
        Assert.Throws<OperationCanceledException>(() => queue.TryAdd("b", cts.Token));
        queue.Complete(new InvalidDataException("bad file"));
        Assert.True(queue.TryTake(out var first));
        Assert.Equal("a", first);
        Assert.False(queue.TryTake(out _));
        Assert.IsType<InvalidDataException>(queue.Error);

        var empty = new Handoff<int>(2);
        Assert.False(empty.TryTake(out _, 30, CancellationToken.None, out bool timedOut));
        Assert.True(timedOut);
    }

    [Fact]
    public void Rows_run_once_each_and_an_error_in_any_block_reaches_the_caller()
    {
        var hits = new int[1000];
        for (int round = 0; round < 3; round++)
        {
            var op = new Count(hits, -1);
            RowParallel.For(hits.Length, in op, 8);
        }

        Assert.All(hits, h => Assert.Equal(3, h));
        var failing = new Count(new int[1000], 900);
        Assert.Throws<InvalidOperationException>(() => RowParallel.For(1000, in failing, 8));
    }

    private readonly struct Count(int[] hits, int failAt) : IRowOperation
    {
        public void Invoke(int y)
        {
            if (y == failAt)
            {
                throw new InvalidOperationException($"row {y}");
            }

            Interlocked.Increment(ref hits[y]);
        }
    }
}
