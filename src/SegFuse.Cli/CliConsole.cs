namespace SegFuse.Cli;

/// <summary>
/// Where a command writes: results to <see cref="Out"/>, progress and errors to <see cref="Error"/>.
/// Injected so that tests run commands in-process and read what they print.
/// </summary>
internal sealed class CliConsole(TextWriter output, TextWriter error, bool isTerminal)
{
    /// <summary>Results: tables, summaries, ids that scripts read from the last line.</summary>
    public TextWriter Out { get; } = output;

    /// <summary>Progress, warnings and errors.</summary>
    public TextWriter Error { get; } = error;

    /// <summary>Whether <see cref="Error"/> is a terminal (progress bars redraw in place) or redirected (plain lines).</summary>
    public bool IsTerminal { get; } = isTerminal;

    /// <summary>Starts a progress display for <paramref name="total"/> items of work.</summary>
    public ProgressBar Progress(string label, long total, string unit = "frames") => new(Error, IsTerminal, label, total, unit);

    /// <summary>Writes a warning line.</summary>
    public void Warn(string message) => Error.WriteLine($"warning: {message}");
}
