using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Server.Competitions;
using SegFuse.Server.Tests.Support;

namespace SegFuse.Server.Tests;

/// <summary>One server for the bad-input cases; every case must leave nothing stored.</summary>
public sealed class BadInputFixture : IAsyncLifetime
{
    internal Harness H { get; } = new(frames: 4, maxUploadBytes: 96 * 1024);

    public CompetitionServer Server { get; private set; } = null!;

    public string Token { get; private set; } = null!;

    public string OtherToken { get; private set; } = null!;

    public long ClosedId { get; private set; }

    public string ClosedToken { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Token = H.Store.AddTeam(H.CompetitionId, "alpha");
        long other = H.Store.Create(new CompetitionSpec { Name = "other", GroundTruth = H.GroundTruth, Labels = "cityscapes-trainids" });
        OtherToken = H.Store.AddTeam(other, "omega");
        ClosedId = H.Store.Create(new CompetitionSpec { Name = "closed", GroundTruth = H.GroundTruth, Labels = "cityscapes-trainids", Deadline = DateTimeOffset.UtcNow.AddMinutes(-1) });
        ClosedToken = H.Store.AddTeam(ClosedId, "late");
        Server = await H.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        H.Dispose();
    }
}

public sealed class BadInputTests(BadInputFixture f) : IClassFixture<BadInputFixture>
{
    private Harness H => f.H;

    [Fact]
    public async Task Missing_token_is_401()
    {
        using var http = Harness.Http(f.Server);
        await AssertRefused(await http.PostAsync(Url(), ZipForm(GoodZip())), HttpStatusCode.Unauthorized, "missing_token", "Bearer");
    }

    [Theory]
    [InlineData("sft_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("not a token")]
    [InlineData("sft_../../etc/passwd")]
    public async Task Wrong_token_is_401(string token)
    {
        using var http = Harness.Http(f.Server);
        using var request = new HttpRequestMessage(HttpMethod.Post, Url()) { Content = ZipForm(GoodZip()) };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        await AssertRefused(await http.SendAsync(request), HttpStatusCode.Unauthorized, "invalid_token", "not a team token");
    }

    [Fact]
    public async Task Token_of_another_competition_is_403()
    {
        using var http = Harness.Http(f.Server, f.OtherToken);
        await AssertRefused(await http.PostAsync(Url(), ZipForm(GoodZip())), HttpStatusCode.Forbidden, "wrong_competition", "registered for competition");
    }

    [Fact]
    public async Task Unknown_competition_is_404()
    {
        using var http = Harness.Http(f.Server, f.Token);
        await AssertRefused(await http.PostAsync("api/competitions/999/submissions", ZipForm(GoodZip())), HttpStatusCode.NotFound, "not_found", "competition 999");
    }

    [Fact]
    public async Task Submission_after_the_deadline_is_403()
    {
        using var http = Harness.Http(f.Server, f.ClosedToken);
        await AssertRefused(await http.PostAsync($"api/competitions/{f.ClosedId}/submissions", ZipForm(GoodZip())), HttpStatusCode.Forbidden, "deadline_passed", "closed");
    }

    [Fact]
    public async Task Malformed_multipart_is_400()
    {
        using var http = Harness.Http(f.Server, f.Token);
        var garbage = new ByteArrayContent(Encoding.ASCII.GetBytes("this is not multipart at all"));
        garbage.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=XyZ");
        await AssertRefused(await http.PostAsync(Url(), garbage), HttpStatusCode.BadRequest, "malformed_multipart", "multipart");

        // A part that starts and never ends: the upload is cut off, its temporary file removed.
        var truncated = new ByteArrayContent(Encoding.ASCII.GetBytes("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.zip\"\r\n\r\nPK\u0003\u0004 half a zip"));
        truncated.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=XyZ");
        await AssertRefused(await http.PostAsync(Url(), truncated), HttpStatusCode.BadRequest, "malformed_multipart", "multipart");

        var noBoundary = new ByteArrayContent([1, 2, 3]);
        noBoundary.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data");
        await AssertRefused(await http.PostAsync(Url(), noBoundary), HttpStatusCode.BadRequest, "malformed_multipart", "boundary");
    }

    [Fact]
    public async Task Wrong_content_type_is_415_and_a_missing_file_400()
    {
        using var http = Harness.Http(f.Server, f.Token);
        await AssertRefused(await http.PostAsync(Url(), new StringContent("hello")), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", "multipart/form-data");
        var form = new MultipartFormDataContent { { new StringContent("ids"), "encoding" } };
        await AssertRefused(await http.PostAsync(Url(), form), HttpStatusCode.BadRequest, "missing_file", "'file'");
        var badEncoding = ZipForm(GoodZip());
        badEncoding.Add(new StringContent("rainbow"), "encoding");
        await AssertRefused(await http.PostAsync(Url(), badEncoding), HttpStatusCode.BadRequest, "bad_field", "rainbow");
    }

    [Fact]
    public async Task Zip_with_a_non_PNG_entry_is_422()
    {
        var entries = GoodEntries().Append(("readme.txt", Encoding.UTF8.GetBytes("hello"))).ToArray();
        await AssertZipRefused(entries, "entry 'readme.txt'", "not a PNG");
    }

    [Theory]
    [InlineData("../000000.png")]
    [InlineData("frames/../../000000.png")]
    [InlineData("/etc/000000.png")]
    [InlineData("..\\000000.png")]
    public async Task Zip_with_an_unsafe_entry_name_is_422(string name)
    {
        var entries = GoodEntries().Skip(1).Prepend((name, GoodEntries()[0].Bytes)).ToArray();
        await AssertZipRefused(entries, "unsafe name", null);
        Assert.False(File.Exists(Path.Combine(H.DataDir, "000000.png")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(H.DataDir)!, "000000.png")));
    }

    [Fact]
    public async Task Zip_entry_that_is_not_really_a_PNG_is_422()
    {
        var entries = GoodEntries().Skip(1).Prepend(("000000.png", Encoding.UTF8.GetBytes("I am text"))).ToArray();
        await AssertZipRefused(entries, "entry '000000.png'", "PNG signature");
    }

    [Fact]
    public async Task Zip_with_missing_frames_or_wrong_sizes_is_422()
    {
        await AssertZipRefused(GoodEntries().Skip(1).ToArray(), "no PNG for 1 of the 4 scored frames: 0", null);
        var small = SubmissionFlowTests.PngOf(new LabelMap(10, 10, 0));
        await AssertZipRefused(GoodEntries().Skip(1).Prepend(("000000.png", small)).ToArray(), "is 10x10", "96x64");
        await AssertZipRefused(GoodEntries().Append(("000017.png", GoodEntries()[0].Bytes)).ToArray(), "frame index 17 is outside", null);
        await AssertZipRefused(GoodEntries().Append(("copy_000001.png", GoodEntries()[1].Bytes)).ToArray(), "frame 1 is also entry", null);
    }

    [Fact]
    public async Task Text_file_named_mp4_is_422()
    {
        string path = H.Combine("video.mp4");
        File.WriteAllText(path, "this is not a video, only text with a video's name\n");
        using var http = Harness.Http(f.Server, f.Token);
        await AssertRefused(await http.PostAsync(Url(), FileForm(path)), HttpStatusCode.UnprocessableEntity, "invalid_submission", "video.mp4");
    }

    [Fact]
    public async Task Upload_over_the_size_limit_is_413()
    {
        string path = H.Combine("big.zip");
        var bytes = new byte[200 * 1024];
        new Random(3).NextBytes(bytes);
        "PK\u0003\u0004"u8.CopyTo(bytes);
        File.WriteAllBytes(path, bytes);
        using var http = Harness.Http(f.Server, f.Token);
        await AssertRefused(await http.PostAsync(Url(), FileForm(path)), HttpStatusCode.RequestEntityTooLarge, "too_large", "98304 bytes");

        // Without a Content-Length (chunked), the limit holds while reading.
        var chunked = new MultipartFormDataContent();
        var stream = new StreamContent(new NonSeekable(bytes));
        chunked.Add(stream, "file", "big.zip");
        using var request = new HttpRequestMessage(HttpMethod.Post, Url()) { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await AssertRefused(await http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "too_large", "limit");
    }

    private string Url() => $"api/competitions/{H.CompetitionId}/submissions";

    private (string Name, byte[] Bytes)[] GoodEntries()
    {
        return [.. FrameFiles.List(H.GroundTruth, ".png").Select(kv => (Path.GetFileName(kv.Value), File.ReadAllBytes(kv.Value)))];
    }

    private string GoodZip() => Scenes.ZipOf(H.Combine(Guid.NewGuid().ToString("N") + ".zip"), GoodEntries());

    private static MultipartFormDataContent ZipForm(string path) => FileForm(path);

    private static MultipartFormDataContent FileForm(string path)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(File.ReadAllBytes(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", Path.GetFileName(path));
        return form;
    }

    private async Task AssertZipRefused((string Name, byte[] Bytes)[] entries, string expect, string? expect2)
    {
        string zip = Scenes.ZipOf(H.Combine(Guid.NewGuid().ToString("N") + ".zip"), entries);
        using var http = Harness.Http(f.Server, f.Token);
        await AssertRefused(await http.PostAsync(Url(), FileForm(zip)), HttpStatusCode.UnprocessableEntity, "invalid_submission", expect, expect2);
    }

    private async Task AssertRefused(HttpResponseMessage response, HttpStatusCode status, string code, string expect, string? expect2 = null)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(code, json.RootElement.GetProperty("error").GetString());
        string message = json.RootElement.GetProperty("message").GetString()!;
        Assert.Contains(expect, message, StringComparison.Ordinal);
        if (expect2 is not null)
        {
            Assert.Contains(expect2, message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(H.DataDir, message, StringComparison.Ordinal);

        // Nothing stored: no row, no file left in incoming/ or submissions/.
        Assert.Equal(0, H.Count("SELECT COUNT(*) FROM submissions"));
        for (int i = 0; i < 50 && H.StoredUploads().Length > 0; i++)
        {
            await Task.Delay(20); // the request's clean-up may still be running after the answer is sent
        }

        Assert.Empty(H.StoredUploads());
    }

    /// <summary>A stream without a length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
