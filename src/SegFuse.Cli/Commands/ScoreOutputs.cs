using System.CommandLine;
using SegFuse.IO;
using SegFuse.Scoring;

namespace SegFuse.Cli.Commands;

/// <summary>The report options that <c>score</c> and <c>merge</c> share, and writing them.</summary>
internal sealed class ScoreOutputs
{
    public Option<FileInfo?> Json { get; } = new("--json")
    {
        Description = "Write the figures as JSON with cityscapesScripts' keys (classScores, averageScoreClasses, confMatrix, ...; NaN as null).",
    };

    public Option<FileInfo?> Markdown { get; } = new("--markdown")
    {
        Description = "Write a Markdown report: per-class IoU/iIoU with TP/FP/FN pixel counts, categories, averages.",
    };

    public Option<FileInfo?> ConfusionPng { get; } = new("--confusion-png")
    {
        Description = "Write the row-normalised confusion matrix of the evaluated classes as a PNG heatmap.",
    };

    public Option<FileInfo?> Partial { get; } = new("--partial")
    {
        Description = "Write the raw accumulator (integer counts) for 'segfuse merge'; with --shard, the shard's part.",
    };

    public void AddTo(Command command)
    {
        foreach (var o in new[] { Json, Markdown, ConfusionPng, Partial })
        {
            o.AcceptLegalFilePathsOnly();
            command.Options.Add(o);
        }
    }

    /// <summary>Checks before the work starts that every output can be written, so a long run does not fail at the end.</summary>
    public void Validate(ParseResult parse)
    {
        foreach (var o in new[] { Json, Markdown, ConfusionPng, Partial })
        {
            if (parse.GetValue(o) is { } file)
            {
                string? dir = Path.GetDirectoryName(file.FullName);
                if (dir is null || !Directory.Exists(dir))
                {
                    throw new SegFuseInputException(file.FullName, $"cannot write {o.Name}: the folder {dir} does not exist");
                }

                if (Directory.Exists(file.FullName))
                {
                    throw new SegFuseInputException(file.FullName, $"cannot write {o.Name}: it is a folder");
                }
            }
        }
    }

    /// <summary>Prints the table and writes the requested files (each atomically).</summary>
    public void Write(ParseResult parse, CliConsole console, JaccardAccumulator acc, IEnumerable<string> frameKeys, string? shard)
    {
        var report = ScoreReport.From(acc);
        console.Out.Write(ScoreTables.Text(report));
        if (parse.GetValue(Partial) is { } partial)
        {
            AtomicFile.WriteAllText(partial.FullName, ScoreJson.Partial(acc, frameKeys, shard));
            console.Out.WriteLine($"partial accumulator: {partial.FullName}");
        }

        if (parse.GetValue(Json) is { } json)
        {
            AtomicFile.WriteAllText(json.FullName, ScoreJson.Result(report));
        }

        if (parse.GetValue(Markdown) is { } md)
        {
            AtomicFile.WriteAllText(md.FullName, ScoreTables.Markdown(report));
        }

        if (parse.GetValue(ConfusionPng) is { } png)
        {
            ConfusionHeatmap.Write(report, png.FullName);
        }
    }
}
