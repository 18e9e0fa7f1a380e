using Microsoft.Data.Sqlite;
using SegFuse.Server.Scoring;
using SegFuse.Server.Storage;
using SegFuse.Server.Tests.Support;

namespace SegFuse.Server.Tests;

public sealed class StorageTests
{
    [Fact]
    public void A_new_database_gets_the_current_schema_and_reopening_does_not_migrate_again()
    {
        using var dir = new TempDir();
        string path = dir.Combine("segfuse.db");
        var db = Database.Open(path);
        Assert.Equal(Schema.CurrentVersion, db.Version());
        Database.Open(path);
        using var c = db.Connect();
        Assert.Equal((long)Schema.CurrentVersion, c.Scalar("SELECT COUNT(*) FROM schema_version"));
        Assert.Equal("wal", c.Scalar("PRAGMA journal_mode"));
    }

    [Fact]
    public void A_database_from_a_newer_segfuse_is_refused()
    {
        using var dir = new TempDir();
        string path = dir.Combine("segfuse.db");
        var db = Database.Open(path);
        using (var c = db.Connect())
        {
            c.Execute("INSERT INTO schema_version (version, applied_at) VALUES (99, 'later')");
        }

        var e = Assert.Throws<SegFuseInputException>(() => Database.Open(path));
        Assert.Contains("schema version 99", e.Reason, StringComparison.Ordinal);
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task A_second_server_on_the_same_data_folder_is_refused()
    {
        using var h = new Harness(frames: 2);
        await using var first = await h.StartAsync();
        var e = await Assert.ThrowsAsync<SegFuseInputException>(() => h.StartAsync());
        Assert.Contains("another segfuse server", e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yt-dlp -f mp4 -o {out} {url}", new[] { "yt-dlp", "-f", "mp4", "-o", "{out}", "{url}" })]
    [InlineData("'/opt/my tools/fetch' --to=\"{out}\"  {url}", new[] { "/opt/my tools/fetch", "--to={out}", "{url}" })]
    public void Fetch_command_is_split_like_a_shell_without_running_one(string line, string[] expected)
    {
        Assert.Equal(expected, UrlFetcher.SplitArguments(line));
    }
}
