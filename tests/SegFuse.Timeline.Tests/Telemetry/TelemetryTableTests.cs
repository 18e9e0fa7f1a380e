using SegFuse.Timeline.Telemetry;

namespace SegFuse.Timeline.Tests.Telemetry;

public class TelemetryTableTests
{
    private static TelemetryTable Parse(string csv, TelemetryOptions? options = null) =>
        TelemetryTable.Parse(new StringReader(csv), "tel.csv", options ?? new TelemetryOptions());

    private static SegFuseInputException Bad(string csv, TelemetryOptions? options = null) =>
        Assert.Throws<SegFuseInputException>(() => Parse(csv, options));

    [Fact]
    public void Interpolates_linearly_between_samples()
    {
        var t = Parse("time,speed,steer\n0,10,-1\n1,20,1\n3,0,0\n", new TelemetryOptions { MaxGap = 5 });
        Assert.Equal("time", t.TimeColumn);
        Assert.Equal(["speed", "steer"], t.Columns);
        var v = new double[2];
        Assert.Equal(new TelemetryFlags(false, false), t.Sample(0.25, v));
        Assert.Equal(12.5, v[0], 12);
        Assert.Equal(-0.5, v[1], 12);
        t.Sample(2, v);
        Assert.Equal(10, v[0], 12);
        Assert.Equal(0.5, v[1], 12);
    }

    [Fact]
    public void Outside_the_range_values_are_clamped_and_flagged()
    {
        var t = Parse("timestamp,speed\n1,5\n2,7\n");
        var v = new double[1];
        Assert.True(t.Sample(0.5, v).Extrapolated);
        Assert.Equal(5, v[0]);
        Assert.True(t.Sample(9, v).Extrapolated);
        Assert.Equal(7, v[0]);
        Assert.False(t.Sample(1, v).Extrapolated);
        Assert.False(t.Sample(2, v).Extrapolated);
    }

    [Fact]
    public void A_time_inside_a_long_gap_is_flagged()
    {
        var t = Parse("t,a\n0,0\n0.1,1\n1.0,2\n1.1,3\n", new TelemetryOptions { MaxGap = 0.5 });
        var v = new double[1];
        Assert.False(t.Sample(0.05, v).Gap);
        Assert.True(t.Sample(0.5, v).Gap);
        Assert.Equal(1.0 + (0.4 / 0.9), v[0], 12);
        Assert.False(t.Sample(1.0, v).Gap);
        Assert.False(Parse("t,a\n0,0\n0.1,1\n1.0,2\n", new TelemetryOptions { MaxGap = 1 }).Sample(0.5, v).Gap);
    }

    [Fact]
    public void Time_unit_and_offset_put_telemetry_on_the_video_clock()
    {
        var t = Parse("ms,speed\n1000,0\n2000,10\n", new TelemetryOptions { TimeColumn = "ms", TimeUnit = TimeUnit.Milliseconds, TimeOffset = -0.5 });
        Assert.Equal(0.5, t.Start, 12);
        Assert.Equal(1.5, t.End, 12);
        var v = new double[1];
        t.Sample(1.0, v);
        Assert.Equal(5, v[0], 12);
        var us = Parse("Timestamp,x\n0,0\n500000,1\n", new TelemetryOptions { TimeUnit = TimeUnit.Microseconds });
        Assert.Equal(0.5, us.End, 12);
    }

    [Fact]
    public void Time_column_names_are_found_in_order_and_case_insensitively()
    {
        Assert.Equal("TIMESTAMP", Parse("speed,TIMESTAMP,t\n1,0,5\n").TimeColumn);
        Assert.Equal("T", Parse("speed,T\n1,0\n").TimeColumn);
        Assert.Equal(["speed", "t"], Parse("speed,timestamp,t\n1,0,5\n").Columns);
    }

    [Fact]
    public void Quoted_cells_crlf_and_blank_lines_are_read()
    {
        var t = Parse("\"time\",\"speed (m/s)\"\r\n0,1\r\n\r\n\"1\",3\r\n");
        Assert.Equal(["speed (m/s)"], t.Columns);
        Assert.Equal(2, t.Count);
    }

    [Fact]
    public void A_single_row_is_constant_and_flagged_away_from_it()
    {
        var t = Parse("t,a\n2,9\n");
        var v = new double[1];
        Assert.True(t.Sample(1, v).Extrapolated);
        Assert.Equal(9, v[0]);
        Assert.False(t.Sample(2, v).Extrapolated);
    }

    [Fact]
    public void Non_monotonic_time_is_an_error_naming_the_line()
    {
        var e = Bad("t,a\n0,0\n0.2,1\n0.1,2\n");
        Assert.Equal("tel.csv", e.Subject);
        Assert.StartsWith("line 4:", e.Reason, StringComparison.Ordinal);
        Assert.Contains("line 3", e.Reason, StringComparison.Ordinal);
        Assert.StartsWith("line 3:", Bad("t,a\n0,0\n0,1\n").Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("t,a\n0,0\n1,fast\n", "line 3:", "'fast'")]
    [InlineData("t,a\n0,0\n1,\n", "line 3:", "empty")]
    [InlineData("t,a\n0,0\n1,NaN\n", "line 3:", "finite")]
    [InlineData("t,a\n0,0\nx,1\n", "line 3:", "'x'")]
    [InlineData("t,a\n0,0\n1,2,3\n", "line 3:", "3 cells")]
    [InlineData("t,a\n0,\"1\n", "line 2:", "not closed")]
    public void Bad_cells_are_errors_naming_the_line(string csv, string line, string reason)
    {
        var e = Bad(csv);
        Assert.StartsWith(line, e.Reason, StringComparison.Ordinal);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_time_column_is_an_error_naming_the_header_line()
    {
        var e = Bad("speed,steer\n1,2\n");
        Assert.StartsWith("line 1:", e.Reason, StringComparison.Ordinal);
        Assert.Contains("timestamp, time or t", e.Reason, StringComparison.Ordinal);
        Assert.Contains("--time-column", Bad("speed,steer\n1,2\n", new TelemetryOptions { TimeColumn = "clock" }).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_csv_with_no_rows_is_an_error()
    {
        Assert.Contains("no data rows", Bad("t,speed\n").Reason, StringComparison.Ordinal);
        Assert.Contains("no data rows", Bad("t,speed\n\n\n").Reason, StringComparison.Ordinal);
        Assert.Contains("empty file", Bad(string.Empty).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_and_unnamed_columns_are_errors()
    {
        Assert.Contains("twice", Bad("t,a,a\n0,1,2\n").Reason, StringComparison.Ordinal);
        Assert.Contains("no name", Bad("t,,a\n0,1,2\n").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_options_name_the_option()
    {
        Assert.Equal("--max-gap", Bad("t,a\n0,1\n", new TelemetryOptions { MaxGap = 0 }).Subject);
        Assert.Equal("--time-unit", Assert.Throws<SegFuseInputException>(() => TelemetryOptions.ParseUnit("h")).Subject);
        Assert.Equal(TimeUnit.Microseconds, TelemetryOptions.ParseUnit("us"));
    }

    [Fact]
    public void Load_names_a_missing_file()
    {
        var e = Assert.Throws<SegFuseInputException>(() => TelemetryTable.Load("/no/such/tel.csv"));
        Assert.Equal("/no/such/tel.csv", e.Subject);
    }
}
