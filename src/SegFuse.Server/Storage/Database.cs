using System.Globalization;
using Microsoft.Data.Sqlite;

namespace SegFuse.Server.Storage;

/// <summary>
/// The SQLite file of a data folder: opens connections and brings the schema to the current version at start-up.
/// </summary>
/// <remarks>
/// The file runs in WAL mode so that readers (pages, the CLI) never wait for the scoring worker's writes;
/// writers that collide wait up to <see cref="BusyTimeoutSeconds"/> (Microsoft.Data.Sqlite retries SQLITE_BUSY
/// until the command timeout). Every migration runs in one transaction together with the version bump,
/// so a crash during a migration leaves the previous version intact.
/// </remarks>
internal sealed class Database
{
    public const int BusyTimeoutSeconds = 30;

    private readonly string _connectionString;

    private Database(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = BusyTimeoutSeconds,
            Pooling = true,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>Opens (creating when missing) the database at <paramref name="path"/> and migrates it to <see cref="Schema.CurrentVersion"/>.</summary>
    public static Database Open(string path)
    {
        var db = new Database(path);
        db.Migrate();
        return db;
    }

    /// <summary>Opens a new connection (pooled); the caller disposes it.</summary>
    public SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000};";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>The schema version stored in the file.</summary>
    public int Version()
    {
        using var c = Connect();
        return ReadVersion(c);
    }

    private static int ReadVersion(SqliteConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
        if (cmd.ExecuteScalar() is null)
        {
            return 0;
        }

        cmd.CommandText = "SELECT MAX(version) FROM schema_version";
        return cmd.ExecuteScalar() is long v ? (int)v : 0;
    }

    private void Migrate()
    {
        using var c = Connect();
        using (var wal = c.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }

        using var tx = c.BeginTransaction(deferred: false);
        int version = ReadVersion(c);
        if (version > Schema.CurrentVersion)
        {
            throw new SegFuseInputException(Path, $"the database has schema version {version}, newer than this segfuse ({Schema.CurrentVersion}); use a newer segfuse");
        }

        for (int v = version + 1; v <= Schema.CurrentVersion; v++)
        {
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = Schema.Migrations[v - 1];
            cmd.ExecuteNonQuery();
            cmd.CommandText = "INSERT INTO schema_version (version, applied_at) VALUES ($v, $at)";
            cmd.Parameters.AddWithValue("$v", v);
            cmd.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            cmd.ExecuteNonQuery();
        }

        tx.Commit();
    }
}
