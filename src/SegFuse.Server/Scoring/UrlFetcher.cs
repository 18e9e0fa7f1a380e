using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace SegFuse.Server.Scoring;

/// <summary>
/// Runs the configured fetch command (e.g. a video downloader) for a submitted URL. The command line is split into
/// arguments and started without a shell, so a URL can never inject a command; <c>{url}</c> and <c>{out}</c> are
/// replaced inside the arguments.
/// </summary>
internal static class UrlFetcher
{
    /// <summary>Fetches <paramref name="url"/> into <paramref name="output"/>.</summary>
    /// <exception cref="SegFuseInputException">The command failed (non-zero exit), wrote nothing, or wrote more than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="InvalidOperationException">The command cannot be started or ran past <paramref name="timeout"/> (a server-side failure).</exception>
    public static void Fetch(string commandTemplate, string url, string output, long maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var args = SplitArguments(commandTemplate);
        if (args.Count == 0)
        {
            throw new InvalidOperationException("the fetch command is empty");
        }

        var psi = new ProcessStartInfo(Substitute(args[0], url, output))
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args.Skip(1))
        {
            psi.ArgumentList.Add(Substitute(a, url, output));
        }

        using var process = new Process { StartInfo = psi };
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run the fetch command '{args[0]}': {e.Message}", e);
        }

        process.StandardInput.Close();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var clock = Stopwatch.StartNew();
        while (!process.WaitForExit(200))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                Kill(process);
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (File.Exists(output) && new FileInfo(output).Length > maxBytes)
            {
                Kill(process);
                throw new SegFuseInputException(url, $"the fetched file grew over the competition's limit of {maxBytes} bytes");
            }

            if (clock.Elapsed > timeout)
            {
                Kill(process);
                throw new InvalidOperationException($"the fetch command ran longer than {timeout.TotalSeconds:0} s");
            }
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            string last;
            lock (stderr)
            {
                last = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no message";
            }

            throw new SegFuseInputException(url, $"could not be fetched (the fetch command exited with {process.ExitCode}: {last})");
        }

        if (!File.Exists(output) || new FileInfo(output).Length == 0)
        {
            throw new SegFuseInputException(url, "the fetch command wrote no file");
        }

        if (new FileInfo(output).Length > maxBytes)
        {
            throw new SegFuseInputException(url, $"the fetched file is over the competition's limit of {maxBytes} bytes");
        }
    }

    /// <summary>Splits a command line at spaces; single or double quotes group, as in a shell (no escapes, no expansions).</summary>
    public static List<string> SplitArguments(string commandLine)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        bool inArg = false;
        char quote = '\0';
        foreach (char ch in commandLine)
        {
            if (quote != '\0')
            {
                if (ch == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(ch);
                }
            }
            else if (ch is '"' or '\'')
            {
                quote = ch;
                inArg = true;
            }
            else if (char.IsWhiteSpace(ch))
            {
                if (inArg)
                {
                    args.Add(current.ToString());
                    current.Clear();
                    inArg = false;
                }
            }
            else
            {
                current.Append(ch);
                inArg = true;
            }
        }

        if (inArg)
        {
            args.Add(current.ToString());
        }

        return args;
    }

    private static string Substitute(string arg, string url, string output) =>
        arg.Replace("{url}", url, StringComparison.Ordinal).Replace("{out}", output, StringComparison.Ordinal);

    private static void Kill(Process p)
    {
        try
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
