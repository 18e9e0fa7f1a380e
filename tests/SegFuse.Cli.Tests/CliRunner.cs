using SegFuse.Cli;

namespace SegFuse.Cli.Tests;

/// <summary>Runs <c>segfuse</c> in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public string LastLine => Out.TrimEnd().Split('\n').Last().Trim();
    }

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = SegFuseCli.RunAsync(args, new CliConsole(output, error, isTerminal: false), CancellationToken.None).GetAwaiter().GetResult();
        return new Result(code, output.ToString(), error.ToString());
    }
}
