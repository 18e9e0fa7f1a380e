using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using SegFuse.Fusion;
using SegFuse.Fusion.Engine;
using SegFuse.Fusion.Evidence;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Decoding;
using SegFuse.Timeline.Flow;

namespace SegFuse.Benchmarks.Fusion;

/// <summary>
/// A separate measured run (not BenchmarkDotNet): the fusion engine alone on frames of the fusion benchmark's data set
/// held in memory (labels, grey frames, both flows), so that no reading, decoding or writing is timed. Prints wall and
/// CPU time per frame of each method. <c>dotnet run -c Release --project tests/SegFuse.Benchmarks -- engine-profile [FRAMES [REPEATS [WORKERS]]]</c>
/// (one worker: CPU time without the spinning of idle pool threads).
/// </summary>
internal static class EngineProfileRun
{
    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        int frames = args.Length > 0 ? int.Parse(args[0], inv) : 48;
        int repeats = args.Length > 1 ? int.Parse(args[1], inv) : 3;
        int workers = args.Length > 2 ? int.Parse(args[2], inv) : Environment.ProcessorCount;
        string dir = FusionDataset.Ensure(1280, 720, 90);
        var set = LabelSet.Load("cityscapes-trainids");
        var loaded = Load(dir, set, Math.Min(frames, 90));
        var classes = new ClassMap(set);
        foreach (var method in new[] { FusionMethod.Offline, FusionMethod.Causal })
        {
            for (int r = 0; r <= repeats; r++)
            {
                int emitted = 0;
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                var engine = new FusionEngine(1280, 720, classes, new FusionParameters { Method = method }, workers, (_, _) => emitted++);
                foreach (var f in loaded)
                {
                    engine.Push(f);
                }

                engine.Complete();
                double w = wall.Elapsed.TotalMilliseconds / loaded.Count;
                double c = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / loaded.Count;
                string label = r == 0 ? "(warm-up)" : string.Create(inv, $"run {r}");
                Console.WriteLine(string.Create(inv, $"{method.Name(),-8} {label,-10} {emitted} frames  wall {w,6:0.00} ms/frame  cpu {c,6:0.00} ms/frame"));
            }
        }
    }

    private static List<FusionFrame> Load(string dir, LabelSet set, int frames)
    {
        var result = new List<FusionFrame>();
        using var video = VideoFrameSource.Open(Path.Combine(dir, "video.mp4"));
        using var grey = new Mat();
        for (int t = 0; t < frames && video.TryRead(out var vf); t++)
        {
            Cv2.CvtColor(vf.Image, grey, ColorConversionCodes.BGR2GRAY);
            var bytes = new byte[grey.Width * grey.Height];
            grey.AsSpan<byte>().CopyTo(bytes);
            string bw = Path.Combine(dir, "flow_bw", FrameFiles.NameOf(t, ".flo")), fw = Path.Combine(dir, "flow_fw", FrameFiles.NameOf(t, ".flo"));
            result.Add(new FusionFrame
            {
                Index = t,
                Labels = LabelPng.Read(Path.Combine(dir, "pred", FrameFiles.NameOf(t, ".png")), set),
                Grey = bytes,
                Backward = t > 0 ? FlowFile.Read(bw) : null,
                Forward = t < frames - 1 ? FlowFile.Read(fw) : null,
            });
        }

        return result;
    }
}
