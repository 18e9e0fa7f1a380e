using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SegFuse.Labels;

namespace SegFuse.Scoring;

/// <summary>
/// JSON forms of scores: the result file (cityscapesScripts' keys, NaN as null) and the partial
/// accumulator of a shard, which <see cref="ReadPartial"/> reads back exactly.
/// </summary>
public static class ScoreJson
{
    private const string PartialFormat = "segfuse-partial-accumulator/1";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The result JSON: classScores, classInstScores, categoryScores, categoryInstScores, the four averages, confMatrix, labels, pixelAccuracy, meanClassAccuracy, frames, pixels and (ADE20K) score.</summary>
    public static string Result(ScoreReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var acc = report.Accumulator;
        var classScores = new JsonObject();
        var classInst = new JsonObject();
        foreach (var c in report.Classes)
        {
            classScores[c.Name] = Number(c.Iou);
            classInst[c.Name] = Number(c.InstIou);
        }

        var catScores = new JsonObject();
        var catInst = new JsonObject();
        foreach (var c in report.Categories)
        {
            catScores[c.Name] = Number(c.Iou);
            catInst[c.Name] = Number(c.InstIou);
        }

        var labels = new JsonObject();
        foreach (var c in report.Set.Classes)
        {
            labels[c.Name] = c.Id;
        }

        var root = new JsonObject
        {
            ["labelSet"] = report.Set.Name,
            ["classScores"] = classScores,
            ["classInstScores"] = classInst,
            ["categoryScores"] = catScores,
            ["categoryInstScores"] = catInst,
            ["averageScoreClasses"] = Number(report.AverageClassIou),
            ["averageScoreInstClasses"] = Number(report.AverageClassInstIou),
            ["averageScoreCategories"] = Number(report.AverageCategoryIou),
            ["averageScoreInstCategories"] = Number(report.AverageCategoryInstIou),
            ["pixelAccuracy"] = Number(report.PixelAccuracy),
            ["meanClassAccuracy"] = Number(report.MeanClassAccuracy),
            ["frames"] = acc.Frames,
            ["pixels"] = acc.Pixels,
            ["confMatrix"] = Matrix(acc),
            ["labels"] = labels,
        };
        if (report.ChallengeScore is double score)
        {
            root["score"] = Number(score);
        }

        return root.ToJsonString(Indented);
    }

    /// <summary>The accumulator with its label set, so that <c>segfuse merge</c> can add shards exactly.</summary>
    public static string Partial(JaccardAccumulator acc, IEnumerable<string> frameKeys, string? shard)
    {
        ArgumentNullException.ThrowIfNull(acc);
        var instances = new JsonArray();
        foreach (var ((label, size), c) in acc.Instances.OrderBy(kv => kv.Key.LabelId).ThenBy(kv => kv.Key.Size))
        {
            instances.Add(new JsonArray(label, size, c.Count, c.Tp, c.Fn, c.CategoryTp, c.CategoryFn));
        }

        var root = new JsonObject
        {
            ["format"] = PartialFormat,
            ["shard"] = shard,
            ["labelSet"] = JsonNode.Parse(acc.Set.ToJson()),
            ["frames"] = acc.Frames,
            ["pixels"] = acc.Pixels,
            ["instanceStats"] = acc.HasInstanceStats,
            ["confMatrix"] = Matrix(acc),
            ["instances"] = instances,
            ["frameKeys"] = new JsonArray(frameKeys.Select(k => (JsonNode?)k).ToArray()),
        };
        return root.ToJsonString();
    }

    /// <summary>Reads a partial accumulator written by <see cref="Partial"/>; <paramref name="path"/> names it in errors.</summary>
    public static (JaccardAccumulator Accumulator, IReadOnlyList<string> FrameKeys) ReadPartial(string path)
    {
        JsonNode? root;
        try
        {
            using var stream = File.OpenRead(path);
            root = JsonNode.Parse(stream);
        }
        catch (FileNotFoundException e)
        {
            throw new SegFuseInputException(path, "no such file", e);
        }
        catch (JsonException e)
        {
            throw new SegFuseInputException(path, $"not a partial accumulator (invalid JSON: {e.Message})", e);
        }

        if (root?["format"]?.GetValue<string>() != PartialFormat)
        {
            throw new SegFuseInputException(path, $"not a partial accumulator (expected \"format\": \"{PartialFormat}\"; write one with segfuse score --partial)");
        }

        try
        {
            using var setJson = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(root["labelSet"]!.ToJsonString()));
            var set = LabelSet.Parse(setJson, path);
            var acc = new JaccardAccumulator(set);
            int n = acc.ClassCount;
            var rows = root["confMatrix"]!.AsArray();
            if (rows.Count != n)
            {
                throw new SegFuseInputException(path, $"confusion matrix has {rows.Count} rows for {n} labels");
            }

            var counts = new long[n * n];
            for (int r = 0; r < n; r++)
            {
                var row = rows[r]!.AsArray();
                if (row.Count != n)
                {
                    throw new SegFuseInputException(path, $"confusion matrix row {r} has {row.Count} entries for {n} labels");
                }

                for (int c = 0; c < n; c++)
                {
                    counts[(r * n) + c] = row[c]!.GetValue<long>();
                }
            }

            acc.AddCounts(counts, root["frames"]!.GetValue<long>(), root["pixels"]!.GetValue<long>());
            if (root["instanceStats"]!.GetValue<bool>())
            {
                acc.EnableInstanceStats();
            }

            foreach (var node in root["instances"]!.AsArray())
            {
                var a = node!.AsArray();
                acc.AddInstanceCounts(
                    a[0]!.GetValue<int>(),
                    a[1]!.GetValue<int>(),
                    new InstanceCounts(a[2]!.GetValue<long>(), a[3]!.GetValue<long>(), a[4]!.GetValue<long>(), a[5]!.GetValue<long>(), a[6]!.GetValue<long>()));
            }

            var keys = root["frameKeys"]!.AsArray().Select(k => k!.GetValue<string>()).ToArray();
            return (acc, keys);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new SegFuseInputException(path, $"malformed partial accumulator: {e.Message}", e);
        }
    }

    private static JsonArray Matrix(JaccardAccumulator acc)
    {
        int n = acc.ClassCount;
        var rows = new JsonArray();
        for (int r = 0; r < n; r++)
        {
            var row = new JsonArray();
            for (int c = 0; c < n; c++)
            {
                row.Add(acc[r, c]);
            }

            rows.Add(row);
        }

        return rows;
    }

    private static JsonValue? Number(double v) => double.IsNaN(v) ? null : JsonValue.Create(v);

    /// <summary>Formats a score for tables: 0.1234, or "nan".</summary>
    internal static string Format(double v) => double.IsNaN(v) ? "nan" : v.ToString("0.0000", CultureInfo.InvariantCulture);
}
