using System.IO.Compression;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using OpenCvSharp;
using SegFuse.Cli.Tests.Scoring;
using SegFuse.Server;

namespace SegFuse.Cli.Tests.Server;

/// <summary>The host's and the competitor's commands: competition create/add-team/rescore, submit --check/--wait.</summary>
public sealed class CompetitionCliTests
{
    [Fact]
    public void Create_and_add_team_print_the_id_and_the_token_as_last_lines()
    {
        using var dir = new TempDir();
        string gt = WriteFramesGt(dir.Combine("gt"), 4, seed: 1);
        string data = dir.Combine("data");
        var created = CliRunner.Run("competition", "create", "--data", data, "--name", "City 1", "--gt", gt, "--labels", "cityscapes-trainids", "--deadline", "2031-01-01T12:00:00Z", "--daily-limit", "3");
        Assert.Equal(0, created.ExitCode);
        Assert.Equal("1", created.LastLine);
        var team = CliRunner.Run("competition", "add-team", "--data", data, "--competition", "1", "--name", "Team A");
        Assert.Equal(0, team.ExitCode);
        Assert.StartsWith("sft_", team.LastLine, StringComparison.Ordinal);
        Assert.Equal(47, team.LastLine.Length);
        var list = CliRunner.Run("competition", "list", "--data", data);
        Assert.Contains("City 1", list.Out, StringComparison.Ordinal);
        Assert.Contains("2031-01-01T12:00:00Z", list.Out, StringComparison.Ordinal);

        // The token itself is nowhere in the database: only its SHA-256.
        using (var c = new SqliteConnection($"Data Source={Path.Combine(data, "segfuse.db")};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT token_hash FROM teams";
            string stored = (string)cmd.ExecuteScalar()!;
            Assert.NotEqual(team.LastLine, stored);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(team.LastLine))), stored);
        }

        foreach (var file in Directory.GetFiles(data, "segfuse.db*"))
        {
            Assert.DoesNotContain(team.LastLine, File.ReadAllText(file, System.Text.Encoding.Latin1), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--name", "City 1", "exists already")]
    [InlineData("--public-fraction", "1.5", "(0, 1]")]
    [InlineData("--deadline", "next tuesday", "ISO 8601")]
    [InlineData("--daily-limit", "0", "at least 1")]
    [InlineData("--labels", "klingon", "unknown label set")]
    public void Create_refuses_bad_options_with_one_line_and_exit_2(string option, string value, string expect)
    {
        using var dir = new TempDir();
        string gt = WriteFramesGt(dir.Combine("gt"), 2, seed: 1);
        string data = dir.Combine("data");
        Assert.Equal(0, CliRunner.Run("competition", "create", "--data", data, "--name", "City 1", "--gt", gt).ExitCode);
        var args = new List<string> { "competition", "create", "--data", data, "--name", "City 2", "--gt", gt };
        int at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var r = CliRunner.Run([.. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expect, r.Error, StringComparison.Ordinal);
        Assert.Single(r.Error.TrimEnd().Split('\n'));
        Assert.Single(Directory.GetDirectories(Path.Combine(data, "competitions")));
    }

    [Fact]
    public void Create_refuses_ground_truth_with_ids_outside_the_label_set()
    {
        using var dir = new TempDir();
        string gt = WriteFramesGt(dir.Combine("gt"), 2, seed: 1);
        CityscapesFixture.Save(Path.Combine(gt, "000001.png"), new int[48, 64].Fill(77), MatType.CV_8UC1);
        var r = CliRunner.Run("competition", "create", "--data", dir.Combine("data"), "--name", "x", "--gt", gt, "--labels", "cityscapes-trainids");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("000001.png", r.Error, StringComparison.Ordinal);
        Assert.Contains("id 77", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_wait_prints_the_public_score_which_equals_segfuse_score_on_the_same_files()
    {
        using var dir = new TempDir();
        string gt = WriteFramesGt(dir.Combine("gt"), 6, seed: 2);
        string pred = WriteFramesPred(gt, dir.Combine("pred"), seed: 3);
        string data = dir.Combine("data");
        Assert.Equal("1", CliRunner.Run("competition", "create", "--data", data, "--name", "c", "--gt", gt, "--public-fraction", "1").LastLine);
        string token = CliRunner.Run("competition", "add-team", "--data", data, "--competition", "1", "--name", "t").LastLine;
        string zip = dir.Combine("pred.zip");
        ZipFile.CreateFromDirectory(pred, zip);

        await using var server = await CompetitionServer.StartAsync(new ServerOptions { DataDirectory = data, Urls = ["http://127.0.0.1:0"] });
        var submitted = await Task.Run(() => CliRunner.Run("submit", "--server", server.Urls[0], "--competition", "1", "--token", token, zip, "--wait"));
        Assert.True(submitted.ExitCode == 0, submitted.Error);

        var scored = CliRunner.Run("score", "--gt", gt, "--pred", pred, "--layout", "frames", "--labels", "cityscapes-trainids", "--json", dir.Combine("score.json"));
        Assert.Equal(0, scored.ExitCode);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.Combine("score.json")));
        double expected = json.RootElement.GetProperty("averageScoreClasses").GetDouble();
        Assert.Equal(expected, double.Parse(submitted.LastLine, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Rendered_palette_video_scores_as_segfuse_score_on_the_frames_submit_check_decodes()
    {
        using var dir = new TempDir();
        string gt = WriteFramesGt(dir.Combine("gt"), 6, seed: 4);
        string pred = WriteFramesPred(gt, dir.Combine("pred"), seed: 5, pixelNoise: 0);
        string data = dir.Combine("data");
        CliRunner.Run("competition", "create", "--data", data, "--name", "c", "--gt", gt, "--public-fraction", "1");
        string token = CliRunner.Run("competition", "add-team", "--data", data, "--competition", "1", "--name", "t").LastLine;
        string video = dir.Combine("pred.mp4");
        var render = CliRunner.Run("render", "--labels", pred, "--labels-set", "cityscapes-trainids", "--out", video);
        Assert.True(render.ExitCode == 0, render.Error);

        await using var server = await CompetitionServer.StartAsync(new ServerOptions { DataDirectory = data, Urls = ["http://127.0.0.1:0"] });
        string decoded = dir.Combine("decoded");
        var check = await Task.Run(() => CliRunner.Run("submit", "--check", "--server", server.Urls[0], "--competition", "1", video, "--frames-out", decoded));
        Assert.True(check.ExitCode == 0, check.Error);
        Assert.Contains("palette video, 6 frames decoded", check.Out, StringComparison.Ordinal);
        var submitted = await Task.Run(() => CliRunner.Run("submit", "--server", server.Urls[0], "--competition", "1", "--token", token, video, "--wait"));
        Assert.True(submitted.ExitCode == 0, submitted.Error);

        Assert.Equal(0, CliRunner.Run("score", "--gt", gt, "--pred", decoded, "--layout", "frames", "--labels", "cityscapes-trainids", "--json", dir.Combine("score.json")).ExitCode);
        double expected = JsonDocument.Parse(File.ReadAllText(dir.Combine("score.json"))).RootElement.GetProperty("averageScoreClasses").GetDouble();
        Assert.Equal(expected, double.Parse(submitted.LastLine, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Cityscapes_ground_truth_with_instances_scores_exactly_as_segfuse_score()
    {
        using var dir = new TempDir();
        CityscapesFixture.Create(dir.Path, seed: 5, frames: 6, gtIds: [7, 8, 11, 21, 23, 24, 26, 33], predOnlyIds: [12, 17], sizes: [(64, 48)]);
        string data = dir.Combine("data");
        var created = CliRunner.Run("competition", "create", "--data", data, "--name", "cs", "--gt", dir.Combine("gt"), "--layout", "cityscapes", "--labels", "cityscapes", "--public-fraction", "1");
        Assert.True(created.ExitCode == 0, created.Error);
        string token = CliRunner.Run("competition", "add-team", "--data", data, "--competition", "1", "--name", "t").LastLine;

        // Entries keep their Cityscapes names, in city folders, as a competitor would zip them.
        string zip = dir.Combine("pred.zip");
        ZipFile.CreateFromDirectory(dir.Combine("pred"), zip);

        await using var server = await CompetitionServer.StartAsync(new ServerOptions { DataDirectory = data, Urls = ["http://127.0.0.1:0"] });
        var submitted = await Task.Run(() => CliRunner.Run("submit", "--server", server.Urls[0], "--competition", "1", "--token", token, zip, "--wait"));
        Assert.True(submitted.ExitCode == 0, submitted.Error);

        Assert.Equal(0, CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred", dir.Combine("pred"), "--labels", "cityscapes", "--json", dir.Combine("score.json")).ExitCode);
        string expected = File.ReadAllText(dir.Combine("score.json"));
        using var c = new SqliteConnection($"Data Source={Path.Combine(data, "segfuse.db")};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT all_json FROM scores";
        Assert.Equal(expected, (string)cmd.ExecuteScalar()!); // the whole result, iIoU and confusion matrix included
        Assert.Contains("\"averageScoreInstClasses\": 0.", expected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_check_finds_a_broken_zip_without_spending_a_submission()
    {
        using var dir = new TempDir();
        string gt = WriteFramesGt(dir.Combine("gt"), 4, seed: 2);
        string pred = WriteFramesPred(gt, dir.Combine("pred"), seed: 3);
        string data = dir.Combine("data");
        CliRunner.Run("competition", "create", "--data", data, "--name", "c", "--gt", gt);
        string token = CliRunner.Run("competition", "add-team", "--data", data, "--competition", "1", "--name", "t").LastLine;
        string good = dir.Combine("good.zip");
        ZipFile.CreateFromDirectory(pred, good);
        CityscapesFixture.Save(Path.Combine(pred, "000002.png"), new int[48, 64].Fill(40), MatType.CV_8UC1);
        string bad = dir.Combine("bad.zip");
        ZipFile.CreateFromDirectory(pred, bad);

        await using var server = await CompetitionServer.StartAsync(new ServerOptions { DataDirectory = data, Urls = ["http://127.0.0.1:0"] });
        var ok = await Task.Run(() => CliRunner.Run("submit", "--check", "--server", server.Urls[0], "--competition", "1", good));
        Assert.True(ok.ExitCode == 0, ok.Error);
        Assert.Contains("ok for competition 1", ok.Out, StringComparison.Ordinal);

        var broken = await Task.Run(() => CliRunner.Run("submit", "--check", "--server", server.Urls[0], "--competition", "1", bad));
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("error: bad.zip: entry '000002.png': predicted id 40", broken.Error, StringComparison.Ordinal);

        // The server would have accepted it (the PNG is well formed) and failed it while scoring, spending a submission.
        var spent = await Task.Run(() => CliRunner.Run("submit", "--server", server.Urls[0], "--competition", "1", "--token", token, bad, "--wait"));
        Assert.Equal(2, spent.ExitCode);
        Assert.Contains("failed: ", spent.Error, StringComparison.Ordinal);
        Assert.Contains("predicted id 40", spent.Error, StringComparison.Ordinal);

        // Refusals at intake are one line with the HTTP status, exit 2.
        var wrong = await Task.Run(() => CliRunner.Run("submit", "--server", server.Urls[0], "--competition", "1", "--token", "sft_nope", good));
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("HTTP 401 invalid_token", wrong.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rescore_after_the_ground_truth_or_the_scorer_changed_updates_the_leaderboard()
    {
        using var dir = new TempDir();
        string gt = WriteFramesGt(dir.Combine("gt"), 4, seed: 2);
        string pred = WriteFramesPred(gt, dir.Combine("pred"), seed: 3);
        string data = dir.Combine("data");
        CliRunner.Run("competition", "create", "--data", data, "--name", "c", "--gt", gt, "--public-fraction", "1");
        string token = CliRunner.Run("competition", "add-team", "--data", data, "--competition", "1", "--name", "t").LastLine;
        string zip = dir.Combine("pred.zip");
        ZipFile.CreateFromDirectory(pred, zip);

        await using var server = await CompetitionServer.StartAsync(new ServerOptions { DataDirectory = data, Urls = ["http://127.0.0.1:0"] });
        var first = await Task.Run(() => CliRunner.Run("submit", "--server", server.Urls[0], "--competition", "1", "--token", token, zip, "--wait"));
        Assert.Equal(0, first.ExitCode);
        using var http = new HttpClient { BaseAddress = new Uri(server.Urls[0] + "/") };
        var before = JsonDocument.Parse(await http.GetStringAsync("api/competitions/1/leaderboard")).RootElement;

        // The host fixes the ground truth: frame 1 relabelled.
        string fixedGt = dir.Combine("gt-fixed");
        Directory.CreateDirectory(fixedGt);
        foreach (var f in Directory.GetFiles(gt))
        {
            File.Copy(f, Path.Combine(fixedGt, Path.GetFileName(f)));
        }

        CityscapesFixture.Save(Path.Combine(fixedGt, "000001.png"), new int[48, 64].Fill(0), MatType.CV_8UC1);
        var rescored = await Task.Run(() => CliRunner.Run("competition", "rescore", "--data", data, "--competition", "1", "--gt", fixedGt));
        Assert.True(rescored.ExitCode == 0, rescored.Error);
        Assert.Contains("ground truth replaced", rescored.Out, StringComparison.Ordinal);
        Assert.Contains("rescored 1 submission(s)", rescored.Out, StringComparison.Ordinal);

        var after = JsonDocument.Parse(await http.GetStringAsync("api/competitions/1/leaderboard")).RootElement;
        Assert.NotEqual(before.GetProperty("gtHash").GetString(), after.GetProperty("gtHash").GetString());
        Assert.Equal(0, after.GetProperty("staleSubmissions").GetInt32());
        Assert.Equal(0, CliRunner.Run("score", "--gt", fixedGt, "--pred", pred, "--layout", "frames", "--labels", "cityscapes-trainids", "--json", dir.Combine("s.json")).ExitCode);
        double expected = JsonDocument.Parse(File.ReadAllText(dir.Combine("s.json"))).RootElement.GetProperty("averageScoreClasses").GetDouble();
        Assert.Equal(expected, after.GetProperty("rows")[0].GetProperty("score").GetDouble());
        Assert.NotEqual(before.GetProperty("rows")[0].GetProperty("score").GetDouble(), expected);

        // A score from another scorer version shows as stale until the next rescore.
        using (var c = new SqliteConnection($"Data Source={Path.Combine(data, "segfuse.db")};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM scores";
            Assert.Equal(2L, cmd.ExecuteScalar()); // the old score stays as history
            cmd.CommandText = "UPDATE scores SET scorer_version = 'segfuse-jaccard/0'";
            cmd.ExecuteNonQuery();
        }

        var stale = JsonDocument.Parse(await http.GetStringAsync("api/competitions/1/leaderboard")).RootElement;
        Assert.Equal(1, stale.GetProperty("staleSubmissions").GetInt32());
        Assert.True(stale.GetProperty("rows")[0].GetProperty("stale").GetBoolean());
        Assert.Contains("(stale)", await http.GetStringAsync("competitions/1"), StringComparison.Ordinal);
        Assert.Equal(0, (await Task.Run(() => CliRunner.Run("competition", "rescore", "--data", data, "--competition", "1"))).ExitCode);
        var fresh = JsonDocument.Parse(await http.GetStringAsync("api/competitions/1/leaderboard")).RootElement;
        Assert.Equal(0, fresh.GetProperty("staleSubmissions").GetInt32());
        Assert.Equal(expected, fresh.GetProperty("rows")[0].GetProperty("score").GetDouble());
    }

    /// <summary>Ground truth in Cityscapes train ids: 64×48 frames of random rectangles, one PNG per frame.</summary>
    internal static string WriteFramesGt(string dir, int frames, int seed)
    {
        Directory.CreateDirectory(dir);
        var rng = new Random(seed);
        for (int f = 0; f < frames; f++)
        {
            var map = new int[48, 64].Fill(10);
            for (int r = 0; r < 8; r++)
            {
                int id = rng.Next(0, 19), x0 = rng.Next(64), y0 = rng.Next(48), w = 1 + rng.Next(30), h = 1 + rng.Next(20);
                for (int y = y0; y < Math.Min(48, y0 + h); y++)
                {
                    for (int x = x0; x < Math.Min(64, x0 + w); x++)
                    {
                        map[y, x] = id;
                    }
                }
            }

            map[47, 0] = 255;
            CityscapesFixture.Save(Path.Combine(dir, $"{f:D6}.png"), map, MatType.CV_8UC1);
        }

        return dir;
    }

    /// <summary>Predictions: the ground truth with 4 wrong rectangles per frame and <paramref name="pixelNoise"/> of the pixels set at random.</summary>
    internal static string WriteFramesPred(string gtDir, string dir, int seed, double pixelNoise = 0.15)
    {
        Directory.CreateDirectory(dir);
        var rng = new Random(seed);
        foreach (var f in Directory.GetFiles(gtDir, "*.png").Order(StringComparer.Ordinal))
        {
            using var gt = Cv2.ImRead(f, ImreadModes.Unchanged);
            var map = new int[48, 64];
            for (int y = 0; y < 48; y++)
            {
                for (int x = 0; x < 64; x++)
                {
                    int v = gt.At<byte>(y, x);
                    map[y, x] = rng.NextDouble() < pixelNoise ? rng.Next(0, 19) : v == 255 ? 0 : v;
                }
            }

            for (int r = 0; r < 4; r++)
            {
                int id = rng.Next(0, 19), x0 = rng.Next(56), y0 = rng.Next(40), w = 4 + rng.Next(16), h = 4 + rng.Next(12);
                for (int y = y0; y < Math.Min(48, y0 + h); y++)
                {
                    for (int x = x0; x < Math.Min(64, x0 + w); x++)
                    {
                        map[y, x] = id;
                    }
                }
            }

            CityscapesFixture.Save(Path.Combine(dir, Path.GetFileName(f)), map, MatType.CV_8UC1);
        }

        return dir;
    }
}

internal static class ArrayFill
{
    public static int[,] Fill(this int[,] a, int v)
    {
        for (int y = 0; y < a.GetLength(0); y++)
        {
            for (int x = 0; x < a.GetLength(1); x++)
            {
                a[y, x] = v;
            }
        }

        return a;
    }
}
