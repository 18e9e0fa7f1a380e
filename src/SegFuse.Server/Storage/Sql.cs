using System.Globalization;
using Microsoft.Data.Sqlite;

namespace SegFuse.Server.Storage;

/// <summary>Small helpers for parameterised commands and reading columns.</summary>
internal static class Sql
{
    /// <summary>A command with named parameters (<c>$name</c>); null values become SQL NULL.</summary>
    public static SqliteCommand Command(this SqliteConnection connection, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
    }

    public static int Execute(this SqliteConnection connection, string sql, params (string Name, object? Value)[] args)
    {
        using var cmd = connection.Command(sql, args);
        return cmd.ExecuteNonQuery();
    }

    public static object? Scalar(this SqliteConnection connection, string sql, params (string Name, object? Value)[] args)
    {
        using var cmd = connection.Command(sql, args);
        var v = cmd.ExecuteScalar();
        return v is DBNull ? null : v;
    }

    public static string? NullableString(this SqliteDataReader r, string column)
    {
        int i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetString(i);
    }

    public static double? NullableDouble(this SqliteDataReader r, string column)
    {
        int i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetDouble(i);
    }

    public static DateTimeOffset? NullableTime(this SqliteDataReader r, string column) =>
        r.NullableString(column) is { } s ? ParseTime(s) : null;

    public static DateTimeOffset Time(this SqliteDataReader r, string column) => ParseTime(r.GetString(r.GetOrdinal(column)));

    public static long Long(this SqliteDataReader r, string column) => r.GetInt64(r.GetOrdinal(column));

    public static string Text(this SqliteDataReader r, string column) => r.GetString(r.GetOrdinal(column));

    /// <summary>Times are stored as ISO 8601 UTC text, which sorts in time order.</summary>
    public static string FormatTime(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static string FormatDay(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string s) =>
        DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
