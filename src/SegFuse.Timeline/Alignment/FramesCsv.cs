using System.Globalization;

namespace SegFuse.Timeline.Alignment;

/// <summary>
/// Writes an alignment as <c>frames.csv</c>: one row per decoded frame,
/// <c>frame,timestamp,&lt;telemetry columns&gt;,extrapolated,gap,flow,pred,gt</c>. Numbers are invariant-culture and
/// round-trip; flags are 1/0 (empty without telemetry); the last three are file names (not paths) or empty.
/// </summary>
public static class FramesCsv
{
    /// <summary>The header row for telemetry columns <paramref name="telemetryColumns"/>.</summary>
    public static string Header(IReadOnlyList<string> telemetryColumns)
    {
        ArgumentNullException.ThrowIfNull(telemetryColumns);
        return string.Join(',', new[] { "frame", "timestamp" }.Concat(telemetryColumns).Concat(["extrapolated", "gap", "flow", "pred", "gt"]).Select(Escape));
    }

    /// <summary>Writes the header, then each frame as it comes (streaming); returns the number of rows.</summary>
    public static int Write(TextWriter writer, IReadOnlyList<string> telemetryColumns, IEnumerable<AlignedFrame> frames, bool hasTelemetry)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(frames);
        writer.Write(Header(telemetryColumns));
        writer.Write('\n');
        int rows = 0;
        foreach (var f in frames)
        {
            WriteRow(writer, f, hasTelemetry);
            rows++;
        }

        return rows;
    }

    /// <summary>Writes one frame's row.</summary>
    public static void WriteRow(TextWriter writer, AlignedFrame frame, bool hasTelemetry)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(frame);
        var c = CultureInfo.InvariantCulture;
        writer.Write(frame.Index.ToString(c));
        writer.Write(',');
        writer.Write(frame.Timestamp.ToString("R", c));
        foreach (double v in frame.Telemetry)
        {
            writer.Write(',');
            writer.Write(v.ToString("R", c));
        }

        writer.Write(',');
        writer.Write(hasTelemetry ? (frame.Flags.Extrapolated ? "1" : "0") : string.Empty);
        writer.Write(',');
        writer.Write(hasTelemetry ? (frame.Flags.Gap ? "1" : "0") : string.Empty);
        writer.Write(',');
        writer.Write(Escape(frame.FlowPath is null ? string.Empty : Path.GetFileName(frame.FlowPath)));
        writer.Write(',');
        writer.Write(Escape(frame.PredictionPath is null ? string.Empty : Path.GetFileName(frame.PredictionPath)));
        writer.Write(',');
        writer.Write(Escape(frame.GroundTruthPath is null ? string.Empty : Path.GetFileName(frame.GroundTruthPath)));
        writer.Write('\n');
    }

    private static string Escape(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
}
