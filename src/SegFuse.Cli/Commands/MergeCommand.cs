using System.CommandLine;
using SegFuse.Scoring;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse merge</c>: adds shards' partial accumulators; the result equals one whole run.</summary>
internal static class MergeCommand
{
    public static Command Create(CliConsole console)
    {
        var files = new Argument<FileInfo[]>("partials")
        {
            Description = "Partial accumulators written by 'segfuse score --shard K/N --partial FILE'.",
            Arity = ArgumentArity.OneOrMore,
        };
        var outputs = new ScoreOutputs();
        var command = new Command("merge", "Merge the partial accumulators of sharded scoring runs. Counts are integers, so the merged figures equal those of one unsharded run bit for bit.")
        {
            files,
        };
        outputs.AddTo(command);
        command.SetGuardedAction(console, (parse, ct) =>
        {
            outputs.Validate(parse);
            JaccardAccumulator? total = null;
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            var keys = new List<string>();
            foreach (var file in parse.GetValue(files)!)
            {
                ct.ThrowIfCancellationRequested();
                var (acc, frameKeys) = ScoreJson.ReadPartial(file.FullName);
                foreach (var key in frameKeys)
                {
                    if (!seen.TryAdd(key, file.Name))
                    {
                        throw new SegFuseInputException(file.FullName, $"frame {key} is also in {seen[key]}: a frame would count twice");
                    }
                }

                keys.AddRange(frameKeys);
                if (total is null)
                {
                    total = acc;
                }
                else if (total.Set.Name != acc.Set.Name || total.ClassCount != acc.ClassCount)
                {
                    throw new SegFuseInputException(file.FullName, $"scored with label set {acc.Set.Name}, the others with {total.Set.Name}");
                }
                else if (total.HasInstanceStats != acc.HasInstanceStats)
                {
                    throw new SegFuseInputException(file.FullName, "instance statistics differ from the other partials (score every shard with or every shard without --no-instances)");
                }
                else
                {
                    total.Merge(acc);
                }
            }

            console.Error.WriteLine($"merged {parse.GetValue(files)!.Length} partial accumulators, {total!.Frames} frames");
            outputs.Write(parse, console, total, keys, null);
            return 0;
        });
        return command;
    }
}
