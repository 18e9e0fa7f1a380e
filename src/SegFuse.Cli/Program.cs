using SegFuse.Cli;

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl-C: stop the frame loops and clean up temporary outputs. A second one kills the process.
    if (!cts.IsCancellationRequested)
    {
        e.Cancel = true;
        cts.Cancel();
    }
};

var console = new CliConsole(Console.Out, Console.Error, isTerminal: !Console.IsErrorRedirected);
return await SegFuseCli.RunAsync(args, console, cts.Token);
