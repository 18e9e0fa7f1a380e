using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using SegFuse.Labels;
using SegFuse.Server.Api;
using SegFuse.Server.Intake;

namespace SegFuse.Server.Client;

/// <summary>An error answer of a SegFuse server (or no answer at all).</summary>
public sealed class SegFuseServerException : Exception
{
    /// <summary>Creates the error.</summary>
    public SegFuseServerException(HttpStatusCode? status, string code, string message, Exception? inner = null)
        : base(message, inner)
    {
        Status = status;
        Code = code;
    }

    /// <summary>The HTTP status, or null when the server could not be reached.</summary>
    public HttpStatusCode? Status { get; }

    /// <summary>The server's error code (e.g. <c>invalid_submission</c>), or <c>unreachable</c>.</summary>
    public string Code { get; }

    /// <summary>Whether the request itself was at fault (4xx): resending it unchanged will fail again.</summary>
    public bool IsClientError => Status is { } s && (int)s is >= 400 and < 500;
}

/// <summary>The competitor's side of the API: competition metadata, uploads, submission status.</summary>
/// <remarks>Owns its <see cref="HttpClient"/>; dispose the client when done.</remarks>
public sealed class SegFuseServerClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;

    /// <summary>A client of the server at <paramref name="server"/>, sending <paramref name="token"/> as bearer token when given.</summary>
    public SegFuseServerClient(Uri server, string? token, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = server;
        _http.Timeout = TimeSpan.FromMinutes(30);
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>A competition's public metadata.</summary>
    public Task<CompetitionInfo> GetCompetitionAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<CompetitionInfo>(() => new HttpRequestMessage(HttpMethod.Get, $"api/competitions/{id}"), cancellationToken);

    /// <summary>A competition's leaderboard.</summary>
    public Task<LeaderboardInfo> GetLeaderboardAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<LeaderboardInfo>(() => new HttpRequestMessage(HttpMethod.Get, $"api/competitions/{id}/leaderboard"), cancellationToken);

    /// <summary>The token's team's submissions to a competition.</summary>
    public Task<List<SubmissionInfo>> GetMySubmissionsAsync(long competitionId, CancellationToken cancellationToken = default) =>
        SendAsync<List<SubmissionInfo>>(() => new HttpRequestMessage(HttpMethod.Get, $"api/competitions/{competitionId}/submissions"), cancellationToken);

    /// <summary>One of the team's submissions.</summary>
    public Task<SubmissionInfo> GetSubmissionAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<SubmissionInfo>(() => new HttpRequestMessage(HttpMethod.Get, $"api/submissions/{id}"), cancellationToken);

    /// <summary>Makes a scored submission the team's leaderboard entry.</summary>
    public Task<SubmissionInfo> SelectAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<SubmissionInfo>(() => new HttpRequestMessage(HttpMethod.Post, $"api/submissions/{id}/select"), cancellationToken);

    /// <summary>Uploads a zip of label PNGs or a palette video (streamed, as multipart field <c>file</c>).</summary>
    public Task<SubmissionInfo> SubmitFileAsync(long competitionId, string path, string? encoding = null, CancellationToken cancellationToken = default) =>
        SendAsync<SubmissionInfo>(
            () =>
            {
                var form = new MultipartFormDataContent();
                var file = new StreamContent(File.OpenRead(path), 1 << 16);
                file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(file, "file", Path.GetFileName(path));
                if (encoding is not null)
                {
                    form.Add(new StringContent(encoding), "encoding");
                }

                return new HttpRequestMessage(HttpMethod.Post, $"api/competitions/{competitionId}/submissions") { Content = form };
            },
            cancellationToken);

    /// <summary>Submits a video URL for the server to fetch.</summary>
    public Task<SubmissionInfo> SubmitUrlAsync(long competitionId, string url, string? encoding = null, CancellationToken cancellationToken = default) =>
        SendAsync<SubmissionInfo>(
            () => new HttpRequestMessage(HttpMethod.Post, $"api/competitions/{competitionId}/submissions")
            {
                Content = JsonContent.Create(new { url, encoding }, options: Json),
            },
            cancellationToken);

    /// <summary>The rules a submission to the competition must follow, for local checks.</summary>
    public static SubmissionRules RulesOf(CompetitionInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        using var labels = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(info.Labels.ToJsonString()));
        return new SubmissionRules
        {
            VideoFrames = info.VideoFrames,
            Width = info.Width,
            Height = info.Height,
            ScoredFrames = info.ScoredFrames,
            FrameKeys = info.FrameKeys,
            Labels = LabelSet.Parse(labels, info.LabelSet),
            MaxUploadBytes = info.MaxUploadBytes,
        };
    }

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        using var message = request();
        try
        {
            response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new SegFuseServerException(null, "unreachable", $"cannot reach {_http.BaseAddress}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SegFuseServerException(null, "timeout", $"{_http.BaseAddress} did not answer in time", e);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
                    ?? throw new SegFuseServerException(response.StatusCode, "bad_answer", "the server sent an empty answer");
            }

            ApiError? error = null;
            try
            {
                error = await response.Content.ReadFromJsonAsync<ApiError>(Json, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is JsonException or NotSupportedException)
            {
                // Not a SegFuse error body.
            }

            throw new SegFuseServerException(
                response.StatusCode,
                error?.Error ?? "http_error",
                error?.Message ?? $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }
}
