namespace SegFuse.Cli.Commands;

/// <summary>
/// A progress bar that appears only once the work's size is known (after the inputs were checked), so that a run
/// rejected for bad input prints nothing but its one error line.
/// </summary>
internal sealed class DeferredProgress(CliConsole console, string label, string unit = "frames") : IProgress<long>, IDisposable
{
    private ProgressBar? _bar;

    /// <summary>Shows the bar for <paramref name="total"/> items.</summary>
    public void Start(long total) => _bar ??= console.Progress(label, total, unit);

    /// <inheritdoc />
    public void Report(long value) => _bar?.Report(value);

    /// <summary>Seconds since the bar appeared (0 if it never did).</summary>
    public double Elapsed => _bar?.Elapsed ?? 0;

    /// <summary>Draws the final state, if the bar appeared.</summary>
    public void Dispose() => _bar?.Dispose();
}
