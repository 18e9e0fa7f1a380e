using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using SegFuse.Labels;
using SegFuse.Scoring;
using SegFuse.Server.Scoring;
using SegFuse.Server.Storage;
using SegFuse.Server.Submissions;

namespace SegFuse.Server.Competitions;

/// <summary>
/// The host's side of a data folder: create competitions, issue team tokens, rescore. Safe to use while a
/// server runs on the same folder (SQLite serialises the writes; ground truth is stored under its hash, so a
/// replaced ground truth never mixes with the one a running scorer reads).
/// </summary>
public sealed class CompetitionStore
{
    private readonly DataFolder _data;
    private readonly Database _db;

    private CompetitionStore(DataFolder data, Database db)
    {
        _data = data;
        _db = db;
    }

    /// <summary>The data folder.</summary>
    public string DataDirectory => _data.Root;

    internal DataFolder Data => _data;

    internal Database Database => _db;

    /// <summary>Opens the data folder (creating it and its database when missing; migrating an older schema).</summary>
    public static CompetitionStore Open(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        var data = new DataFolder(dataDirectory);
        if (File.Exists(data.Root))
        {
            throw new SegFuseInputException(data.Root, "is a file; --data needs a folder");
        }

        data.EnsureCreated();
        return new CompetitionStore(data, Database.Open(data.DatabasePath));
    }

    /// <summary>Creates a competition from a ground-truth folder and returns its id.</summary>
    /// <exception cref="SegFuseInputException">Bad name, fraction, limits or ground truth; a competition of that name exists.</exception>
    public long Create(CompetitionSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        CheckName(spec.Name, "--name");
        if (!(spec.PublicFraction > 0 && spec.PublicFraction <= 1))
        {
            throw new SegFuseInputException("--public-fraction", $"must be in (0, 1], not {spec.PublicFraction.ToString(CultureInfo.InvariantCulture)}");
        }

        if (spec.DailyLimit < 1)
        {
            throw new SegFuseInputException("--daily-limit", "must be at least 1");
        }

        if (spec.MaxUploadBytes < 1024)
        {
            throw new SegFuseInputException("--max-upload-mb", "must allow at least 1 KiB");
        }

        var set = LabelSet.Load(spec.Labels);
        bool instances = spec.Instances && spec.Layout == DatasetLayout.Cityscapes && set.HasInstanceClasses;
        var gt = GroundTruth.Read(spec.GroundTruth, spec.Layout, set, instances, cancellationToken);
        int lastIndex = gt.Frames[^1].Index;
        int videoFrames = spec.VideoFrames ?? (lastIndex + 1);
        if (videoFrames <= lastIndex)
        {
            throw new SegFuseInputException("--frames", $"the test video needs at least {lastIndex + 1} frames: the ground truth has frame {lastIndex}");
        }

        using (var c = _db.Connect())
        {
            if (c.Scalar("SELECT id FROM competitions WHERE name = $n", ("$n", spec.Name)) is long existing)
            {
                throw new SegFuseInputException("--name", $"a competition named '{spec.Name}' exists already (id {existing})");
            }
        }

        string staging = Path.Combine(_data.CompetitionsRoot, ".staging-" + Guid.NewGuid().ToString("N"));
        try
        {
            string hash = gt.CopyTo(Path.Combine(staging, "gt"), Path.Combine(staging, "instances"), set);
            var isPublic = ChoosePublic(gt.Frames.Count, spec.PublicFraction);
            using var c = _db.Connect();
            using var tx = c.BeginTransaction(deferred: false);
            long id;
            try
            {
                id = (long)c.Scalar(
                    """
                    INSERT INTO competitions (name, label_set, label_set_json, video_frames, width, height, has_instances, public_fraction,
                                              deadline, daily_limit, max_upload_bytes, gt_hash, created_at)
                    VALUES ($name, $set, $setJson, $frames, $w, $h, $inst, $frac, $deadline, $limit, $max, $hash, $now)
                    RETURNING id
                    """,
                    ("$name", spec.Name),
                    ("$set", set.Name),
                    ("$setJson", set.ToJson()),
                    ("$frames", videoFrames),
                    ("$w", gt.Width),
                    ("$h", gt.Height),
                    ("$inst", instances ? 1 : 0),
                    ("$frac", spec.PublicFraction),
                    ("$deadline", spec.Deadline is { } d ? Sql.FormatTime(d) : null),
                    ("$limit", spec.DailyLimit),
                    ("$max", spec.MaxUploadBytes),
                    ("$hash", hash),
                    ("$now", Sql.FormatTime(DateTimeOffset.UtcNow)))!;
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19)
            {
                throw new SegFuseInputException("--name", $"a competition named '{spec.Name}' exists already", e);
            }

            for (int i = 0; i < gt.Frames.Count; i++)
            {
                c.Execute(
                    "INSERT INTO competition_frames (competition_id, frame_index, frame_key, public) VALUES ($c, $i, $k, $p)",
                    ("$c", id),
                    ("$i", gt.Frames[i].Index),
                    ("$k", gt.Frames[i].Key),
                    ("$p", isPublic[i] ? 1 : 0));
            }

            string target = _data.Competition(id);
            Directory.CreateDirectory(target);
            MoveInto(staging, id, hash, instances);
            try
            {
                tx.Commit();
            }
            catch
            {
                Directory.Delete(target, recursive: true);
                throw;
            }

            return id;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>Registers a team and returns its token (shown once: only its hash is stored).</summary>
    /// <exception cref="SegFuseInputException">No such competition, a bad name, or the team exists.</exception>
    public string AddTeam(long competitionId, string teamName)
    {
        CheckName(teamName, "--name");
        using var c = _db.Connect();
        RequireCompetition(c, competitionId);
        string token = TeamTokens.NewToken();
        try
        {
            c.Execute(
                "INSERT INTO teams (competition_id, name, token_hash, created_at) VALUES ($c, $n, $h, $now)",
                ("$c", competitionId),
                ("$n", teamName),
                ("$h", TeamTokens.Hash(token)),
                ("$now", Sql.FormatTime(DateTimeOffset.UtcNow)));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new SegFuseInputException("--name", $"competition {competitionId} has a team named '{teamName}' already", e);
        }

        return token;
    }

    /// <summary>Issues a new token for an existing team (the old one stops working) and returns it.</summary>
    public string RotateToken(long competitionId, string teamName)
    {
        using var c = _db.Connect();
        string token = TeamTokens.NewToken();
        int n = c.Execute(
            "UPDATE teams SET token_hash = $h WHERE competition_id = $c AND name = $n",
            ("$h", TeamTokens.Hash(token)),
            ("$c", competitionId),
            ("$n", teamName));
        if (n == 0)
        {
            throw new SegFuseInputException("--name", $"competition {competitionId} has no team named '{teamName}'");
        }

        return token;
    }

    /// <summary>Every competition with its team and submission counts.</summary>
    public IReadOnlyList<CompetitionSummary> List()
    {
        using var c = _db.Connect();
        using var cmd = c.Command(
            """
            SELECT c.id, c.name, c.label_set, c.deadline, c.gt_hash,
                   (SELECT COUNT(*) FROM competition_frames f WHERE f.competition_id = c.id) AS frames,
                   (SELECT COUNT(*) FROM teams t WHERE t.competition_id = c.id) AS teams,
                   (SELECT COUNT(*) FROM submissions s WHERE s.competition_id = c.id) AS subs
            FROM competitions c ORDER BY c.id
            """);
        using var r = cmd.ExecuteReader();
        var list = new List<CompetitionSummary>();
        while (r.Read())
        {
            list.Add(new CompetitionSummary(r.Long("id"), r.Text("name"), r.Text("label_set"), (int)r.Long("frames"), r.NullableTime("deadline"), (int)r.Long("teams"), (int)r.Long("subs"), r.Text("gt_hash")));
        }

        return list;
    }

    /// <summary>Changes a competition's deadline (null removes it).</summary>
    public void SetDeadline(long competitionId, DateTimeOffset? deadline)
    {
        using var c = _db.Connect();
        RequireCompetition(c, competitionId);
        c.Execute("UPDATE competitions SET deadline = $d WHERE id = $id", ("$d", deadline is { } d ? Sql.FormatTime(d) : null), ("$id", competitionId));
    }

    /// <summary>
    /// Scores every scored submission of a competition again with the current scorer, after optionally replacing
    /// the ground truth with <paramref name="newGroundTruth"/> (same frames, size and label set). New score rows carry
    /// the current scorer version and ground-truth hash; the old rows stay as history.
    /// </summary>
    /// <exception cref="SegFuseInputException">No such competition, or a replacement ground truth that does not fit.</exception>
    public RescoreSummary Rescore(long competitionId, string? newGroundTruth = null, DatasetLayout layout = DatasetLayout.Frames, IProgress<(long Done, long Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        Competition competition;
        List<CompetitionFrame> frames;
        using (var c = _db.Connect())
        {
            competition = RequireCompetition(c, competitionId);
            frames = CompetitionFrame.Load(c, competitionId);
        }

        bool changed = false;
        if (newGroundTruth is not null)
        {
            (competition, changed) = ReplaceGroundTruth(competition, frames, newGroundTruth, layout, cancellationToken);
        }

        List<SubmissionRow> scored;
        using (var c = _db.Connect())
        {
            scored = SubmissionRow.LoadMany(c, "s.competition_id = $c AND s.status = 'scored'", ("$c", competitionId));
        }

        var processor = new SubmissionProcessor(_data, Environment.ProcessorCount);
        var failed = new List<(long, string)>();
        int done = 0;
        foreach (var s in scored)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string work = Path.Combine(_data.Submission(s.Id), "rescore-" + Guid.NewGuid().ToString("N"));
            try
            {
                var score = processor.Score(s, competition, frames, work, null, cancellationToken);
                using var c = _db.Connect();
                ScoreStore.Save(c, s.Id, score, competition.GtHash, DateTimeOffset.UtcNow, replace: true);
                done++;
            }
            catch (SegFuseInputException e)
            {
                failed.Add((s.Id, processor.Redact(e.Message)));
            }
            finally
            {
                if (Directory.Exists(work))
                {
                    Directory.Delete(work, recursive: true);
                }
            }

            progress?.Report((done + failed.Count, scored.Count));
        }

        return new RescoreSummary(done, failed, competition.GtHash, ScorerVersion.Current, changed);
    }

    private (Competition Competition, bool Changed) ReplaceGroundTruth(Competition competition, List<CompetitionFrame> frames, string dir, DatasetLayout layout, CancellationToken cancellationToken)
    {
        var set = competition.Labels;
        var gt = GroundTruth.Read(dir, layout, set, competition.HasInstances, cancellationToken);
        var wanted = frames.Select(f => f.Index).ToArray();
        var got = gt.Frames.Select(f => f.Index).ToArray();
        if (!wanted.SequenceEqual(got))
        {
            throw new SegFuseInputException(dir, $"has frames {Describe(got)}; the competition scores frames {Describe(wanted)} (a replacement ground truth must have the same frames)");
        }

        if (gt.Width != competition.Width || gt.Height != competition.Height)
        {
            throw new SegFuseInputException(dir, $"frames are {gt.Width}x{gt.Height}; the competition's are {competition.Width}x{competition.Height}");
        }

        string staging = Path.Combine(_data.CompetitionsRoot, ".staging-" + Guid.NewGuid().ToString("N"));
        try
        {
            string hash = gt.CopyTo(Path.Combine(staging, "gt"), Path.Combine(staging, "instances"), set);
            if (hash == competition.GtHash)
            {
                return (competition, false);
            }

            using var c = _db.Connect();
            using var tx = c.BeginTransaction(deferred: false);
            c.Execute("UPDATE competitions SET gt_hash = $h WHERE id = $id", ("$h", hash), ("$id", competition.Id));
            MoveInto(staging, competition.Id, hash, competition.HasInstances);
            tx.Commit();
            return (competition with { GtHash = hash }, true);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private void MoveInto(string staging, long id, string hash, bool instances)
    {
        string gtDir = _data.GroundTruth(id, hash);
        if (!Directory.Exists(gtDir))
        {
            Directory.Move(Path.Combine(staging, "gt"), gtDir);
        }

        string instDir = _data.Instances(id, hash);
        if (instances && !Directory.Exists(instDir))
        {
            Directory.Move(Path.Combine(staging, "instances"), instDir);
        }
    }

    private static string Describe(int[] frames) =>
        frames.Length <= 6 ? string.Join(",", frames) : $"{frames.Length} frames {frames[0]}..{frames[^1]}";

    internal static Competition RequireCompetition(SqliteConnection c, long id) =>
        Competition.Load(c, id) ?? throw new SegFuseInputException("--competition", $"no competition with id {id}");

    /// <summary>Names of competitions and teams: 1..100 printable characters.</summary>
    internal static void CheckName(string? name, string option)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100 || name.Any(char.IsControl) || name.Trim() != name)
        {
            throw new SegFuseInputException(option, "a name has 1 to 100 printable characters, without leading or trailing spaces");
        }
    }

    /// <summary>Picks round(n × fraction) frames (at least one; at least one private when fraction &lt; 1 and n ≥ 2) at random for the public split.</summary>
    private static bool[] ChoosePublic(int n, double fraction)
    {
        int count = (int)Math.Round(n * fraction, MidpointRounding.AwayFromZero);
        count = Math.Clamp(count, 1, n);
        if (fraction < 1 && n >= 2 && count == n)
        {
            count = n - 1;
        }

        var order = Enumerable.Range(0, n).ToArray();
        RandomNumberGenerator.Shuffle(order.AsSpan());
        var isPublic = new bool[n];
        foreach (int i in order.AsSpan(0, count))
        {
            isPublic[i] = true;
        }

        return isPublic;
    }
}
