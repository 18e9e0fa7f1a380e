using SegFuse.Labels;
using SegFuse.Synthetic;

namespace SegFuse.Synthetic.Tests;

/// <summary>Small sequences kept in memory for the tests (the generator itself streams).</summary>
internal sealed class FrameCopy
{
    public required int Index { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    public required byte[] Bgr { get; init; }

    public required ushort[] Gt { get; init; }

    public required ushort[] Pred { get; init; }

    public required float[] Bw { get; init; }

    public required float[] Fw { get; init; }

    public required byte[] OccBw { get; init; }

    public required byte[] OccFw { get; init; }

    public required float[] Depth { get; init; }

    public static FrameCopy Of(SyntheticFrame f) => new()
    {
        Index = f.Index,
        Width = f.Width,
        Height = f.Height,
        Bgr = f.Bgr.ToArray(),
        Gt = f.GroundTruth.Span.ToArray(),
        Pred = f.Prediction.Span.ToArray(),
        Bw = f.BackwardFlow.ToArray(),
        Fw = f.ForwardFlow.ToArray(),
        OccBw = f.BackwardOcclusion.ToArray(),
        OccFw = f.ForwardOcclusion.ToArray(),
        Depth = f.Depth.ToArray(),
    };
}

internal static class Fixtures
{
    public static SyntheticOptions Small(double start = 0, int frames = 20, int seed = 3) => new()
    {
        Width = 160,
        Height = 96,
        Frames = frames,
        StartSeconds = start,
        Seed = seed,
    };

    public static List<FrameCopy> Generate(SyntheticOptions options)
    {
        var seq = new SyntheticSequence(options);
        var frames = new List<FrameCopy>();
        while (seq.TryRead(out var f))
        {
            using (f)
            {
                frames.Add(FrameCopy.Of(f));
            }
        }

        return frames;
    }

    /// <summary>Bilinear sample of channel <paramref name="c"/> of an interleaved image at (x, y), clamped at the border.</summary>
    public static float Bilinear(byte[] img, int width, int height, int channels, int c, float x, float y)
    {
        x = Math.Clamp(x, 0, width - 1);
        y = Math.Clamp(y, 0, height - 1);
        int x0 = Math.Min((int)x, width - 2), y0 = Math.Min((int)y, height - 2);
        float fx = x - x0, fy = y - y0;
        float a = img[(((y0 * width) + x0) * channels) + c], b = img[(((y0 * width) + x0 + 1) * channels) + c];
        float d = img[((((y0 + 1) * width) + x0) * channels) + c], e = img[((((y0 + 1) * width) + x0 + 1) * channels) + c];
        return (a * (1 - fx) * (1 - fy)) + (b * fx * (1 - fy)) + (d * (1 - fx) * fy) + (e * fx * fy);
    }

    public static float BilinearFlow(float[] flow, int width, int height, int c, float x, float y)
    {
        x = Math.Clamp(x, 0, width - 1);
        y = Math.Clamp(y, 0, height - 1);
        int x0 = Math.Min((int)x, width - 2), y0 = Math.Min((int)y, height - 2);
        float fx = x - x0, fy = y - y0;
        float a = flow[(((y0 * width) + x0) * 2) + c], b = flow[(((y0 * width) + x0 + 1) * 2) + c];
        float d = flow[((((y0 + 1) * width) + x0) * 2) + c], e = flow[((((y0 + 1) * width) + x0 + 1) * 2) + c];
        return (a * (1 - fx) * (1 - fy)) + (b * fx * (1 - fy)) + (d * (1 - fx) * fy) + (e * fx * fy);
    }

    /// <summary>Dataset-wide mean IoU over the classes present in GT or prediction (Cityscapes train ids 0..18).</summary>
    public static (double Miou, double[] Iou) Miou(IEnumerable<(ushort[] Gt, ushort[] Pred)> pairs)
    {
        var cm = new long[19, 19];
        foreach (var (gt, pred) in pairs)
        {
            for (int i = 0; i < gt.Length; i++)
            {
                if (gt[i] < 19 && pred[i] < 19)
                {
                    cm[gt[i], pred[i]]++;
                }
            }
        }

        var iou = new double[19];
        double sum = 0;
        int n = 0;
        for (int c = 0; c < 19; c++)
        {
            long tp = cm[c, c], fn = 0, fp = 0;
            for (int k = 0; k < 19; k++)
            {
                if (k != c)
                {
                    fn += cm[c, k];
                    fp += cm[k, c];
                }
            }

            iou[c] = tp + fp + fn == 0 ? double.NaN : (double)tp / (tp + fp + fn);
            if (!double.IsNaN(iou[c]))
            {
                sum += iou[c];
                n++;
            }
        }

        return (sum / n, iou);
    }
}
