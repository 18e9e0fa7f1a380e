using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Encoding;
using SegFuse.Synthetic;
using SegFuse.Timeline.Flow;

namespace SegFuse.Fusion.Tests.Support;

/// <summary>
/// A synthetic driving sequence from the SegFuse generator (<see cref="SyntheticSequence"/>) written in the sample
/// layout: <c>video.mp4</c> (H.264 through ffmpeg), <c>telemetry.csv</c>, exact flow <c>flow_bw/</c> and <c>flow_fw/</c>
/// (.flo), ground truth <c>gt/</c> and noisy predictions <c>pred/</c> (Cityscapes train ids), <c>split.csv</c>.
/// Fixtures are made once per process and parameter set and shared between tests (they are only read).
/// </summary>
internal sealed class SampleFixture
{
    private static readonly ConcurrentDictionary<string, Lazy<SampleFixture>> Cache = new();
    private static readonly string Root = Path.Combine(Path.GetTempPath(), $"segfuse-fusion-tests-{Environment.ProcessId}");

    static SampleFixture()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        };
    }

    private SampleFixture(string dir, int width, int height, int frames)
    {
        Dir = dir;
        Width = width;
        Height = height;
        Frames = frames;
    }

    public string Dir { get; }

    public int Width { get; }

    public int Height { get; }

    public int Frames { get; }

    public string Video => Path.Combine(Dir, "video.mp4");

    public string Pred => Path.Combine(Dir, "pred");

    public string Gt => Path.Combine(Dir, "gt");

    public string FlowBw => Path.Combine(Dir, "flow_bw");

    public string FlowFw => Path.Combine(Dir, "flow_fw");

    public string Telemetry => Path.Combine(Dir, "telemetry.csv");

    public string Split => Path.Combine(Dir, "split.csv");

    public static LabelSet Labels { get; } = LabelSet.Load("cityscapes-trainids");

    /// <summary>The shared fixture for these options (made on first use).</summary>
    public static SampleFixture Get(int width, int height, int frames, int seed = 1, double start = 0) =>
        Cache.GetOrAdd(string.Create(CultureInfo.InvariantCulture, $"{width}x{height}-{frames}-{seed}-{start}"), key => new Lazy<SampleFixture>(() => Write(Path.Combine(Root, key), new SyntheticOptions
        {
            Width = width,
            Height = height,
            Frames = frames,
            Seed = seed,
            StartSeconds = start,
        }))).Value;

    /// <summary>Writes a sequence into <paramref name="dir"/>.</summary>
    public static SampleFixture Write(string dir, SyntheticOptions options)
    {
        foreach (var sub in new[] { "pred", "gt", "flow_bw", "flow_fw" })
        {
            Directory.CreateDirectory(Path.Combine(dir, sub));
        }

        var seq = new SyntheticSequence(options);
        var split = new StringBuilder("frame,split\n");
        using (var video = H264VideoWriter.Create(Path.Combine(dir, "video.mp4"), options.Width, options.Height, options.Fps))
        {
            while (seq.TryRead(out var frame))
            {
                using (frame)
                {
                    video.Write(frame.Bgr);
                    string name = FrameFiles.NameOf(frame.Index, ".png");
                    LabelPng.Write(Path.Combine(dir, "gt", name), frame.GroundTruth);
                    LabelPng.Write(Path.Combine(dir, "pred", name), frame.Prediction);
                    if (frame.HasBackwardFlow)
                    {
                        FlowFile.Write(Path.Combine(dir, "flow_bw", FrameFiles.NameOf(frame.Index, ".flo")), ToField(frame.BackwardFlow, options.Width, options.Height));
                    }

                    if (frame.HasForwardFlow)
                    {
                        FlowFile.Write(Path.Combine(dir, "flow_fw", FrameFiles.NameOf(frame.Index, ".flo")), ToField(frame.ForwardFlow, options.Width, options.Height));
                    }

                    split.Append(CultureInfo.InvariantCulture, $"{frame.Index},{frame.Split.ToString().ToLowerInvariant()}\n");
                }
            }

            video.Complete();
        }

        var telemetry = new StringBuilder("timestamp,speed_mps,accel_mps2,steering_deg\n");
        foreach (var s in seq.Telemetry)
        {
            telemetry.Append(CultureInfo.InvariantCulture, $"{s.Timestamp},{s.SpeedMps},{s.AccelMps2},{s.SteeringDeg}\n");
        }

        File.WriteAllText(Path.Combine(dir, "telemetry.csv"), telemetry.ToString());
        File.WriteAllText(Path.Combine(dir, "split.csv"), split.ToString());
        return new SampleFixture(dir, options.Width, options.Height, options.Frames);
    }

    /// <summary>Copies the fixture (for tests that damage their inputs).</summary>
    public string CopyTo(string target)
    {
        foreach (var file in Directory.EnumerateFiles(Dir, "*", SearchOption.AllDirectories))
        {
            string dst = Path.Combine(target, Path.GetRelativePath(Dir, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dst)!);
            File.Copy(file, dst);
        }

        return target;
    }

    private static FlowField ToField(ReadOnlySpan<float> flow, int width, int height)
    {
        var field = new FlowField(width, height);
        flow.CopyTo(field.Span);
        return field;
    }
}
