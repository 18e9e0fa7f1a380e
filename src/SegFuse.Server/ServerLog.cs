using System.Globalization;

namespace SegFuse.Server;

/// <summary>Timestamped log lines for the host: start-up, submissions accepted, scored and failed.</summary>
internal sealed class ServerLog(TextWriter? writer, TimeProvider clock)
{
    private readonly TextWriter? _writer = writer is null ? null : TextWriter.Synchronized(writer);

    public void Info(string message)
    {
        if (_writer is null)
        {
            return;
        }

        _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.GetUtcNow():yyyy-MM-dd HH:mm:ss}Z {message}"));
        _writer.Flush();
    }
}
