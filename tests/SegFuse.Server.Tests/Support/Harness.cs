using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Data.Sqlite;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Rendering;
using SegFuse.Scoring;
using SegFuse.Server.Api;
using SegFuse.Server.Client;
using SegFuse.Server.Competitions;

namespace SegFuse.Server.Tests.Support;

/// <summary>A data folder with one competition on synthetic ground truth, and helpers to run servers on it.</summary>
internal sealed class Harness : IDisposable
{
    public const int Width = 96;
    public const int Height = 64;

    private readonly TempDir _dir = new();

    public Harness(int frames = 8, double publicFraction = 0.5, int dailyLimit = 50, long maxUploadBytes = 8L << 20, int width = Width, int height = Height, DateTimeOffset? deadline = null, int seed = 7, string name = "test")
    {
        GroundTruth = _dir.Combine("gt");
        Scenes.WriteGroundTruth(GroundTruth, Enumerable.Range(0, frames), width, height, seed);
        Store = CompetitionStore.Open(DataDir);
        CompetitionId = Store.Create(new CompetitionSpec
        {
            Name = name,
            GroundTruth = GroundTruth,
            Labels = "cityscapes-trainids",
            Layout = DatasetLayout.Frames,
            PublicFraction = publicFraction,
            DailyLimit = dailyLimit,
            MaxUploadBytes = maxUploadBytes,
            Deadline = deadline,
        });
    }

    public string Root => _dir.Path;

    public string DataDir => _dir.Combine("data");

    public string GroundTruth { get; }

    public CompetitionStore Store { get; }

    public long CompetitionId { get; }

    public string Combine(params string[] parts) => _dir.Combine(parts);

    /// <summary>A zip of predictions with block noise <paramref name="noise"/> (0 = perfect).</summary>
    public string PredictionZip(string name, double noise, int seed)
    {
        string pred = _dir.Combine("pred-" + name);
        Scenes.WritePredictions(GroundTruth, pred, noise, seed);
        return Scenes.Zip(pred, _dir.Combine(name + ".zip"));
    }

    /// <summary>The same predictions as <see cref="PredictionZip"/>, rendered as a palette video (what segfuse render writes).</summary>
    public string PredictionVideo(string name, double noise, int seed, int? frames = null)
    {
        string pred = _dir.Combine("vpred-" + name);
        Scenes.WritePredictions(GroundTruth, pred, noise, seed);
        if (frames is int n)
        {
            foreach (var f in Directory.GetFiles(pred).Where(f => FrameFiles.TryParseIndex(f) >= n))
            {
                File.Delete(f);
            }
        }

        string path = _dir.Combine(name + ".mp4");
        LabelVideoRenderer.Render(new RenderRequest { LabelsDir = pred, Set = LabelSet.Load("cityscapes-trainids"), OutPath = path, Mode = RenderMode.Palette, Fps = 25 });
        return path;
    }

    public SqliteConnection Db()
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(DataDir, "segfuse.db"), Pooling = false }.ToString());
        c.Open();
        return c;
    }

    public long Count(string sql)
    {
        using var c = Db();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>Files under the data folder's incoming/ and submissions/ folders.</summary>
    public string[] StoredUploads() =>
        Directory.EnumerateFiles(Path.Combine(DataDir, "incoming"), "*", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(DataDir, "submissions"), "*", SearchOption.AllDirectories))
            .ToArray();

    public Task<CompetitionServer> StartAsync(int workers = 1, string? fetchCommand = null, TimeProvider? clock = null, TextWriter? log = null) =>
        CompetitionServer.StartAsync(new ServerOptions
        {
            DataDirectory = DataDir,
            Urls = ["http://127.0.0.1:0"],
            ScoringWorkers = workers,
            ScoringThreads = 1,
            FetchCommand = fetchCommand,
            Clock = clock ?? TimeProvider.System,
            Log = log,
        });

    public static SegFuseServerClient Client(CompetitionServer server, string? token) => new(new Uri(server.Urls[0] + "/"), token);

    public static HttpClient Http(CompetitionServer server, string? token = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(server.Urls[0] + "/") };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    /// <summary>Polls until the submission is scored or failed.</summary>
    public static async Task<SubmissionInfo> WaitDoneAsync(SegFuseServerClient client, long id, double seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var s = await client.GetSubmissionAsync(id);
            if (s.Status is "scored" or "failed")
            {
                return s;
            }

            if (clock.Elapsed.TotalSeconds > seconds)
            {
                throw new TimeoutException($"submission {id} still {s.Status} after {seconds} s");
            }

            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
