using Microsoft.Data.Sqlite;
using SegFuse.Labels;
using SegFuse.Server.Storage;

namespace SegFuse.Server.Competitions;

/// <summary>A competition as stored: its hidden ground truth is identified by <see cref="GtHash"/>.</summary>
internal sealed record Competition
{
    private LabelSet? _labels;

    public required long Id { get; init; }

    public required string Name { get; init; }

    public required string LabelSetName { get; init; }

    public required string LabelSetJson { get; init; }

    /// <summary>Frames a submitted video must have (the test video's length).</summary>
    public required int VideoFrames { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    public required bool HasInstances { get; init; }

    public required double PublicFraction { get; init; }

    public DateTimeOffset? Deadline { get; init; }

    public required int DailyLimit { get; init; }

    public required long MaxUploadBytes { get; init; }

    public required string GtHash { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public LabelSet Labels
    {
        get
        {
            if (_labels is null)
            {
                using var json = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(LabelSetJson));
                _labels = LabelSet.Parse(json, LabelSetName);
            }

            return _labels;
        }
    }

    /// <summary>Whether the deadline has passed: submissions close and the leaderboard shows the private split.</summary>
    public bool IsClosed(DateTimeOffset now) => Deadline is { } d && now >= d;

    public const string Columns = "id, name, label_set, label_set_json, video_frames, width, height, has_instances, public_fraction, deadline, daily_limit, max_upload_bytes, gt_hash, created_at";

    public static Competition Read(SqliteDataReader r) => new()
    {
        Id = r.Long("id"),
        Name = r.Text("name"),
        LabelSetName = r.Text("label_set"),
        LabelSetJson = r.Text("label_set_json"),
        VideoFrames = (int)r.Long("video_frames"),
        Width = (int)r.Long("width"),
        Height = (int)r.Long("height"),
        HasInstances = r.Long("has_instances") != 0,
        PublicFraction = r.GetDouble(r.GetOrdinal("public_fraction")),
        Deadline = r.NullableTime("deadline"),
        DailyLimit = (int)r.Long("daily_limit"),
        MaxUploadBytes = r.Long("max_upload_bytes"),
        GtHash = r.Text("gt_hash"),
        CreatedAt = r.Time("created_at"),
    };

    public static Competition? Load(SqliteConnection c, long id)
    {
        using var cmd = c.Command($"SELECT {Columns} FROM competitions WHERE id = $id", ("$id", id));
        using var r = cmd.ExecuteReader();
        return r.Read() ? Read(r) : null;
    }

    public static List<Competition> LoadAll(SqliteConnection c)
    {
        using var cmd = c.Command($"SELECT {Columns} FROM competitions ORDER BY id");
        using var r = cmd.ExecuteReader();
        var list = new List<Competition>();
        while (r.Read())
        {
            list.Add(Read(r));
        }

        return list;
    }
}

/// <summary>One scored frame of a competition: its index in the test video, its key, and which split it is in.</summary>
internal sealed record CompetitionFrame(int Index, string Key, bool Public)
{
    public static List<CompetitionFrame> Load(SqliteConnection c, long competitionId)
    {
        using var cmd = c.Command("SELECT frame_index, frame_key, public FROM competition_frames WHERE competition_id = $id ORDER BY frame_index", ("$id", competitionId));
        using var r = cmd.ExecuteReader();
        var list = new List<CompetitionFrame>();
        while (r.Read())
        {
            list.Add(new CompetitionFrame(r.GetInt32(0), r.GetString(1), r.GetInt64(2) != 0));
        }

        return list;
    }
}
