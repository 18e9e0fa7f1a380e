using System.CommandLine;

namespace SegFuse.Cli.Commands;

/// <summary>Every subcommand of <c>segfuse</c>, in the order of the CLI contract (design.md). Add a stage's commands here.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliConsole console)
    {
        yield return ScoreCommand.Create(console);
        yield return MergeCommand.Create(console);
        yield return InspectCommand.Create(console);
        yield return RenderCommand.Create(console);
        yield return AlignCommand.Create(console);
        yield return FlowCommand.Create(console);
        yield return FlowVizCommand.Create(console);
        yield return FuseCommand.Create(console);
        yield return TuneCommand.Create(console);
        yield return TcCommand.Create(console);
        yield return SegmentCommand.Create(console);
        yield return ModelTinyCommand.Create(console);
        yield return SampleCommand.Create(console);
        yield return DemoCommand.Create(console);
        yield return ServeCommand.Create(console);
        yield return CompetitionCommand.Create(console);
        yield return SubmitCommand.Create(console);
    }
}
