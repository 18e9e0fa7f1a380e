using System.Diagnostics;

namespace SegFuse.Media.Tools;

/// <summary>
/// Finds the system <c>ffmpeg</c> and <c>ffprobe</c> on PATH. SegFuse encodes H.264 with the system ffmpeg
/// (OpenCV's bundled FFmpeg has no H.264 encoder), so a missing ffmpeg is bad input with a fix, not a crash.
/// </summary>
public static class FfmpegTools
{
    /// <summary>The one line that tells the user how to get ffmpeg.</summary>
    public const string InstallHint = "not found on PATH; install it (Debian/Ubuntu: apt-get install ffmpeg)";

    /// <summary>The full path of the <c>ffmpeg</c> executable.</summary>
    /// <exception cref="SegFuseInputException">ffmpeg is not on PATH.</exception>
    public static string Ffmpeg => Find("ffmpeg") ?? throw new SegFuseInputException("ffmpeg", InstallHint);

    /// <summary>The full path of the <c>ffprobe</c> executable.</summary>
    /// <exception cref="SegFuseInputException">ffprobe is not on PATH.</exception>
    public static string Ffprobe => Find("ffprobe") ?? throw new SegFuseInputException("ffprobe", InstallHint);

    /// <summary>Looks <paramref name="name"/> up in the directories of PATH as it is now; null when it is in none.</summary>
    public static string? Find(string name)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        string file = OperatingSystem.IsWindows() ? name + ".exe" : name;
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, file);
            if (File.Exists(candidate) && IsExecutable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Starts <paramref name="exe"/> with <paramref name="args"/>, stdout and stderr redirected.</summary>
    internal static Process Start(string exe, IEnumerable<string> args, bool redirectStdin)
    {
        var info = new ProcessStartInfo(exe)
        {
            RedirectStandardInput = redirectStdin,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {exe}");
    }

    private static bool IsExecutable(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        var mode = File.GetUnixFileMode(file);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
