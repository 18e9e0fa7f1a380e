using Microsoft.Playwright;
using SegFuse.Server.Tests.Support;
using Xunit.Abstractions;

namespace SegFuse.Server.Tests;

/// <summary>
/// The leaderboard page in a real browser: Debian's headless Chromium (/usr/bin/chromium, from build.sh's system
/// packages) driven by Microsoft.Playwright through the Node driver that its NuGet package ships; no browser download.
/// JavaScript is off in the page, since the pages must be readable without it.
/// </summary>
public sealed class BrowserTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Leaderboard_page_shows_both_teams_in_order_without_JavaScript()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (./build.sh deps does)");
        using var h = new Harness(frames: 6, publicFraction: 1.0, name: "Street scenes (browser test)");
        string aurora = h.Store.AddTeam(h.CompetitionId, "Aurora");
        string borealis = h.Store.AddTeam(h.CompetitionId, "Borealis");
        await using var server = await h.StartAsync();

        // Borealis submits first with the noisier predictions; Aurora must still rank first.
        using var cb = Harness.Client(server, borealis);
        using var ca = Harness.Client(server, aurora);
        var b = await Harness.WaitDoneAsync(cb, (await cb.SubmitFileAsync(h.CompetitionId, h.PredictionZip("b", 0.35, 2))).Id);
        var a = await Harness.WaitDoneAsync(ca, (await ca.SubmitFileAsync(h.CompetitionId, h.PredictionZip("a", 0.05, 1))).Id);
        Assert.True(a.PublicScore > b.PublicScore);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        output.WriteLine($"browser: Chromium {browser.Version}");
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            JavaScriptEnabled = false,
            ViewportSize = new ViewportSize { Width = 1100, Height = 760 },
        });
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync($"{server.Urls[0]}/competitions/{h.CompetitionId}");
        Assert.Equal(200, response!.Status);

        var rows = page.Locator("#leaderboard > tbody > tr");
        Assert.Equal(2, await rows.CountAsync());
        Assert.Equal(["Aurora", "Borealis"], (await page.Locator("#leaderboard tbody td.team").AllInnerTextsAsync()).Select(t => t.Trim()));
        var scores = (await page.Locator("#leaderboard tbody td.score").AllInnerTextsAsync()).Select(t => t.Trim()).ToArray();
        Assert.Equal([Fixed(a.PublicScore), Fixed(b.PublicScore)], scores);

        // Per-class IoU on demand: a <details> element opens without any script.
        var classTable = rows.First.Locator("details table");
        Assert.False(await classTable.IsVisibleAsync());
        await rows.First.Locator("details summary").ClickAsync();
        Assert.True(await classTable.IsVisibleAsync());
        Assert.Contains("road", await classTable.InnerTextAsync(), StringComparison.Ordinal);

        // The front page lists the competition with its leader.
        var front = await browser.NewPageAsync(new BrowserNewPageOptions { JavaScriptEnabled = false });
        await front.GotoAsync(server.Urls[0] + "/");
        Assert.Contains("Aurora", await front.Locator("table").InnerTextAsync(), StringComparison.Ordinal);

        // A team signs in with its token (a form, no script) and sees its own history.
        await page.Locator("input[name=token]").FillAsync(aurora);
        await page.Locator("form[action$='/team'] button").ClickAsync();
        Assert.Contains("Signed in as Aurora", await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        var history = page.Locator("#history > tbody > tr");
        Assert.Equal(1, await history.CountAsync());
        Assert.Contains("scored", await history.First.InnerTextAsync(), StringComparison.Ordinal);

        await rows.First.Locator("details summary").ClickAsync(); // open again for the screenshot
        string shot = Path.Combine(AppContext.BaseDirectory, "leaderboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        output.WriteLine($"screenshot: {shot}");
        if (Environment.GetEnvironmentVariable("SEGFUSE_DOCS_IMAGES") is { Length: > 0 } docs)
        {
            Directory.CreateDirectory(docs);
            File.Copy(shot, Path.Combine(docs, "leaderboard.png"), overwrite: true);
        }
    }

    private static string Fixed(double? v) => v!.Value.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture);
}
