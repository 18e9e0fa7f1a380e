using System.Globalization;
using SegFuse.IO;
using SegFuse.Media.Encoding;
using SegFuse.Synthetic;
using SegFuse.Timeline.Flow;

namespace SegFuse.Benchmarks.Fusion;

/// <summary>
/// Writes a synthetic driving sequence from the SegFuse generator for the fusion benchmark: <c>video.mp4</c>,
/// exact flow in both directions as Middlebury <c>.flo</c> (<c>flow_bw/</c>, <c>flow_fw/</c>), per-frame
/// predictions and ground truth as label PNGs (Cityscapes train ids). Written once per machine into the temp folder
/// (a marker file says it is complete), because 1280×720 takes a minute or more to render.
/// </summary>
internal static class FusionDataset
{
    public static string Ensure(int width, int height, int frames, int seed = 1)
    {
        string dir = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"segfuse-bench-fusion-{width}x{height}-{frames}-{seed}"));
        if (File.Exists(Path.Combine(dir, "complete")))
        {
            return dir;
        }

        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        foreach (var sub in new[] { "pred", "gt", "flow_bw", "flow_fw" })
        {
            Directory.CreateDirectory(Path.Combine(dir, sub));
        }

        var seq = new SyntheticSequence(new SyntheticOptions { Width = width, Height = height, Frames = frames, Seed = seed });
        using (var video = H264VideoWriter.Create(Path.Combine(dir, "video.mp4"), width, height, 30))
        {
            while (seq.TryRead(out var frame))
            {
                using (frame)
                {
                    video.Write(frame.Bgr);
                    LabelPng.Write(Path.Combine(dir, "gt", FrameFiles.NameOf(frame.Index, ".png")), frame.GroundTruth);
                    LabelPng.Write(Path.Combine(dir, "pred", FrameFiles.NameOf(frame.Index, ".png")), frame.Prediction);
                    if (frame.HasBackwardFlow)
                    {
                        var f = new FlowField(width, height);
                        frame.BackwardFlow.CopyTo(f.Span);
                        FlowFile.Write(Path.Combine(dir, "flow_bw", FrameFiles.NameOf(frame.Index, ".flo")), f);
                    }

                    if (frame.HasForwardFlow)
                    {
                        var f = new FlowField(width, height);
                        frame.ForwardFlow.CopyTo(f.Span);
                        FlowFile.Write(Path.Combine(dir, "flow_fw", FrameFiles.NameOf(frame.Index, ".flo")), f);
                    }
                }
            }

            video.Complete();
        }

        File.WriteAllText(Path.Combine(dir, "complete"), "ok\n");
        return dir;
    }
}
