using System.Text.Json.Nodes;
using SegFuse.Labels;

namespace SegFuse.Cli.Tests.Scoring;

public class ScoreCommandTests
{
    private static readonly LabelSet Cityscapes = LabelSet.Load("cityscapes");

    public static TheoryData<string, int[], int[]> Cases => new()
    {
        // Every label id 0..33 in ground truth and predictions.
        { "every-id", Enumerable.Range(0, 34).ToArray(), [] },
        // train (31) only in predictions, bus (28) absent everywhere, ignored ids in GT and predictions.
        { "pred-only-and-absent", Enumerable.Range(0, 34).Where(i => i is not 31 and not 28).ToArray(), [31] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_score_equals_the_reference_evaluator(string name, int[] gtIds, int[] predOnly)
    {
        using var dir = new TempDir();
        var fx = CityscapesFixture.Create(dir.Path, seed: name.Length, frames: 8, gtIds, predOnly, [(64, 48), (80, 40), (33, 17)]);
        var reference = new CityscapesReference(Cityscapes);
        foreach (var (gt, pred, inst) in fx.Frames)
        {
            reference.EvaluatePair(pred, gt, inst);
        }

        string json = dir.Combine("result.json");
        var r = CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred", dir.Combine("pred"), "--labels", "cityscapes", "--json", json);
        Assert.True(r.ExitCode == 0, r.Error);
        var root = JsonNode.Parse(File.ReadAllText(json))!;

        var classIou = new List<double>();
        var classInst = new List<double>();
        foreach (var label in Cityscapes.Classes)
        {
            double expected = reference.ClassIou(label.Id);
            double expectedInst = reference.ClassInstIou(label.Id);
            AssertClose(expected, root["classScores"]![label.Name], $"classScores.{label.Name}");
            AssertClose(expectedInst, root["classInstScores"]![label.Name], $"classInstScores.{label.Name}");
            classIou.Add(expected);
            classInst.Add(expectedInst);
        }

        var catIou = new List<double>();
        var catInst = new List<double>();
        foreach (string category in reference.Categories)
        {
            double expected = reference.CategoryIou(category);
            double expectedInst = reference.CategoryInstIou(category);
            AssertClose(expected, root["categoryScores"]![category], $"categoryScores.{category}");
            AssertClose(expectedInst, root["categoryInstScores"]![category], $"categoryInstScores.{category}");
            catIou.Add(expected);
            catInst.Add(expectedInst);
        }

        AssertClose(CityscapesReference.Average(classIou), root["averageScoreClasses"], "averageScoreClasses");
        AssertClose(CityscapesReference.Average(classInst), root["averageScoreInstClasses"], "averageScoreInstClasses");
        AssertClose(CityscapesReference.Average(catIou), root["averageScoreCategories"], "averageScoreCategories");
        AssertClose(CityscapesReference.Average(catInst), root["averageScoreInstCategories"], "averageScoreInstCategories");

        // The case's own conditions hold, so the test covers what it says.
        Assert.True(double.IsNaN(reference.ClassInstIou(7)));
        if (predOnly.Length > 0)
        {
            Assert.Equal(0.0, reference.ClassIou(31)); // only predicted: fp > 0, tp = 0
            Assert.True(double.IsNaN(reference.ClassIou(28))); // absent everywhere
            Assert.Null(root["classScores"]!["bus"]);
        }

        var cm = root["confMatrix"]!.AsArray();
        for (int g = 0; g < 34; g++)
        {
            for (int p = 0; p < 34; p++)
            {
                Assert.Equal(reference.Confusion(g, p), cm[g]![p]!.GetValue<long>());
            }
        }

        Assert.Equal(8, root["frames"]!.GetValue<int>());
    }

    [Fact]
    public void A_hand_counted_case_gives_the_hand_computed_ious()
    {
        // One 4x2 frame in train ids. GT: road road road car / road sky car car; pred: road road car car / sky sky car ignore(255).
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("gt"));
        Directory.CreateDirectory(dir.Combine("pred"));
        CityscapesFixture.Save(dir.Combine("gt", "000000.png"), new[,] { { 0, 0, 0, 13 }, { 0, 10, 13, 13 } }, OpenCvSharp.MatType.CV_8UC1);
        CityscapesFixture.Save(dir.Combine("pred", "000000.png"), new[,] { { 0, 0, 13, 13 }, { 10, 10, 13, 255 } }, OpenCvSharp.MatType.CV_8UC1);
        string json = dir.Combine("r.json");
        var r = CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred", dir.Combine("pred"), "--labels", "cityscapes-trainids", "--layout", "frames", "--json", json);
        Assert.True(r.ExitCode == 0, r.Error);
        var root = JsonNode.Parse(File.ReadAllText(json))!;
        // road: tp 2, fn 2 (one as car, one as sky), fp 0 -> 2/4. sky: tp 1, fp 1 (road pixel), fn 0 -> 1/2.
        // car: tp 2, fn 1 (predicted 255: counts as fn), fp 1 (road pixel) -> 2/4.
        Assert.Equal(0.5, root["classScores"]!["road"]!.GetValue<double>());
        Assert.Equal(0.5, root["classScores"]!["sky"]!.GetValue<double>());
        Assert.Equal(0.5, root["classScores"]!["car"]!.GetValue<double>());
        Assert.Null(root["classScores"]!["sidewalk"]);
        Assert.Equal(0.5, root["averageScoreClasses"]!.GetValue<double>());
        Assert.Equal(5.0 / 8, root["pixelAccuracy"]!.GetValue<double>());
        // flat = {road, sidewalk}: tp 2, fn 2, fp 0 -> 0.5; sky 0.5; vehicle = {car,...}: tp 2, fn 1, fp 1 -> 0.5.
        Assert.Equal(0.5, root["categoryScores"]!["flat"]!.GetValue<double>());
        Assert.Null(root["classInstScores"]!["car"]);
        Assert.Contains("Score Average", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Sharded_runs_merged_equal_the_whole_run_bit_for_bit()
    {
        using var dir = new TempDir();
        CityscapesFixture.Create(dir.Path, seed: 7, frames: 11, Enumerable.Range(0, 34).ToArray(), [], [(40, 30), (52, 20)]);
        string whole = dir.Combine("whole.json");
        Assert.Equal(0, CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred", dir.Combine("pred"), "--json", whole).ExitCode);
        foreach (int n in new[] { 1, 3, 4, 13 }) // 13 > 11 frames: some shards are empty
        {
            var partials = new List<string>();
            for (int k = 0; k < n; k++)
            {
                string p = dir.Combine($"part-{n}-{k}.json");
                var r = CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred", dir.Combine("pred"), "--shard", $"{k}/{n}", "--partial", p);
                Assert.True(r.ExitCode == 0, r.Error);
                partials.Add(p);
            }

            string merged = dir.Combine($"merged-{n}.json");
            var m = CliRunner.Run(["merge", .. partials.AsEnumerable().Reverse(), "--json", merged]);
            Assert.True(m.ExitCode == 0, m.Error);
            Assert.Equal(File.ReadAllText(whole), File.ReadAllText(merged));
        }
    }

    [Fact]
    public void Merging_a_shard_twice_is_refused()
    {
        using var dir = new TempDir();
        CityscapesFixture.Create(dir.Path, seed: 3, frames: 4, Enumerable.Range(0, 34).ToArray(), [], [(20, 10)]);
        string p = dir.Combine("p.json");
        Assert.Equal(0, CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred", dir.Combine("pred"), "--shard", "0/2", "--partial", p).ExitCode);
        var r = CliRunner.Run("merge", p, p, "--json", dir.Combine("m.json"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("count twice", r.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("m.json")));
    }

    [Fact]
    public void Markdown_and_confusion_png_are_written()
    {
        using var dir = new TempDir();
        CityscapesFixture.Create(dir.Path, seed: 5, frames: 2, Enumerable.Range(0, 34).ToArray(), [], [(40, 30)]);
        var r = CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred", dir.Combine("pred"), "--markdown", dir.Combine("r.md"), "--confusion-png", dir.Combine("cm.png"));
        Assert.True(r.ExitCode == 0, r.Error);
        string md = File.ReadAllText(dir.Combine("r.md"));
        Assert.Contains("| road |", md, StringComparison.Ordinal);
        using var png = OpenCvSharp.Cv2.ImRead(dir.Combine("cm.png"));
        Assert.False(png.Empty());
        Assert.True(png.Width > 19 * 30);
    }

    private static void AssertClose(double expected, JsonNode? actual, string what)
    {
        if (double.IsNaN(expected))
        {
            Assert.True(actual is null, $"{what}: expected null (NaN), got {actual}");
            return;
        }

        Assert.True(actual is not null, $"{what}: expected {expected}, got null");
        double v = actual!.GetValue<double>();
        Assert.True(Math.Abs(expected - v) <= 1e-9, $"{what}: expected {expected:R}, got {v:R}");
    }
}
