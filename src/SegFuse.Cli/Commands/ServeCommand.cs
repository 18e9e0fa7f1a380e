using System.CommandLine;
using System.Runtime.InteropServices;
using SegFuse.Server;
using SegFuse.Server.Client;
using SegFuse.Server.Competitions;
using SegFuse.Server.Demo;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse serve</c>: the competition server (pages, JSON API, scoring queue) on a data folder.</summary>
internal static class ServeCommand
{
    public static Command Create(CliConsole console)
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Data folder: the SQLite database, hidden ground truth and submissions. Created when missing.",
            Required = true,
        };
        data.AcceptLegalFilePathsOnly();
        var urls = new Option<string>("--urls")
        {
            Description = "Addresses to listen on, separated by ';' (port 0 picks a free port).",
            DefaultValueFactory = _ => "http://127.0.0.1:5080",
        };
        var demo = new Option<bool>("--demo")
        {
            Description = "Set up the built-in demo competition (a synthetic street scene drawn in code) if missing, print a team token and example submissions.",
        };
        var fetch = new Option<string?>("--fetch-command")
        {
            Description = "Command that fetches a submitted video URL, e.g. 'yt-dlp -f mp4 -o {out} {url}' (run without a shell; {url} and {out} are replaced). Without it URL submissions are refused.",
        };
        var workers = new Option<int>("--scoring-workers")
        {
            Description = "Submissions scored at the same time; 0 accepts submissions without scoring them (maintenance).",
            DefaultValueFactory = _ => 1,
        };
        var command = new Command("serve", "Run the competition server: leaderboard pages (/ and /competitions/ID), the JSON API under /api, and a background scoring queue that survives restarts.")
        {
            data, urls, demo, fetch, workers,
        };
        command.SetGuardedAction(console, async (parse, ct) =>
        {
            int workerCount = parse.GetValue(workers);
            if (workerCount < 0)
            {
                throw new SegFuseInputException("--scoring-workers", "must be 0 or more");
            }

            var urlList = parse.GetValue(urls)!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var u in urlList)
            {
                if (!Uri.TryCreate(u, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw new SegFuseInputException("--urls", $"'{u}' is not an http:// address");
                }
            }

            string dataDir = parse.GetValue(data)!.FullName;
            DemoSetup? demoSetup = null;
            if (parse.GetValue(demo))
            {
                demoSetup = DemoCompetition.Ensure(CompetitionStore.Open(dataDir), ct);
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
            {
                c.Cancel = true;
                stop.Cancel();
            });

            var options = new ServerOptions
            {
                DataDirectory = dataDir,
                Urls = urlList,
                FetchCommand = parse.GetValue(fetch),
                ScoringWorkers = workerCount,
                Log = console.Error,
            };
            await using var server = await CompetitionServer.StartAsync(options, ct).ConfigureAwait(false);
            string url = server.Urls[0];
            console.Out.WriteLine($"SegFuse server on {string.Join(", ", server.Urls)} (data {dataDir}); Ctrl-C stops it.");
            if (demoSetup is not null)
            {
                await PrintDemoAsync(console, url, demoSetup, ct).ConfigureAwait(false);
            }
            else if (CompetitionStore.Open(dataDir).List().Count == 0)
            {
                console.Out.WriteLine("No competitions yet: create one with 'segfuse competition create --data DIR --name NAME --gt GT_DIR --labels cityscapes-trainids',");
                console.Out.WriteLine("or try the built-in one: 'segfuse serve --data DIR --demo'.");
            }

            console.Out.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                console.Error.WriteLine("stopping: requests in flight finish, a submission being scored goes back to the queue");
            }

            return 0;
        });
        return command;
    }

    private static async Task PrintDemoAsync(CliConsole console, string url, DemoSetup demo, CancellationToken ct)
    {
        if (demo.BaselineToken is not null)
        {
            // Seed the new leaderboard with one entry, through the API like any team.
            using var client = new SegFuseServerClient(new Uri(url), demo.BaselineToken);
            await client.SubmitFileAsync(demo.CompetitionId, demo.RoughSubmission, cancellationToken: ct).ConfigureAwait(false);
        }

        console.Out.WriteLine($"Demo competition {demo.CompetitionId}: {url}/competitions/{demo.CompetitionId}");
        console.Out.WriteLine($"Try a submission as team '{demo.Team}':");
        console.Out.WriteLine($"  segfuse submit --server {url} --competition {demo.CompetitionId} --token {demo.Token} {demo.GoodSubmission} --wait");
        console.Out.WriteLine($"(other examples: the same predictions as a palette video, {demo.VideoSubmission}; a coarse baseline, {demo.RoughSubmission}; check a file without spending a submission with --check)");
        console.Out.WriteLine($"team token: {demo.Token}");
    }
}
