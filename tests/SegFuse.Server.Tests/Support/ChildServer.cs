using System.Diagnostics;
using System.Text;

namespace SegFuse.Server.Tests.Support;

/// <summary>
/// <c>segfuse serve</c> as a child process (the segfuse.dll built beside the tests), so that a test can kill it
/// the hard way (SIGKILL) and start it again.
/// </summary>
internal sealed class ChildServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildServer(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ChildServer Start(string dataDir, params string[] extra)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "segfuse.dll");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { dll, "serve", "--data", dataDir, "--urls", "http://127.0.0.1:0" }.Concat(extra))
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        var output = new StringBuilder();
        var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                url.TrySetException(new InvalidOperationException("segfuse serve ended: " + output));
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            const string Marker = "SegFuse server on ";
            if (e.Data.StartsWith(Marker, StringComparison.Ordinal))
            {
                url.TrySetResult(e.Data[Marker.Length..].Split(' ', ',')[0]);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!url.Task.Wait(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("segfuse serve did not start: " + output);
        }

        var child = new ChildServer(process, url.Task.Result);
        lock (output)
        {
            child._output.Append(output);
        }

        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        return child;
    }

    /// <summary>SIGKILL: no clean-up code of the server runs.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
