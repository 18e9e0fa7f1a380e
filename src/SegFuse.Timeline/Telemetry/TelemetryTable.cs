using System.Globalization;
using System.Text;
using MathNet.Numerics.Interpolation;

namespace SegFuse.Timeline.Telemetry;

/// <summary>The unit of a telemetry CSV's time column (<c>--time-unit</c>).</summary>
public enum TimeUnit
{
    /// <summary>Seconds (<c>s</c>).</summary>
    Seconds,

    /// <summary>Milliseconds (<c>ms</c>).</summary>
    Milliseconds,

    /// <summary>Microseconds (<c>us</c>).</summary>
    Microseconds,
}

/// <summary>How to read a telemetry CSV.</summary>
public sealed record TelemetryOptions
{
    /// <summary>The names tried for the time column, in order, when <see cref="TimeColumn"/> is not given.</summary>
    public static IReadOnlyList<string> DefaultTimeColumns { get; } = ["timestamp", "time", "t"];

    /// <summary>The time column's name (<c>--time-column</c>); null picks the first of <c>timestamp</c>, <c>time</c>, <c>t</c> (case-insensitive).</summary>
    public string? TimeColumn { get; init; }

    /// <summary>The time column's unit (<c>--time-unit</c>).</summary>
    public TimeUnit TimeUnit { get; init; } = TimeUnit.Seconds;

    /// <summary>Seconds added to every telemetry time to put it on the video's clock (<c>--time-offset</c>): video time = telemetry time + offset.</summary>
    public double TimeOffset { get; init; }

    /// <summary>A frame between two samples further apart than this many seconds is flagged <c>gap</c> (<c>--max-gap</c>, default 0.5).</summary>
    public double MaxGap { get; init; } = 0.5;

    /// <summary>Parses <c>s</c>, <c>ms</c> or <c>us</c>.</summary>
    /// <exception cref="SegFuseInputException">Any other unit; the subject is <c>--time-unit</c>.</exception>
    public static TimeUnit ParseUnit(string text) => text.Trim().ToLowerInvariant() switch
    {
        "s" or "sec" or "seconds" => TimeUnit.Seconds,
        "ms" or "milliseconds" => TimeUnit.Milliseconds,
        "us" or "µs" or "microseconds" => TimeUnit.Microseconds,
        _ => throw new SegFuseInputException("--time-unit", $"'{text}' is not a time unit (s, ms or us)"),
    };
}

/// <summary>Where a frame's time fell against the telemetry.</summary>
/// <param name="Extrapolated">The time lies outside the telemetry's range: the values are the first or last row's (clamped).</param>
/// <param name="Gap">The time lies between two samples further apart than <see cref="TelemetryOptions.MaxGap"/>.</param>
public readonly record struct TelemetryFlags(bool Extrapolated, bool Gap);

/// <summary>
/// A telemetry CSV: a header row, one time column, and any numeric columns, sampled at the telemetry's own rate.
/// <see cref="Sample"/> gives the values at any time by linear interpolation (MathNet.Numerics), clamped and flagged
/// outside the range, and flags times inside gaps longer than <see cref="TelemetryOptions.MaxGap"/>.
/// </summary>
/// <remarks>
/// Strict on input: times must increase from row to row, every cell must be a finite number (comma-separated,
/// invariant culture, optional double quotes), every row must have the header's number of cells, and there must be at
/// least one data row. Each of these is a <see cref="SegFuseInputException"/> naming the file and the line. Blank lines
/// are skipped.
/// </remarks>
public sealed class TelemetryTable
{
    private readonly double[] _times;
    private readonly double[][] _columns;
    private readonly LinearSpline[]? _splines;
    private readonly double _maxGap;

    private TelemetryTable(string source, string timeColumn, string[] names, double[] times, double[][] columns, double maxGap)
    {
        Source = source;
        TimeColumn = timeColumn;
        Columns = names;
        _times = times;
        _columns = columns;
        _maxGap = maxGap;
        if (times.Length >= 2)
        {
            _splines = new LinearSpline[columns.Length];
            for (int c = 0; c < columns.Length; c++)
            {
                _splines[c] = LinearSpline.InterpolateSorted(times, columns[c]);
            }
        }
    }

    /// <summary>The file (or name) the table was read from.</summary>
    public string Source { get; }

    /// <summary>The name of the time column as the header spells it.</summary>
    public string TimeColumn { get; }

    /// <summary>The value columns, in file order (the time column left out).</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>How many rows (samples) the table has.</summary>
    public int Count => _times.Length;

    /// <summary>The first sample's time on the video's clock, in seconds (unit and offset applied).</summary>
    public double Start => _times[0];

    /// <summary>The last sample's time on the video's clock, in seconds.</summary>
    public double End => _times[^1];

    /// <summary>The time of row <paramref name="row"/> on the video's clock, in seconds.</summary>
    public double TimeAt(int row) => _times[row];

    /// <summary>The value of column <paramref name="column"/> in row <paramref name="row"/>.</summary>
    public double ValueAt(int row, int column) => _columns[column][row];

    /// <summary>Reads a telemetry CSV file.</summary>
    /// <exception cref="SegFuseInputException">Missing or unreadable file, or any of the input errors in the remarks.</exception>
    public static TelemetryTable Load(string path, TelemetryOptions? options = null)
    {
        if (!File.Exists(path))
        {
            throw new SegFuseInputException(path, "no such file");
        }

        try
        {
            using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return Parse(reader, path, options ?? new TelemetryOptions());
        }
        catch (IOException e)
        {
            throw new SegFuseInputException(path, $"cannot read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SegFuseInputException(path, $"cannot read: {e.Message}", e);
        }
    }

    /// <summary>Parses a telemetry CSV from <paramref name="reader"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="SegFuseInputException">Any of the input errors in the remarks.</exception>
    public static TelemetryTable Parse(TextReader reader, string source, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        if (!double.IsFinite(options.TimeOffset))
        {
            throw new SegFuseInputException("--time-offset", "must be a finite number of seconds");
        }

        if (!(options.MaxGap > 0))
        {
            throw new SegFuseInputException("--max-gap", "must be a positive number of seconds");
        }

        int lineNo = 0;
        string? line;
        List<string>? header = null;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                header = SplitCells(line, source, lineNo);
                break;
            }
        }

        if (header is null)
        {
            throw new SegFuseInputException(source, "empty file: a telemetry CSV has a header row and data rows");
        }

        int headerLine = lineNo;
        int timeIndex = FindTimeColumn(header, options, source, headerLine);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < header.Count; i++)
        {
            if (header[i].Length == 0)
            {
                throw new SegFuseInputException(source, $"line {headerLine}: column {i + 1} of the header has no name");
            }

            if (!seen.Add(header[i]))
            {
                throw new SegFuseInputException(source, $"line {headerLine}: column '{header[i]}' appears twice in the header");
            }
        }

        double scale = options.TimeUnit switch
        {
            TimeUnit.Milliseconds => 1e-3,
            TimeUnit.Microseconds => 1e-6,
            _ => 1.0,
        };

        var times = new List<double>();
        var columns = new List<double>[header.Count - 1];
        for (int c = 0; c < columns.Length; c++)
        {
            columns[c] = [];
        }

        double lastRaw = double.NegativeInfinity;
        int lastLine = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var cells = SplitCells(line, source, lineNo);
            if (cells.Count != header.Count)
            {
                throw new SegFuseInputException(source, $"line {lineNo}: {cells.Count} cells where the header has {header.Count} columns");
            }

            int col = 0;
            for (int i = 0; i < cells.Count; i++)
            {
                double value = ParseCell(cells[i], header[i], source, lineNo);
                if (i == timeIndex)
                {
                    if (value <= lastRaw)
                    {
                        throw new SegFuseInputException(source, string.Create(CultureInfo.InvariantCulture,
                            $"line {lineNo}: {header[i]} {cells[i]} is not after {lastRaw} on line {lastLine} (telemetry times must increase)"));
                    }

                    lastRaw = value;
                    lastLine = lineNo;
                    times.Add((value * scale) + options.TimeOffset);
                }
                else
                {
                    columns[col++].Add(value);
                }
            }
        }

        if (times.Count == 0)
        {
            throw new SegFuseInputException(source, $"has a header (line {headerLine}) but no data rows");
        }

        var names = header.Where((_, i) => i != timeIndex).ToArray();
        return new TelemetryTable(source, header[timeIndex], names, [.. times], columns.Select(c => c.ToArray()).ToArray(), options.MaxGap);
    }

    /// <summary>
    /// Writes the value of every column at <paramref name="time"/> (video clock, seconds) into <paramref name="values"/>
    /// (length <see cref="Columns"/>.Count): linear interpolation between the two samples around it, the first or
    /// last row's values outside the range.
    /// </summary>
    /// <returns>Whether the time was outside the range (clamped) or inside a gap.</returns>
    public TelemetryFlags Sample(double time, Span<double> values)
    {
        if (values.Length != _columns.Length)
        {
            throw new ArgumentException($"expected {_columns.Length} values", nameof(values));
        }

        if (time <= _times[0] || time >= _times[^1] || _splines is null)
        {
            int row = time <= _times[0] ? 0 : _times.Length - 1;
            for (int c = 0; c < values.Length; c++)
            {
                values[c] = _columns[c][row];
            }

            return new TelemetryFlags(Extrapolated: time != _times[row], Gap: false);
        }

        for (int c = 0; c < values.Length; c++)
        {
            values[c] = _splines[c].Interpolate(time);
        }

        int k = Array.BinarySearch(_times, time);
        bool gap = k < 0 && _times[~k] - _times[~k - 1] > _maxGap;
        return new TelemetryFlags(Extrapolated: false, Gap: gap);
    }

    private static int FindTimeColumn(List<string> header, TelemetryOptions options, string source, int line)
    {
        if (options.TimeColumn is { } wanted)
        {
            int exact = header.FindIndex(h => string.Equals(h, wanted, StringComparison.Ordinal));
            int index = exact >= 0 ? exact : header.FindIndex(h => string.Equals(h, wanted, StringComparison.OrdinalIgnoreCase));
            return index >= 0
                ? index
                : throw new SegFuseInputException(source, $"line {line}: no column named '{wanted}' (--time-column); the header has {string.Join(", ", header)}");
        }

        foreach (var name in TelemetryOptions.DefaultTimeColumns)
        {
            int index = header.FindIndex(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                return index;
            }
        }

        throw new SegFuseInputException(source,
            $"line {line}: no time column named timestamp, time or t (pass --time-column NAME); the header has {string.Join(", ", header)}");
    }

    private static double ParseCell(string cell, string column, string source, int line)
    {
        if (cell.Length == 0)
        {
            throw new SegFuseInputException(source, $"line {line}: column '{column}' is empty");
        }

        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            throw new SegFuseInputException(source, $"line {line}: column '{column}' holds '{cell}', not a finite number");
        }

        return value;
    }

    /// <summary>Splits one CSV line at commas; a cell may be wrapped in double quotes (a doubled quote inside is one quote). Cells are trimmed.</summary>
    private static List<string> SplitCells(string line, string source, int lineNo)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(ch);
                }
            }
            else if (ch == '"' && cell.ToString().Trim().Length == 0)
            {
                cell.Clear();
                quoted = true;
            }
            else if (ch == ',')
            {
                cells.Add(cell.ToString().Trim());
                cell.Clear();
            }
            else
            {
                cell.Append(ch);
            }
        }

        if (quoted)
        {
            throw new SegFuseInputException(source, $"line {lineNo}: a quoted cell is not closed");
        }

        cells.Add(cell.ToString().Trim());
        return cells;
    }
}
