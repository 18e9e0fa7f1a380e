using System.Diagnostics;
using System.Globalization;
using SegFuse.IO;
using SegFuse.Media.Tests.Support;

namespace SegFuse.Benchmarks.Media;

/// <summary>
/// A separate measured run (not BenchmarkDotNet): peak resident memory of the media commands on a 1 000-frame and a
/// 10 000-frame input, each command in its own process (its VmHWM, polled from /proc; the ffmpeg child processes are
/// not counted). Flat memory means the 10k figure is within 10 % of the 1k figure.
/// <c>dotnet run -c Release --project tests/SegFuse.Benchmarks -- media-memory [SMALL LARGE [WxH]]</c>.
/// </summary>
internal static class MediaMemoryRun
{
    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        int small = args.Length > 0 ? int.Parse(args[0], inv) : 1000;
        int large = args.Length > 1 ? int.Parse(args[1], inv) : 10000;
        string size = args.Length > 2 ? args[2] : "320x180";
        int w = int.Parse(size.Split('x')[0], inv), h = int.Parse(size.Split('x')[1], inv);
        string dir = Path.Combine(MediaFiles.Dir, $"memory-{size}");
        Directory.CreateDirectory(dir);
        string footage = Path.Combine(dir, $"footage-{large}.mp4");
        if (!File.Exists(footage))
        {
            MediaFiles.Run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size={size}:rate=30", "-frames:v", large.ToString(inv), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", footage);
        }

        string cli = Path.Combine(AppContext.BaseDirectory, "segfuse.dll");
        var rows = new List<(string Command, long Small, long Large)>();
        var results = new Dictionary<(string, int), long>();
        foreach (int n in new[] { small, large })
        {
            string labels = Path.Combine(dir, $"labels-{n}");
            if (!Directory.Exists(labels) || Directory.GetFiles(labels).Length != n)
            {
                Directory.CreateDirectory(labels);
                Parallel.For(0, n, i => LabelPng.Write(Path.Combine(labels, FrameFiles.NameOf(i, ".png")), DrivingScene.Draw(w, h, i, seed: 3)));
            }

            string palette = Path.Combine(dir, $"palette-{n}.mp4");
            results[("render (palette)", n)] = PeakKb(cli, "render", "--labels", labels, "--out", palette, "--preset", "ultrafast");
            results[("render --mode overlay --video", n)] = PeakKb(cli, "render", "--labels", labels, "--mode", "overlay", "--video", footage, "--out", Path.Combine(dir, $"overlay-{n}.mp4"), "--preset", "ultrafast");
            results[("score --pred-video", n)] = PeakKb(cli, "score", "--pred-video", palette, "--gt", labels, "--labels", "cityscapes-trainids");
            results[("inspect", n)] = PeakKb(cli, "inspect", palette);
        }

        Console.WriteLine($"peak resident memory of the segfuse process (VmHWM), {size} frames");
        Console.WriteLine($"| command | {small} frames | {large} frames | change |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var command in results.Keys.Select(k => k.Item1).Distinct())
        {
            long a = results[(command, small)], b = results[(command, large)];
            Console.WriteLine(string.Create(inv, $"| {command} | {a / 1024.0:0.0} MB | {b / 1024.0:0.0} MB | {100.0 * (b - a) / a:+0.0;-0.0} % |"));
        }
    }

    /// <summary>
    /// Runs <c>dotnet segfuse.dll ARGS</c> and returns the peak resident memory (VmHWM, KB) of the segfuse process itself,
    /// polled from /proc every 50 ms until it exits (ffmpeg children are separate processes and not counted).
    /// </summary>
    private static long PeakKb(string cli, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { cli }.Concat(args))
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        long peak = 0;
        string status = $"/proc/{p.Id}/status";
        while (!p.HasExited)
        {
            try
            {
                foreach (var line in File.ReadLines(status))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        peak = Math.Max(peak, long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
                    }
                }
            }
            catch (IOException)
            {
                // The process ended between the check and the read.
            }

            Thread.Sleep(50);
        }

        p.WaitForExit();
        _ = outTask.GetAwaiter().GetResult();
        string err = errTask.GetAwaiter().GetResult();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"segfuse {string.Join(' ', args)} failed: {err}");
        }

        return peak;
    }
}
