using System.CommandLine;
using System.Globalization;
using SegFuse.Server.Api;
using SegFuse.Server.Client;
using SegFuse.Server.Intake;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse submit</c>: the competitor's side: check a file locally, upload it, follow its scoring.</summary>
internal static class SubmitCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<FileInfo?>("file")
        {
            Description = "The submission: a palette video of every frame (segfuse render --mode palette) or a zip of label PNGs (one per scored frame, named by frame index).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var server = new Option<string>("--server") { Description = "The server's address, e.g. http://127.0.0.1:5080.", Required = true };
        var competition = new Option<long>("--competition") { Description = "The competition id.", Required = true };
        var token = new Option<string?>("--token")
        {
            Description = "The team token (default: the SEGFUSE_TOKEN environment variable).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SEGFUSE_TOKEN"),
        };
        var url = new Option<string?>("--url") { Description = "Submit a video URL for the server to fetch instead of uploading a file." };
        var encoding = new Option<string>("--encoding") { Description = "How the zip's PNGs store labels: ids, trainids or color.", DefaultValueFactory = _ => "ids" };
        var wait = new Option<bool>("--wait") { Description = "Follow the scoring (queue position, progress) and print the public score as the last line." };
        var check = new Option<bool>("--check") { Description = "Only run the server's intake checks locally (size limit, frames, sizes, label ids) against the competition's public metadata; nothing is uploaded and no submission is spent." };
        var framesOut = new Option<DirectoryInfo?>("--frames-out") { Description = "With --check: write the label PNGs the server would score (000123.png) into this folder, e.g. to run 'segfuse score' on them." };
        var timeout = new Option<double>("--timeout") { Description = "With --wait: give up after this many seconds.", DefaultValueFactory = _ => 3600 };
        var command = new Command("submit", "Submit predictions to a competition server (or check them with --check). With --wait the last line is the public score.")
        {
            file, server, competition, token, url, encoding, wait, check, framesOut, timeout,
        };
        command.SetGuardedAction(console, async (parse, ct) =>
        {
            var path = parse.GetValue(file)?.FullName;
            string? videoUrl = parse.GetValue(url);
            string enc = parse.GetValue(encoding)!;
            var labelEncoding = SubmissionEncoding.Parse(enc);
            if ((path is null) == (videoUrl is null))
            {
                throw new SegFuseInputException("file", "give either a file to upload or --url, not both and not neither");
            }

            if (path is not null && !File.Exists(path))
            {
                throw new SegFuseInputException(path, "no such file");
            }

            long id = parse.GetValue(competition);
            string serverText = parse.GetValue(server)!;
            if (!Uri.TryCreate(serverText.EndsWith('/') ? serverText : serverText + "/", UriKind.Absolute, out var serverUri) || (serverUri.Scheme != Uri.UriSchemeHttp && serverUri.Scheme != Uri.UriSchemeHttps))
            {
                throw new SegFuseInputException("--server", $"'{serverText}' is not an http:// or https:// address");
            }
            if (parse.GetValue(check))
            {
                if (path is null)
                {
                    throw new SegFuseInputException("--check", "checks a file; a URL is fetched and checked by the server");
                }

                using var anonymous = new SegFuseServerClient(serverUri, null);
                var info = await Call(() => anonymous.GetCompetitionAsync(id, ct), path).ConfigureAwait(false);
                CheckReport report;
                using (var bar = console.Progress("check", ZipSubmission.LooksLikeZip(path) ? info.ScoredFrames.Count : info.VideoFrames, "frames"))
                {
                    report = SubmissionCheck.Run(path, SegFuseServerClient.RulesOf(info), labelEncoding, parse.GetValue(framesOut)?.FullName, bar, ct);
                }

                string what = report.Kind == SubmissionKind.Video ? $"palette video, {info.VideoFrames} frames decoded" : $"zip, {info.LabelSet} {enc}";
                console.Out.WriteLine($"{Path.GetFileName(path)}: ok for competition {id} '{info.Name}': {report.FramesChecked} scored frames checked ({info.Width}x{info.Height}, {what}){(report.IgnoredFrames > 0 ? $", {report.IgnoredFrames} unscored frames ignored" : string.Empty)}, {report.Bytes} of {info.MaxUploadBytes} bytes allowed");
                return 0;
            }

            string tokenValue = parse.GetValue(token) ?? throw new SegFuseInputException("--token", "a team token is needed (or set SEGFUSE_TOKEN)");
            using var client = new SegFuseServerClient(serverUri, tokenValue);
            var submitted = path is not null
                ? await Call(() => client.SubmitFileAsync(id, path, enc, ct), path).ConfigureAwait(false)
                : await Call(() => client.SubmitUrlAsync(id, videoUrl!, enc, ct), videoUrl!).ConfigureAwait(false);
            console.Error.WriteLine($"submission {submitted.Id} accepted: {Describe(submitted)}");
            if (!parse.GetValue(wait))
            {
                console.Out.WriteLine(submitted.Id.ToString(CultureInfo.InvariantCulture));
                return 0;
            }

            var deadline = DateTime.UtcNow.AddSeconds(parse.GetValue(timeout));
            string last = string.Empty;
            var current = submitted;
            while (current.Status is "queued" or "scoring")
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"submission {current.Id} is still {current.Status} after {parse.GetValue(timeout)} s; check it later on the leaderboard page");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
                current = await Call(() => client.GetSubmissionAsync(submitted.Id, ct), $"submission {submitted.Id}").ConfigureAwait(false);
                string now = Describe(current);
                if (now != last)
                {
                    console.Error.WriteLine($"submission {current.Id}: {now}");
                    last = now;
                }
            }

            if (current.Status == "failed")
            {
                var failure = current.Failure!;
                if (failure.Kind == "input")
                {
                    throw new SegFuseInputException(path ?? videoUrl!, $"submission {current.Id} failed: {failure.Message}");
                }

                throw new InvalidOperationException($"submission {current.Id} failed on the server (not counted against the daily limit): {failure.Message}");
            }

            console.Out.WriteLine($"submission {current.Id} scored by {current.ScorerVersion}: public {Format(current.PublicScore)}");
            console.Out.WriteLine(current.PublicScore is double s ? s.ToString("R", CultureInfo.InvariantCulture) : "nan");
            return 0;
        });
        return command;
    }

    private static string Describe(SubmissionInfo s) => s.Status switch
    {
        "queued" => $"queued, position {s.QueuePosition}",
        "scoring" when s.Progress is { } p => $"scoring: {p.Stage} {p.Done}/{p.Total}",
        "failed" => $"failed ({s.Failure?.Kind}): {s.Failure?.Message}",
        "scored" => $"scored, public {Format(s.PublicScore)}",
        _ => s.Status,
    };

    private static string Format(double? v) => v is double d ? d.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>Server errors for the request itself (4xx) are bad input (exit 2) naming the file; others are internal (exit 1).</summary>
    private static async Task<T> Call<T>(Func<Task<T>> call, string subject)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (SegFuseServerException e) when (e.IsClientError)
        {
            throw new SegFuseInputException(subject, $"{e.Message} (HTTP {(int)e.Status!.Value} {e.Code})", e);
        }
        catch (SegFuseServerException e)
        {
            throw new InvalidOperationException($"{e.Message}{(e.Status is { } st ? $" (HTTP {(int)st} {e.Code})" : string.Empty)}", e);
        }
    }
}
