using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.Net.Http.Headers;
using SegFuse.IO;
using SegFuse.Server.Competitions;
using SegFuse.Server.Intake;
using SegFuse.Server.Scoring;
using SegFuse.Server.Storage;
using SegFuse.Server.Submissions;

namespace SegFuse.Server.Api;

/// <summary>
/// <c>POST /api/competitions/{id}/submissions</c>: checks the token, the deadline and the daily limit before reading
/// the body; streams the upload to a server-chosen temporary name with a byte limit; runs the intake checks; then, in
/// one SQLite write transaction, checks the deadline and the daily limit again and inserts the submission, moving the
/// file under its id. Any refusal leaves nothing stored.
/// </summary>
internal sealed class SubmissionIntake(Database db, DataFolder data, ServerOptions options, ScoringWorker worker, ServerLog log)
{
    /// <summary>Room for multipart headers and boundaries on top of the file itself.</summary>
    private const long MultipartOverhead = 1 << 20;

    private sealed class Upload : IDisposable
    {
        public string? TempPath { get; set; }

        public string? OriginalName { get; set; }

        public string? Url { get; set; }

        public string? Encoding { get; set; }

        public long Size { get; set; }

        public void Dispose()
        {
            if (TempPath is not null && File.Exists(TempPath))
            {
                File.Delete(TempPath);
            }
        }
    }

    public async Task<IResult> HandleAsync(HttpContext ctx, long competitionId)
    {
        Competition competition;
        TeamIdentity team;
        List<CompetitionFrame> frames;
        using (var c = db.Connect())
        {
            competition = Competition.Load(c, competitionId) ?? throw ApiException.NotFound($"competition {competitionId}");
            team = TeamAuth.RequireBearer(ctx, c, competitionId);
            CheckOpen(competition);
            CheckDailyLimit(c, competition, team);
            frames = CompetitionFrame.Load(c, competitionId);
        }

        using var upload = await ReceiveAsync(ctx, competition).ConfigureAwait(false);
        var rules = SubmissionProcessor.RulesFor(competition, frames);
        LabelEncoding encoding;
        try
        {
            encoding = SubmissionEncoding.Parse(upload.Encoding);
        }
        catch (SegFuseInputException e)
        {
            throw ApiException.BadRequest("bad_field", e.Message);
        }

        string kind;
        string? storedName = null;
        if (upload.TempPath is not null && upload.Url is not null)
        {
            throw ApiException.BadRequest("bad_field", "send either a file or a url, not both");
        }

        if (upload.TempPath is not null)
        {
            string display = upload.OriginalName ?? "upload";
            if (upload.Size == 0)
            {
                throw ApiException.Invalid($"{display}: the file is empty");
            }

            try
            {
                if (ZipSubmission.LooksLikeZip(upload.TempPath))
                {
                    ZipSubmission.Inspect(upload.TempPath, display, rules, encoding);
                    kind = SubmissionKinds.Zip;
                    storedName = "submission.zip";
                }
                else
                {
                    VideoSubmission.Inspect(upload.TempPath, display, rules);
                    kind = SubmissionKinds.Video;
                    storedName = "submission.video";
                }
            }
            catch (SegFuseInputException e) when (e.Subject is "ffmpeg" or "ffprobe")
            {
                throw new ApiException(StatusCodes.Status500InternalServerError, "internal", $"the server cannot check videos: {e.Message}");
            }
            catch (SegFuseInputException e)
            {
                throw ApiException.Invalid(e.Message);
            }
        }
        else if (upload.Url is not null)
        {
            if (options.FetchCommand is null)
            {
                throw new ApiException(StatusCodes.Status422UnprocessableEntity, "urls_not_accepted", "this server does not fetch URLs (it runs without --fetch-command); upload the file instead");
            }

            if (upload.Url.Length > 2048 || !Uri.TryCreate(upload.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw ApiException.BadRequest("bad_url", "url must be an absolute http or https URL of at most 2048 characters");
            }

            kind = SubmissionKinds.Url;
        }
        else
        {
            throw ApiException.BadRequest("missing_file", "send the submission as a multipart form field 'file' (or a field 'url')");
        }

        long id = Insert(competition, team, kind, storedName, upload, encoding);
        worker.Wake();
        log.Info($"submission {id} ({team.Name}, competition {competition.Id}): accepted {kind}{(upload.OriginalName is null ? string.Empty : " " + upload.OriginalName)}, {upload.Size} bytes");
        using var conn = db.Connect();
        var row = SubmissionRow.Load(conn, id)!;
        var info = Views.Submission(conn, row, competition, null, options.Clock.GetUtcNow());
        return Results.Json(info, statusCode: StatusCodes.Status202Accepted, contentType: "application/json");
    }

    private void CheckOpen(Competition competition)
    {
        if (competition.IsClosed(options.Clock.GetUtcNow()))
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "deadline_passed", $"competition {competition.Id} closed at {competition.Deadline:O}; no more submissions");
        }
    }

    private void CheckDailyLimit(SqliteConnection c, Competition competition, TeamIdentity team)
    {
        var now = options.Clock.GetUtcNow();
        long used = (long)c.Scalar(
            "SELECT COUNT(*) FROM submissions WHERE team_id = $t AND day = $d AND counts = 1",
            ("$t", team.TeamId),
            ("$d", Sql.FormatDay(now)))!;
        if (used >= competition.DailyLimit)
        {
            var midnight = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
            throw new ApiException(StatusCodes.Status429TooManyRequests, "daily_limit", $"team '{team.Name}' has used its {competition.DailyLimit} submissions for today (UTC); the count resets at {midnight:yyyy-MM-dd HH:mm}Z")
            {
                RetryAfterSeconds = (int)Math.Ceiling((midnight - now).TotalSeconds),
            };
        }
    }

    private long Insert(Competition competition, TeamIdentity team, string kind, string? storedName, Upload upload, LabelEncoding encoding)
    {
        using var c = db.Connect();
        using var tx = c.BeginTransaction(deferred: false);
        CheckOpen(competition);
        CheckDailyLimit(c, competition, team);
        var now = options.Clock.GetUtcNow();
        long id = (long)c.Scalar(
            """
            INSERT INTO submissions (competition_id, team_id, created_at, day, kind, file_name, original_name, source_url, encoding, size_bytes, status, counts)
            VALUES ($c, $t, $now, $day, $kind, $file, $orig, $url, $enc, $size, 'queued', 1)
            RETURNING id
            """,
            ("$c", competition.Id),
            ("$t", team.TeamId),
            ("$now", Sql.FormatTime(now)),
            ("$day", Sql.FormatDay(now)),
            ("$kind", kind),
            ("$file", storedName),
            ("$orig", upload.OriginalName),
            ("$url", upload.Url),
            ("$enc", SubmissionEncoding.Name(encoding)),
            ("$size", upload.Size))!;
        string dir = data.Submission(id);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true); // left by a crash before an earlier commit of this id
        }

        Directory.CreateDirectory(dir);
        try
        {
            if (upload.TempPath is not null)
            {
                File.Move(upload.TempPath, Path.Combine(dir, storedName!));
                upload.TempPath = null;
            }

            tx.Commit();
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }

        return id;
    }

    private async Task<Upload> ReceiveAsync(HttpContext ctx, Competition competition)
    {
        var request = ctx.Request;
        long limit = competition.MaxUploadBytes;
        if (request.ContentLength is long length && length > limit + MultipartOverhead)
        {
            throw ApiException.TooLarge(limit);
        }

        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = limit + MultipartOverhead;
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
        {
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "send multipart/form-data with a field 'file' (or JSON {\"url\": ...})");
        }

        var upload = new Upload();
        try
        {
            if (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            {
                await ReadJsonAsync(request, upload, ctx.RequestAborted).ConfigureAwait(false);
            }
            else if (mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                string boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value ?? string.Empty;
                if (boundary.Length is 0 or > 200)
                {
                    throw ApiException.BadRequest("malformed_multipart", "the multipart/form-data content type has no boundary");
                }

                await ReadMultipartAsync(request, boundary, limit, upload, ctx.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                throw new ApiException(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", $"'{mediaType.MediaType}' is not accepted: send multipart/form-data with a field 'file' (or JSON {{\"url\": ...}})");
            }

            return upload;
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            upload.Dispose();
            throw ApiException.TooLarge(limit);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or BadHttpRequestException)
        {
            upload.Dispose();
            throw ApiException.BadRequest("malformed_multipart", $"the request body is not valid multipart/form-data ({e.Message})");
        }
        catch
        {
            upload.Dispose();
            throw;
        }
    }

    private static async Task ReadJsonAsync(HttpRequest request, Upload upload, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await CopyLimitedAsync(request.Body, buffer, 16 * 1024, ct, () => ApiException.BadRequest("bad_json", "the JSON body is larger than 16 KiB")).ConfigureAwait(false);
        try
        {
            using var doc = JsonDocument.Parse(buffer.ToArray());
            upload.Url = doc.RootElement.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            upload.Encoding = doc.RootElement.TryGetProperty("encoding", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest("bad_json", $"the body is not valid JSON ({e.Message})");
        }

        if (upload.Url is null)
        {
            throw ApiException.BadRequest("missing_file", "a JSON submission needs {\"url\": \"https://...\"}; upload files as multipart/form-data");
        }
    }

    private async Task ReadMultipartAsync(HttpRequest request, string boundary, long limit, Upload upload, CancellationToken ct)
    {
        var reader = new MultipartReader(boundary, request.Body)
        {
            HeadersLengthLimit = 16 * 1024,
            BodyLengthLimit = limit + MultipartOverhead, // the copy below stops at the limit first and answers 413
        };
        int sections = 0;
        while (await reader.ReadNextSectionAsync(ct).ConfigureAwait(false) is { } section)
        {
            if (++sections > 16)
            {
                throw ApiException.BadRequest("malformed_multipart", "too many form fields");
            }

            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
            {
                throw ApiException.BadRequest("malformed_multipart", "a part has no 'Content-Disposition: form-data' header");
            }

            string name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty;
            bool isFile = disposition.FileName.HasValue || disposition.FileNameStar.HasValue;
            switch (name)
            {
                case "file":
                    if (upload.TempPath is not null)
                    {
                        throw ApiException.BadRequest("bad_field", "send one file per submission");
                    }

                    upload.OriginalName = SafeDisplayName(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value);
                    upload.TempPath = data.NewIncomingPath(".upload");
                    await using (var file = new FileStream(upload.TempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                    {
                        upload.Size = await CopyLimitedAsync(section.Body, file, limit, ct, () => ApiException.TooLarge(limit)).ConfigureAwait(false);
                    }

                    break;
                case "url" when !isFile:
                    upload.Url = (await ReadTextAsync(section.Body, 2048 + 1, ct).ConfigureAwait(false)).Trim();
                    break;
                case "encoding" when !isFile:
                    upload.Encoding = (await ReadTextAsync(section.Body, 32, ct).ConfigureAwait(false)).Trim();
                    break;
                default:
                    await CopyLimitedAsync(section.Body, Stream.Null, 1 << 20, ct, () => ApiException.BadRequest("bad_field", $"unexpected form field '{name}'")).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>The client's file name reduced to something safe to show: no folders, no control characters, at most 200 characters.</summary>
    internal static string? SafeDisplayName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        string file = name.Replace('\\', '/');
        file = file[(file.LastIndexOf('/') + 1)..];
        file = new string(file.Where(ch => !char.IsControl(ch)).ToArray()).Trim();
        return file.Length == 0 ? null : file.Length > 200 ? file[..200] : file;
    }

    private static async Task<string> ReadTextAsync(Stream body, int maxChars, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await CopyLimitedAsync(body, buffer, maxChars * 4L, ct, () => ApiException.BadRequest("bad_field", "a form field is too long")).ConfigureAwait(false);
        string text = Encoding.UTF8.GetString(buffer.ToArray());
        return text.Length > maxChars ? throw ApiException.BadRequest("bad_field", "a form field is too long") : text;
    }

    private static async Task<long> CopyLimitedAsync(Stream from, Stream to, long limit, CancellationToken ct, Func<Exception> tooLarge)
    {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = await from.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            total += n;
            if (total > limit)
            {
                throw tooLarge();
            }

            await to.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
        }

        return total;
    }
}
