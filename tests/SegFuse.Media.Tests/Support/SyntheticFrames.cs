using OpenCvSharp;

namespace SegFuse.Media.Tests.Support;

/// <summary>Smooth synthetic BGR frames (gradients and a moving block) that H.264 reproduces closely.</summary>
internal static class SyntheticFrames
{
    public static void Draw(Mat bgr, int index)
    {
        var rows = bgr.AsRows<Vec3b>();
        int w = bgr.Width, h = bgr.Height;
        int bx = (index * 3) % Math.Max(1, w - (w / 4)), by = h / 3, bw = w / 4, bh = h / 3;
        for (int y = 0; y < h; y++)
        {
            var row = rows[y];
            for (int x = 0; x < w; x++)
            {
                bool block = x >= bx && x < bx + bw && y >= by && y < by + bh;
                row[x] = block
                    ? new Vec3b(40, 200, 220)
                    : new Vec3b((byte)(x * 255 / w), (byte)(y * 255 / h), (byte)((index * 8) % 256));
            }
        }
    }

    /// <summary>Mean absolute difference per channel value between two BGR images of one size.</summary>
    public static double MeanAbsDiff(Mat a, Mat b)
    {
        using var diff = new Mat();
        Cv2.Absdiff(a, b, diff);
        var mean = Cv2.Mean(diff);
        return (mean.Val0 + mean.Val1 + mean.Val2) / 3;
    }
}
