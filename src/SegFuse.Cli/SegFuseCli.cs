using System.CommandLine;
using System.CommandLine.Parsing;
using SegFuse.Cli.Commands;

namespace SegFuse.Cli;

/// <summary>
/// The <c>segfuse</c> command. Each subcommand lives in <c>Commands/</c> and only wires stages together;
/// the work is done by the stage libraries.
/// </summary>
internal static class SegFuseCli
{
    /// <summary>Exit code for bad input or usage.</summary>
    public const int ExitBadInput = 2;

    /// <summary>Exit code for an internal failure.</summary>
    public const int ExitInternal = 1;

    /// <summary>Exit code when the user cancelled (Ctrl-C).</summary>
    public const int ExitCancelled = 130;

    public static RootCommand BuildRoot(CliConsole console)
    {
        var root = new RootCommand(
            "SegFuse: fuse, score and render driving-scene segmentation video for video-segmentation competitions.");
        foreach (var command in CommandCatalog.Create(console))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken)
    {
        var root = BuildRoot(console);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0 && !IsHelpRequest(parse))
        {
            ParseError first = parse.Errors[0];
            string subject = first.SymbolResult switch
            {
                OptionResult o => o.Option.Name,
                ArgumentResult a => a.Argument.Name,
                CommandResult c => c.Command.Name,
                _ => "usage",
            };
            console.Error.WriteLine($"error: {subject}: {first.Message}");
            console.Error.WriteLine($"       see 'segfuse {string.Join(' ', CommandPath(parse))} --help'");
            return ExitBadInput;
        }

        var config = new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false };
        return await parse.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a command's work and turns failures into the CLI contract: bad input → one line and exit 2,
    /// cancellation → exit 130, anything else → one line and exit 1.
    /// </summary>
    public static async Task<int> Guard(CliConsole console, Func<Task<int>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (SegFuseInputException e)
        {
            console.Error.WriteLine($"error: {e.Subject}: {e.Reason}");
            return ExitBadInput;
        }
        catch (OperationCanceledException)
        {
            console.Error.WriteLine("cancelled: no partial output was kept");
            return ExitCancelled;
        }
#pragma warning disable CA1031 // The CLI's last resort: report any failure as one line with exit code 1.
        catch (Exception e)
#pragma warning restore CA1031
        {
            console.Error.WriteLine($"error: internal: {e.GetType().Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("SEGFUSE_DEBUG") == "1")
            {
                console.Error.WriteLine(e);
            }

            return ExitInternal;
        }
    }

    /// <summary>Sets the action of <paramref name="command"/> to <paramref name="work"/> run under <see cref="Guard"/>.</summary>
    public static void SetGuardedAction(this Command command, CliConsole console, Func<ParseResult, CancellationToken, Task<int>> work)
    {
        command.SetAction((parse, ct) => Guard(console, () => work(parse, ct)));
    }

    /// <summary>Sets a synchronous action of <paramref name="command"/> run under <see cref="Guard"/>.</summary>
    public static void SetGuardedAction(this Command command, CliConsole console, Func<ParseResult, CancellationToken, int> work)
    {
        command.SetAction((parse, ct) => Guard(console, () => Task.FromResult(work(parse, ct))));
    }

    private static bool IsHelpRequest(ParseResult parse) =>
        parse.Tokens.Any(t => t.Value is "--help" or "-h" or "-?");

    private static List<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (SymbolResult? r = parse.CommandResult; r is CommandResult c && c.Parent is not null; r = c.Parent)
        {
            names.Insert(0, c.Command.Name);
        }

        return names;
    }
}
