using System.Net;
using System.Text.Json;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Scoring;
using SegFuse.Server.Client;
using SegFuse.Server.Tests.Support;

namespace SegFuse.Server.Tests;

/// <summary>Zip submissions end to end against a real Kestrel on 127.0.0.1.</summary>
public sealed class SubmissionFlowTests
{
    [Fact]
    public async Task Zip_submission_is_scored_with_the_CLI_scorer_on_each_split()
    {
        using var h = new Harness(frames: 10, publicFraction: 0.4);
        string token = h.Store.AddTeam(h.CompetitionId, "alpha");
        string zip = h.PredictionZip("alpha", noise: 0.2, seed: 1);
        await using var server = await h.StartAsync();
        using var client = Harness.Client(server, token);

        var accepted = await client.SubmitFileAsync(h.CompetitionId, zip);
        Assert.Equal("queued", accepted.Status);
        Assert.Equal(1, accepted.QueuePosition);
        var done = await Harness.WaitDoneAsync(client, accepted.Id);
        Assert.Equal("scored", done.Status);
        Assert.Null(done.PrivateScore); // hidden before the deadline
        Assert.Equal(1, done.Attempts);

        // Expected: the same scorer over the same files, split as the server split them.
        var set = LabelSet.Load("cityscapes-trainids");
        var publicFrames = new HashSet<int>();
        using (var c = h.Db())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT frame_index FROM competition_frames WHERE public = 1";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                publicFrames.Add(r.GetInt32(0));
            }
        }

        Assert.Equal(4, publicFrames.Count);
        var pairs = DatasetPairing.Frames(h.GroundTruth, h.Combine("pred-alpha"));
        var pub = ScoreReport.From(DatasetScorer.Score(pairs.Where(p => publicFrames.Contains(int.Parse(p.Key))).ToList(), set, LabelEncoding.Ids));
        var all = ScoreReport.From(DatasetScorer.Score(pairs, set, LabelEncoding.Ids));
        Assert.Equal(pub.AverageClassIou, done.PublicScore);
        Assert.Equal(ScoreJson.Result(all), StoredJson(h, accepted.Id, "all_json"));
        foreach (var (name, iou) in done.PublicClassIou!)
        {
            double expected = pub.Classes.First(x => x.Name == name).Iou;
            Assert.Equal(double.IsNaN(expected) ? null : expected, iou);
        }
    }

    [Fact]
    public async Task Queue_position_is_shown_and_queued_submissions_survive_a_restart()
    {
        using var h = new Harness();
        string token = h.Store.AddTeam(h.CompetitionId, "alpha");
        string zip = h.PredictionZip("alpha", 0.1, 1);
        var ids = new List<long>();
        await using (var intakeOnly = await h.StartAsync(workers: 0))
        {
            using var client = Harness.Client(intakeOnly, token);
            for (int i = 0; i < 3; i++)
            {
                var s = await client.SubmitFileAsync(h.CompetitionId, zip);
                Assert.Equal(i + 1, s.QueuePosition);
                ids.Add(s.Id);
            }

            var first = await client.GetSubmissionAsync(ids[0]);
            Assert.Equal("queued", first.Status);
            Assert.Equal(1, first.QueuePosition);
            Assert.Equal(3, (await client.GetSubmissionAsync(ids[2])).QueuePosition);
        }

        await using var server = await h.StartAsync(workers: 1);
        using var again = Harness.Client(server, token);
        foreach (long id in ids)
        {
            var s = await Harness.WaitDoneAsync(again, id);
            Assert.Equal("scored", s.Status);
            Assert.Equal(1, s.Attempts);
        }

        Assert.Equal(3, h.Count("SELECT COUNT(*) FROM scores"));
    }

    [Fact]
    public async Task A_submission_interrupted_while_scoring_is_scored_after_start_up()
    {
        using var h = new Harness();
        string token = h.Store.AddTeam(h.CompetitionId, "alpha");
        string zip = h.PredictionZip("alpha", 0.1, 1);
        long id;
        await using (var server = await h.StartAsync(workers: 0))
        {
            using var client = Harness.Client(server, token);
            id = (await client.SubmitFileAsync(h.CompetitionId, zip)).Id;
        }

        // What a crash mid-scoring leaves behind: the row in 'scoring' with a lease, half a work folder.
        using (var c = h.Db())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = $"UPDATE submissions SET status = 'scoring', lease = 'dead', attempts = 1, stage = 'scoring', progress_done = 3, progress_total = 8 WHERE id = {id}";
            cmd.ExecuteNonQuery();
        }

        string work = Path.Combine(h.DataDir, "submissions", id.ToString(), "work");
        Directory.CreateDirectory(work);
        File.WriteAllText(Path.Combine(work, "000000.png"), "half");

        await using var restarted = await h.StartAsync();
        Assert.Equal(1, restarted.Requeued);
        using var again = Harness.Client(restarted, token);
        var s = await Harness.WaitDoneAsync(again, id);
        Assert.Equal("scored", s.Status);
        Assert.Equal(2, s.Attempts);
        Assert.Equal(1, h.Count($"SELECT COUNT(*) FROM scores WHERE submission_id = {id}"));
        Assert.False(Directory.Exists(work));
    }

    [Fact]
    public async Task Leaderboard_ranks_each_teams_best_or_selected_submission_and_failures_never_rank()
    {
        using var h = new Harness(frames: 6, publicFraction: 1.0);
        string a = h.Store.AddTeam(h.CompetitionId, "alpha");
        string b = h.Store.AddTeam(h.CompetitionId, "bravo");
        string c = h.Store.AddTeam(h.CompetitionId, "charlie");
        string good = h.PredictionZip("good", 0.05, 1);
        string bad = h.PredictionZip("bad", 0.6, 2);
        string mid = h.PredictionZip("mid", 0.3, 3);
        string wrongIds = Scenes.ZipOf(h.Combine("ids.zip"), [.. Enumerable.Range(0, 6).Select(i => (FrameFiles.NameOf(i, ".png"), PngOf(new LabelMap(Harness.Width, Harness.Height, 40))))]);
        await using var server = await h.StartAsync();
        using var ca = Harness.Client(server, a);
        using var cb = Harness.Client(server, b);
        using var cc = Harness.Client(server, c);

        var aBad = await Harness.WaitDoneAsync(ca, (await ca.SubmitFileAsync(h.CompetitionId, bad)).Id);
        var aGood = await Harness.WaitDoneAsync(ca, (await ca.SubmitFileAsync(h.CompetitionId, good)).Id);
        var bMid = await Harness.WaitDoneAsync(cb, (await cb.SubmitFileAsync(h.CompetitionId, mid)).Id);
        var cFail = await Harness.WaitDoneAsync(cc, (await cc.SubmitFileAsync(h.CompetitionId, wrongIds)).Id);
        Assert.Equal("failed", cFail.Status);
        Assert.Equal("input", cFail.Failure!.Kind);
        Assert.Contains("predicted id 40", cFail.Failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.DataDir, cFail.Failure.Message, StringComparison.Ordinal); // no server paths
        Assert.True(aGood.PublicScore > bMid.PublicScore && bMid.PublicScore > aBad.PublicScore);

        var board = await ca.GetLeaderboardAsync(h.CompetitionId);
        Assert.Equal("public", board.Split);
        Assert.Equal(["alpha", "bravo"], board.Rows.Select(r => r.Team));
        Assert.Equal(aGood.PublicScore, board.Rows[0].Score);
        Assert.Equal(2, board.Rows[0].Submissions);

        // Team alpha selects its worse submission: that one ranks now.
        await ca.SelectAsync(aBad.Id);
        board = await ca.GetLeaderboardAsync(h.CompetitionId);
        Assert.Equal(["bravo", "alpha"], board.Rows.Select(r => r.Team));
        Assert.True(board.Rows[1].Selected);
        Assert.Equal(aBad.PublicScore, board.Rows[1].Score);

        // A failed submission cannot be selected.
        var e = await Assert.ThrowsAsync<SegFuseServerException>(() => cc.SelectAsync(cFail.Id));
        Assert.Equal(HttpStatusCode.Conflict, e.Status);
    }

    [Fact]
    public async Task After_the_deadline_the_leaderboard_shows_the_private_split()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var h = new Harness(frames: 10, publicFraction: 0.5, deadline: clock.GetUtcNow().AddHours(1));
        string a = h.Store.AddTeam(h.CompetitionId, "alpha");
        string zip = h.PredictionZip("a", 0.2, 5);
        await using var server = await h.StartAsync(clock: clock);
        using var client = Harness.Client(server, a);
        var s = await Harness.WaitDoneAsync(client, (await client.SubmitFileAsync(h.CompetitionId, zip)).Id);
        var before = await client.GetLeaderboardAsync(h.CompetitionId);
        Assert.Equal("public", before.Split);
        Assert.Equal(s.PublicScore, before.Rows[0].Score);
        Assert.Null(s.PrivateScore);

        clock.Advance(TimeSpan.FromHours(2));
        var after = await client.GetLeaderboardAsync(h.CompetitionId);
        var mine = await client.GetSubmissionAsync(s.Id);
        Assert.Equal("private", after.Split);
        Assert.NotNull(mine.PrivateScore);
        Assert.Equal(mine.PrivateScore, after.Rows[0].Score);
        Assert.NotEqual(mine.PublicScore, mine.PrivateScore);

        // And submissions are closed: refused with 403, nothing stored.
        var e = await Assert.ThrowsAsync<SegFuseServerException>(() => client.SubmitFileAsync(h.CompetitionId, zip));
        Assert.Equal(HttpStatusCode.Forbidden, e.Status);
        Assert.Equal("deadline_passed", e.Code);
        Assert.Equal(1, h.Count("SELECT COUNT(*) FROM submissions"));
    }

    [Fact]
    public async Task Daily_limit_counts_input_failures_but_not_server_failures()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 5, 1, 10, 0, 0, TimeSpan.Zero));
        using var h = new Harness(frames: 4, dailyLimit: 2);
        string token = h.Store.AddTeam(h.CompetitionId, "alpha");
        string zip = h.PredictionZip("a", 0.2, 5);
        await using var server = await h.StartAsync(clock: clock);
        using var client = Harness.Client(server, token);

        // A server-side failure: a ground-truth file of the server went missing.
        string gtDir = Directory.GetDirectories(Path.Combine(h.DataDir, "competitions", h.CompetitionId.ToString()), "gt-*").Single();
        string moved = h.Combine("moved.png");
        File.Move(Path.Combine(gtDir, "000002.png"), moved);
        var serverFail = await Harness.WaitDoneAsync(client, (await client.SubmitFileAsync(h.CompetitionId, zip)).Id);
        Assert.Equal("failed", serverFail.Status);
        Assert.Equal("server", serverFail.Failure!.Kind);
        Assert.False(serverFail.CountsAgainstLimit);
        File.Move(moved, Path.Combine(gtDir, "000002.png"));

        var one = await Harness.WaitDoneAsync(client, (await client.SubmitFileAsync(h.CompetitionId, zip)).Id);
        var two = await Harness.WaitDoneAsync(client, (await client.SubmitFileAsync(h.CompetitionId, zip)).Id);
        Assert.Equal("scored", one.Status);
        Assert.Equal("scored", two.Status);
        var e = await Assert.ThrowsAsync<SegFuseServerException>(() => client.SubmitFileAsync(h.CompetitionId, zip));
        Assert.Equal(HttpStatusCode.TooManyRequests, e.Status);
        Assert.Equal("daily_limit", e.Code);

        // The next UTC day the team may submit again.
        clock.Advance(TimeSpan.FromDays(1));
        var three = await client.SubmitFileAsync(h.CompetitionId, zip);
        Assert.Equal("queued", three.Status);
    }

    [Fact]
    public async Task A_team_sees_only_its_own_submissions()
    {
        using var h = new Harness(frames: 4);
        string a = h.Store.AddTeam(h.CompetitionId, "alpha");
        string b = h.Store.AddTeam(h.CompetitionId, "bravo");
        string zip = h.PredictionZip("a", 0.2, 5);
        await using var server = await h.StartAsync();
        using var ca = Harness.Client(server, a);
        using var cb = Harness.Client(server, b);
        var s = await ca.SubmitFileAsync(h.CompetitionId, zip);

        var e = await Assert.ThrowsAsync<SegFuseServerException>(() => cb.GetSubmissionAsync(s.Id));
        Assert.Equal(HttpStatusCode.NotFound, e.Status);
        e = await Assert.ThrowsAsync<SegFuseServerException>(() => cb.SelectAsync(s.Id));
        Assert.Equal(HttpStatusCode.NotFound, e.Status);
        Assert.Empty(await cb.GetMySubmissionsAsync(h.CompetitionId));
        Assert.Single(await ca.GetMySubmissionsAsync(h.CompetitionId));

        // No route serves files of the data folder.
        using var http = Harness.Http(server);
        foreach (string path in new[] { "segfuse.db", "competitions/1/gt-x/000000.png", "submissions/1/submission.zip", "data/segfuse.db", "../segfuse.db" })
        {
            var r = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        }
    }

    [Fact]
    public async Task Url_submissions_are_fetched_with_the_configured_command()
    {
        using var h = new Harness(frames: 4);
        string token = h.Store.AddTeam(h.CompetitionId, "alpha");
        string zip = h.PredictionZip("a", 0.2, 5);

        // A local "downloader": copies the file named by the URL's last segment from a folder into {out}.
        string served = h.Combine("served");
        Directory.CreateDirectory(served);
        File.Copy(zip, Path.Combine(served, "pred.zip"));
        string script = h.Combine("fetch.sh");
        File.WriteAllText(script, $"#!/bin/sh\nset -e\nname=$(basename \"$1\")\n[ -f \"{served}/$name\" ] || {{ echo \"404 not found: $1\" >&2; exit 3; }}\ncp \"{served}/$name\" \"$2\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await using var server = await h.StartAsync(fetchCommand: $"{script} {{url}} {{out}}");
        using var client = Harness.Client(server, token);
        var ok = await Harness.WaitDoneAsync(client, (await client.SubmitUrlAsync(h.CompetitionId, "https://videos.example/pred.zip")).Id);
        Assert.Equal("scored", ok.Status);
        Assert.Equal("https://videos.example/pred.zip", ok.Source);

        var missing = await Harness.WaitDoneAsync(client, (await client.SubmitUrlAsync(h.CompetitionId, "https://videos.example/nothing.mp4")).Id);
        Assert.Equal("failed", missing.Status);
        Assert.Equal("input", missing.Failure!.Kind);
        Assert.Contains("404 not found", missing.Failure.Message, StringComparison.Ordinal);

        var bad = await Assert.ThrowsAsync<SegFuseServerException>(() => client.SubmitUrlAsync(h.CompetitionId, "file:///etc/passwd"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
    }

    [Fact]
    public async Task Url_submissions_are_refused_without_a_fetch_command()
    {
        using var h = new Harness(frames: 4);
        string token = h.Store.AddTeam(h.CompetitionId, "alpha");
        await using var server = await h.StartAsync();
        using var client = Harness.Client(server, token);
        var e = await Assert.ThrowsAsync<SegFuseServerException>(() => client.SubmitUrlAsync(h.CompetitionId, "https://videos.example/a.mp4"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Status);
        Assert.Equal("urls_not_accepted", e.Code);
        Assert.Equal(0, h.Count("SELECT COUNT(*) FROM submissions"));
    }

    internal static byte[] PngOf(LabelMap map)
    {
        string path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".png");
        LabelPng.Write(path, map);
        byte[] bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }

    private static string StoredJson(Harness h, long id, string column)
    {
        using var c = h.Db();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {column} FROM scores WHERE submission_id = {id}";
        return (string)cmd.ExecuteScalar()!;
    }
}
