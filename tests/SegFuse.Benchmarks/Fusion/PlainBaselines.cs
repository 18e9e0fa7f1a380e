using OpenCvSharp;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Decoding;
using SegFuse.Timeline.Flow;

namespace SegFuse.Benchmarks.Fusion;

/// <summary>
/// The reference methods, written independently of SegFuse's fusion engine so the comparison table has a
/// fixed yardstick: a plain causal exponential average of warped one-hot labels with a photometric gate, and its
/// offline two-pass version. Dense per-class evidence (one float per class per pixel), nearest-pixel warping along
/// the backward (causal) and forward (anti-causal) flow, a hard gate |I_t(x) − I_s(x + f(x))| &lt; τ on the grey
/// frames, out-of-frame pixels not carried. No consistency test, no sub-pixel bookkeeping, no cut or failure handling.
/// Memory holds the whole clip's causal evidence in float16 (a measuring tool for small clips, not a product path).
/// </summary>
internal static class PlainBaselines
{
    /// <summary>Fuses the sample in <paramref name="dir"/> and writes the labels to <paramref name="output"/>.</summary>
    public static void Run(string dir, LabelSet set, bool offline, double decay, double tolerance, string output)
    {
        var preds = FrameFiles.List(Path.Combine(dir, "pred"), ".png");
        int n = preds.Count;
        var greys = new List<byte[]>();
        int w = 0, h = 0;
        using (var video = VideoFrameSource.Open(Path.Combine(dir, "video.mp4")))
        using (var grey = new Mat())
        {
            while (video.TryRead(out var frame))
            {
                Cv2.CvtColor(frame.Image, grey, ColorConversionCodes.BGR2GRAY);
                w = grey.Width;
                h = grey.Height;
                var g = new byte[w * h];
                grey.AsSpan<byte>().CopyTo(g);
                greys.Add(g);
            }
        }

        int classes = set.Classes.Count;
        var index = new int[set.MaxId + 1];
        for (int i = 0; i < classes; i++)
        {
            index[set.Classes[i].Id] = i;
        }

        var labels = new List<int[]>();
        for (int t = 0; t < n; t++)
        {
            var map = LabelPng.Read(preds[t], set).Span;
            var l = new int[map.Length];
            for (int i = 0; i < l.Length; i++)
            {
                l[i] = index[map[i]];
            }

            labels.Add(l);
        }

        // The causal pass stores each frame's evidence (float16) for the offline combination; the anti-causal pass
        // streams backwards and writes each frame as soon as both passes have reached it.
        Directory.CreateDirectory(output);
        var stored = offline ? new Half[n][] : null;
        Pass(dir, "flow_bw", FlowDirection.Backward, labels, greys, w, h, classes, decay, tolerance, ascending: true, (t, s) =>
        {
            if (stored is not null)
            {
                stored[t] = Array.ConvertAll(s, v => (Half)v);
            }
            else
            {
                Write(t, s, null);
            }
        });
        if (stored is not null)
        {
            Pass(dir, "flow_fw", FlowDirection.Forward, labels, greys, w, h, classes, decay, tolerance, ascending: false, (t, b) => Write(t, b, stored[t]));
        }

        void Write(int t, float[] s, Half[]? other)
        {
            var map = new LabelMap(w, h);
            var dst = map.Span;
            for (int i = 0; i < w * h; i++)
            {
                int best = 0;
                float bestScore = float.MinValue;
                for (int c = 0; c < classes; c++)
                {
                    // Offline: forward + backward − the frame's own one-hot (counted in both).
                    float v = s[(i * classes) + c] + (other is null ? 0 : (float)other[(i * classes) + c] - (labels[t][i] == c ? 1 : 0));
                    if (v > bestScore)
                    {
                        bestScore = v;
                        best = c;
                    }
                }

                dst[i] = (ushort)set.Classes[best].Id;
            }

            LabelPng.Write(Path.Combine(output, Path.GetFileName(preds[t])), map);
        }
    }

    private static void Pass(string dir, string flowDir, FlowDirection direction, List<int[]> labels, List<byte[]> greys, int w, int h, int classes, double decay, double tolerance, bool ascending, Action<int, float[]> done)
    {
        int n = labels.Count;
        var folder = FlowFolder.Open(Path.Combine(dir, flowDir), direction);
        float[]? previous = null;
        for (int k = 0; k < n; k++)
        {
            int t = ascending ? k : n - 1 - k;
            var s = new float[w * h * classes];
            var flow = previous is null ? null : folder.Read(t, w, h, FlowScale.None);
            int source = ascending ? t - 1 : t + 1;
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int i = (y * w) + x;
                    if (flow is not null)
                    {
                        var (u, v) = flow[x, y];
                        int sx = (int)MathF.Round(x + u), sy = (int)MathF.Round(y + v);
                        if (sx >= 0 && sy >= 0 && sx < w && sy < h && Math.Abs(greys[t][i] - greys[source][(sy * w) + sx]) < tolerance)
                        {
                            int j = (sy * w) + sx;
                            for (int c = 0; c < classes; c++)
                            {
                                s[(i * classes) + c] = (float)decay * previous![(j * classes) + c];
                            }
                        }
                    }

                    s[(i * classes) + labels[t][i]] += 1;
                }
            }

            done(t, s);
            previous = s;
        }
    }
}
