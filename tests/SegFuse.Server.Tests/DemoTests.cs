using System.Net;
using System.Text.RegularExpressions;
using SegFuse.Server.Client;
using SegFuse.Server.Tests.Support;

namespace SegFuse.Server.Tests;

/// <summary><c>segfuse serve --data DIR --demo</c> on an empty folder: one command to a working competition.</summary>
public sealed partial class DemoTests
{
    [Fact]
    public async Task Serve_demo_on_an_empty_folder_gives_a_token_and_a_scoring_example()
    {
        using var dir = new TempDir();
        string data = dir.Combine("data");
        string token;
        long competition;
        using (var server = ChildServer.Start(data, "--demo"))
        {
            await WaitForAsync(() => server.Output.Contains("team token: ", StringComparison.Ordinal));
            token = TokenLine().Match(server.Output).Groups[1].Value;
            competition = long.Parse(CompetitionLine().Match(server.Output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            string good = Path.Combine(data, "demo", "predictions.zip");
            Assert.Contains($"segfuse submit --server {server.Url} --competition {competition} --token {token} {good} --wait", server.Output, StringComparison.Ordinal);

            using var client = new SegFuseServerClient(new Uri(server.Url + "/"), token);
            var s = await Harness.WaitDoneAsync(client, (await client.SubmitFileAsync(competition, good)).Id);
            Assert.Equal("scored", s.Status);
            var video = await Harness.WaitDoneAsync(client, (await client.SubmitFileAsync(competition, Path.Combine(data, "demo", "predictions.mp4"))).Id);
            Assert.True(video.Status == "scored", video.Failure?.Message);
            var board = await client.GetLeaderboardAsync(competition);
            Assert.Equal(["newcomer", "baseline"], board.Rows.Select(r => r.Team)); // the baseline entry was seeded at creation
            Assert.True(board.Rows[0].Score > board.Rows[1].Score);
        }

        // Again on the same folder: the same competition, a fresh token; the old one stops working.
        using (var again = ChildServer.Start(data, "--demo"))
        {
            await WaitForAsync(() => again.Output.Contains("team token: ", StringComparison.Ordinal));
            string fresh = TokenLine().Match(again.Output).Groups[1].Value;
            Assert.NotEqual(token, fresh);
            Assert.Contains($"Demo competition {competition}:", again.Output, StringComparison.Ordinal);
            using var old = new SegFuseServerClient(new Uri(again.Url + "/"), token);
            var e = await Assert.ThrowsAsync<SegFuseServerException>(() => old.GetMySubmissionsAsync(competition));
            Assert.Equal(HttpStatusCode.Unauthorized, e.Status);
            using var client = new SegFuseServerClient(new Uri(again.Url + "/"), fresh);
            Assert.Equal(2, (await client.GetMySubmissionsAsync(competition)).Count);
            Assert.Single((await client.GetLeaderboardAsync(competition)).Rows, r => r.Team == "baseline");
        }
    }

    [Fact]
    public async Task Serve_on_an_empty_folder_without_demo_says_how_to_start()
    {
        using var dir = new TempDir();
        using var server = ChildServer.Start(dir.Combine("data"));
        await WaitForAsync(() => server.Output.Contains("--demo", StringComparison.Ordinal));
        Assert.Contains("No competitions yet", server.Output, StringComparison.Ordinal);
        using var http = new HttpClient();
        string page = await http.GetStringAsync(server.Url + "/");
        Assert.Contains("No competitions yet", page, StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }

    [GeneratedRegex(@"team token: (sft_[A-Za-z0-9_-]+)")]
    private static partial Regex TokenLine();

    [GeneratedRegex(@"Demo competition (\d+):")]
    private static partial Regex CompetitionLine();
}
