using System.Diagnostics;
using System.Globalization;
using System.Text;
using SegFuse.IO;
using SegFuse.Synthetic;

namespace SegFuse.Inference.Tests;

/// <summary>Writes a folder in the sample layout from the project's synthetic street-scene generator.</summary>
internal static class SyntheticSample
{
    /// <summary><c>video.mp4</c> (H.264 through the system ffmpeg), <c>gt/NNNNNN.png</c> (train ids) and <c>split.csv</c>.</summary>
    public static void Write(string dir, SyntheticOptions options)
    {
        Directory.CreateDirectory(Path.Combine(dir, "gt"));
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", options.Size, "-r", options.Fps.ToString(CultureInfo.InvariantCulture), "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", Path.Combine(dir, "video.mp4") })
        {
            start.ArgumentList.Add(a);
        }

        var split = new StringBuilder("frame,split\n");
        using (var ffmpeg = Process.Start(start)!)
        {
            var errors = ffmpeg.StandardError.ReadToEndAsync();
            var stdin = ffmpeg.StandardInput.BaseStream;
            var sequence = new SyntheticSequence(options);
            while (sequence.TryRead(out var frame))
            {
                using (frame)
                {
                    stdin.Write(frame.Bgr);
                    LabelPng.Write(Path.Combine(dir, "gt", FrameFiles.NameOf(frame.Index, ".png")), frame.GroundTruth);
                    split.Append(CultureInfo.InvariantCulture, $"{frame.Index},{frame.Split.ToString().ToLowerInvariant()}\n");
                }
            }

            stdin.Close();
            ffmpeg.WaitForExit();
            if (ffmpeg.ExitCode != 0)
            {
                throw new InvalidOperationException($"ffmpeg failed: {errors.Result}");
            }
        }

        File.WriteAllText(Path.Combine(dir, "split.csv"), split.ToString());
    }
}
