using System.CommandLine;

namespace SegFuse.Cli.Commands;

/// <summary>Every subcommand of <c>segfuse</c>, in the order of the pipeline. Add a stage's commands here.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliConsole console)
    {
        yield return ScoreCommand.Create(console);
        yield return MergeCommand.Create(console);
        yield return FuseCommand.Create(console);
        yield return TuneCommand.Create(console);
        yield return TcCommand.Create(console);
    }
}
