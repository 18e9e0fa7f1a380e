using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Encoding;
using SegFuse.Scoring;
using SegFuse.Server.Client;
using SegFuse.Server.Intake;
using SegFuse.Server.Tests.Support;
using SegFuse.Synthetic;
using Xunit.Abstractions;

namespace SegFuse.Server.Tests;

/// <summary>Palette-video submissions: intake checks with ffprobe, decoding with the robust palette decoder, scoring.</summary>
public sealed class VideoSubmissionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Palette_video_is_scored_as_its_decoded_frames_with_the_CLI_scorer()
    {
        using var h = new Harness(frames: 8, publicFraction: 0.5);
        string token = h.Store.AddTeam(h.CompetitionId, "alpha");
        string video = h.PredictionVideo("alpha", 0.2, 1);
        string zip = h.PredictionZip("alpha-zip", 0.2, 1);
        await using var server = await h.StartAsync();
        using var client = Harness.Client(server, token);
        var accepted = await client.SubmitFileAsync(h.CompetitionId, video);
        Assert.Equal("video", accepted.Kind);
        var s = await Harness.WaitDoneAsync(client, accepted.Id);
        Assert.True(s.Status == "scored", s.Failure?.Message);

        // The same decoder and the same scorer, outside the server.
        var info = await client.GetCompetitionAsync(h.CompetitionId);
        var rules = SegFuseServerClient.RulesOf(info);
        string decoded = h.Combine("decoded");
        var frames = VideoSubmission.DecodeTo(video, "alpha.mp4", rules, decoded);
        Assert.Equal(8, frames.Count);
        var publicFrames = PublicFrames(h);
        var set = LabelSet.Load("cityscapes-trainids");
        var pairs = DatasetPairing.Frames(h.GroundTruth, decoded).Where(p => publicFrames.Contains(int.Parse(p.Key, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var expected = ScoreReport.From(DatasetScorer.Score(pairs, set, LabelEncoding.Ids));
        Assert.Equal(expected.AverageClassIou, s.PublicScore);

        // How close the video's score comes to the same predictions sent as PNGs (the decoder's fidelity, for the record).
        var z = await Harness.WaitDoneAsync(client, (await client.SubmitFileAsync(h.CompetitionId, zip)).Id);
        var fidelity = ScoreReport.From(DatasetScorer.Score(DatasetPairing.Frames(h.Combine("vpred-alpha"), decoded), set, LabelEncoding.Ids));
        output.WriteLine($"public mIoU: video {s.PublicScore:0.0000}, same predictions as PNGs {z.PublicScore:0.0000}; decoded vs rendered labels: pixel accuracy {fidelity.PixelAccuracy:0.0000}, mIoU {fidelity.AverageClassIou:0.0000}");
    }

    [Fact]
    public async Task Video_of_another_length_or_size_is_refused_at_intake()
    {
        using var h = new Harness(frames: 8);
        string token = h.Store.AddTeam(h.CompetitionId, "alpha");
        string shorter = h.PredictionVideo("short", 0.1, 1, frames: 7);
        string other = h.Combine("other.mp4");
        using (var writer = H264VideoWriter.Create(other, 64, 48, 25))
        {
            for (int i = 0; i < 8; i++)
            {
                writer.Write(new byte[64 * 48 * 3]);
            }

            writer.Complete();
        }

        await using var server = await h.StartAsync();
        using var http = Harness.Http(server, token);
        await AssertInvalid(http, h, shorter, "short.mp4: has 7 frames; the competition's test video has 8");
        await AssertInvalid(http, h, other, "other.mp4: is 64x48; the competition's frames are 96x64");
        Assert.Equal(0, h.Count("SELECT COUNT(*) FROM submissions"));
        Assert.Empty(h.StoredUploads());
    }

    [Fact]
    public async Task Camera_footage_passes_intake_but_fails_as_not_a_palette_video()
    {
        using var h = new Harness(frames: 8);
        string token = h.Store.AddTeam(h.CompetitionId, "alpha");
        string footage = h.Combine("footage.mp4");
        var sequence = new SyntheticSequence(new SyntheticOptions { Width = Harness.Width, Height = Harness.Height, Frames = 8, StartSeconds = 6 });
        using (var writer = H264VideoWriter.Create(footage, Harness.Width, Harness.Height, 25))
        {
            while (sequence.TryRead(out var frame))
            {
                using (frame)
                {
                    writer.Write(frame.Bgr);
                }
            }

            writer.Complete();
        }

        await using var server = await h.StartAsync();
        using var client = Harness.Client(server, token);
        var s = await Harness.WaitDoneAsync(client, (await client.SubmitFileAsync(h.CompetitionId, footage)).Id);
        Assert.Equal("failed", s.Status);
        Assert.Equal("input", s.Failure!.Kind);
        Assert.StartsWith("footage.mp4: 9", s.Failure.Message, StringComparison.Ordinal); // "9x % of the pixels ..."
        Assert.Contains("match no colour of the cityscapes-trainids palette", s.Failure.Message, StringComparison.Ordinal);
        Assert.True(s.CountsAgainstLimit);

        // segfuse submit --check would have said so without spending the submission.
        var rules = SegFuseServerClient.RulesOf(await client.GetCompetitionAsync(h.CompetitionId));
        var e = Assert.Throws<SegFuseInputException>(() => SubmissionCheck.Run(footage, rules, LabelEncoding.Ids));
        Assert.Contains("match no colour of the cityscapes-trainids palette", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Video_url_is_fetched_decoded_and_scored()
    {
        using var h = new Harness(frames: 8);
        string token = h.Store.AddTeam(h.CompetitionId, "alpha");
        string video = h.PredictionVideo("alpha", 0.1, 1);
        string script = h.Combine("fetch.sh");
        File.WriteAllText(script, $"#!/bin/sh\ncp \"{video}\" \"$2\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await using var server = await h.StartAsync(fetchCommand: $"{script} {{url}} {{out}}");
        using var client = Harness.Client(server, token);
        var s = await Harness.WaitDoneAsync(client, (await client.SubmitUrlAsync(h.CompetitionId, "https://www.youtube.example/watch?v=abc")).Id);
        Assert.True(s.Status == "scored", s.Failure?.Message);
        Assert.True(File.Exists(Path.Combine(h.DataDir, "submissions", s.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "submission.video")));
    }

    private static HashSet<int> PublicFrames(Harness h)
    {
        var set = new HashSet<int>();
        using var c = h.Db();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT frame_index FROM competition_frames WHERE public = 1";
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            set.Add(r.GetInt32(0));
        }

        return set;
    }

    private static async Task AssertInvalid(HttpClient http, Harness h, string path, string expect)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(await File.ReadAllBytesAsync(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        form.Add(file, "file", Path.GetFileName(path));
        var response = await http.PostAsync($"api/competitions/{h.CompetitionId}/submissions", form);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("invalid_submission", json.RootElement.GetProperty("error").GetString());
        Assert.Contains(expect, json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
