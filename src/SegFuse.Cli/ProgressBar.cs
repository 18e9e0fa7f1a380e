using System.Diagnostics;
using System.Globalization;

namespace SegFuse.Cli;

/// <summary>
/// Shows how far long work has come: on a terminal a bar redrawn in place (at most ten times a second),
/// otherwise a plain line at every tenth of the work, so logs stay readable. Thread-safe.
/// </summary>
internal sealed class ProgressBar : IProgress<long>, IDisposable
{
    private const int BarWidth = 30;
    private readonly TextWriter _writer;
    private readonly bool _terminal;
    private readonly string _label;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private long _done;
    private long _lastDrawTicks = long.MinValue;
    private int _lastDecile = -1;
    private long _lastPrinted = -1;
    private bool _finished;

    public ProgressBar(TextWriter writer, bool terminal, string label, long total, string unit)
    {
        _writer = writer;
        _terminal = terminal;
        _label = label;
        _unit = unit;
        Total = Math.Max(total, 0);
    }

    /// <summary>Items of work in all.</summary>
    public long Total { get; set; }

    /// <summary>Seconds since the bar started.</summary>
    public double Elapsed => _clock.Elapsed.TotalSeconds;

    /// <summary>Sets the number of items done.</summary>
    public void Report(long value)
    {
        lock (_lock)
        {
            _done = value;
            Draw(force: false);
        }
    }

    /// <summary>Adds one item done.</summary>
    public void Increment()
    {
        lock (_lock)
        {
            _done++;
            Draw(force: false);
        }
    }

    /// <summary>Draws the final state and ends the line.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_finished)
            {
                return;
            }

            _finished = true;
            Draw(force: true);
            if (_terminal)
            {
                _writer.WriteLine();
            }

            _writer.Flush();
        }
    }

    private void Draw(bool force)
    {
        double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        double rate = _done / seconds;
        double fraction = Total > 0 ? Math.Clamp((double)_done / Total, 0, 1) : 0;
        if (_terminal)
        {
            long now = _clock.ElapsedTicks;
            if (!force && now - _lastDrawTicks < Stopwatch.Frequency / 10)
            {
                return;
            }

            _lastDrawTicks = now;
            int filled = (int)(fraction * BarWidth);
            string eta = rate > 0 && Total > _done ? $" eta {FormatSeconds((Total - _done) / rate)}" : string.Empty;
            _writer.Write(string.Create(
                CultureInfo.InvariantCulture,
                $"\r{_label} [{new string('#', filled)}{new string('-', BarWidth - filled)}] {fraction * 100,5:0.0}% {_done}/{Total} {_unit} {rate:0.0}/s{eta}   "));
        }
        else
        {
            // Plain lines: one per tenth of the work, and the final state once.
            int decile = (int)(fraction * 10);
            if ((!force && decile <= _lastDecile) || _done == _lastPrinted)
            {
                return;
            }

            _lastDecile = decile;
            _lastPrinted = _done;
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_label}: {_done}/{Total} {_unit} ({fraction * 100:0}%) in {seconds:0.0} s, {rate:0.0}/s"));
        }
    }

    private static string FormatSeconds(double s) => s < 60 ? $"{s:0}s" : $"{(int)(s / 60)}m{(int)(s % 60):00}s";
}
