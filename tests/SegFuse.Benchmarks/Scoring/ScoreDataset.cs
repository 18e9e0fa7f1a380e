using OpenCvSharp;

namespace SegFuse.Benchmarks.Scoring;

/// <summary>
/// Writes a Cityscapes-layout data set of driving-like label maps for the scoring benchmarks: label ids,
/// instance ids (16-bit) and predictions with blob errors and jittered borders, in mixed sizes
/// (2048×1024 like Cityscapes, 1280×720 like the SegFuse videos). Deterministic per seed.
/// </summary>
internal static class ScoreDataset
{
    public static readonly (int W, int H)[] MixedSizes = [(2048, 1024), (1280, 720)];

    public static long Write(string dir, int frames, (int W, int H)[]? sizes = null, int seed = 1)
    {
        long pixels = 0;
        var rng = new Random(seed);
        var cities = new[] { "aachen", "bremen", "cologne" };
        for (int f = 0; f < frames; f++)
        {
            sizes ??= MixedSizes;
            var (w, h) = sizes[f % sizes.Length];
            string city = cities[f % cities.Length];
            string key = $"{city}_{f:D6}_000019";
            Directory.CreateDirectory(Path.Combine(dir, "gt", city));
            Directory.CreateDirectory(Path.Combine(dir, "pred", city));
            using var gt = new Mat(h, w, MatType.CV_8UC1, Scalar.All(23)); // sky
            using var inst = new Mat(h, w, MatType.CV_16UC1, Scalar.All(23));
            DrawScene(gt, inst, rng);
            using var pred = gt.Clone();
            Perturb(pred, rng);
            Cv2.ImWrite(Path.Combine(dir, "gt", city, key + "_gtFine_labelIds.png"), gt);
            Cv2.ImWrite(Path.Combine(dir, "gt", city, key + "_gtFine_instanceIds.png"), inst);
            Cv2.ImWrite(Path.Combine(dir, "pred", city, key + "_leftImg8bit.png"), pred);
            pixels += (long)w * h;
        }

        return pixels;
    }

    private static void Fill(Mat gt, Mat inst, Point[] poly, int label, int instance)
    {
        gt.FillPoly([poly], Scalar.All(label));
        inst.FillPoly([poly], Scalar.All(instance));
    }

    private static void DrawScene(Mat gt, Mat inst, Random rng)
    {
        int w = gt.Width, h = gt.Height;
        int horizon = (int)(h * (0.38 + (rng.NextDouble() * 0.08)));
        // Buildings with a ragged skyline, vegetation in front of some.
        for (int x = 0; x < w;)
        {
            int bw = 40 + rng.Next(w / 6);
            int top = (int)(horizon * (0.15 + (rng.NextDouble() * 0.7)));
            int label = rng.NextDouble() < 0.75 ? 11 : 21;
            Fill(gt, inst, [new(x, top), new(x + bw, top), new(x + bw, horizon + 20), new(x, horizon + 20)], label, label);
            x += bw;
        }

        // Road trapezoid, sidewalks, a little terrain, ego-vehicle hood at the bottom.
        int vx = (w / 2) + rng.Next(-w / 10, w / 10);
        Fill(gt, inst, [new(0, h), new(vx - 30, horizon), new(vx + 30, horizon), new(w, h)], 7, 7);
        Fill(gt, inst, [new(0, (int)(h * 0.75)), new(vx - 40, horizon + 5), new(vx - 30, horizon), new(0, (int)(h * 0.95))], 8, 8);
        Fill(gt, inst, [new(w, (int)(h * 0.75)), new(vx + 40, horizon + 5), new(vx + 30, horizon), new(w, (int)(h * 0.95))], 8, 8);
        Fill(gt, inst, [new(0, h - (h / 12)), new(w, h - (h / 12)), new(w, h), new(0, h)], 1, 1);
        // Poles and signs.
        for (int i = 0; i < 6; i++)
        {
            int px = rng.Next(w);
            int ptop = horizon - rng.Next(horizon / 2);
            int pw = 3 + rng.Next(8);
            Fill(gt, inst, [new(px, ptop), new(px + pw, ptop), new(px + pw, horizon + 60), new(px, horizon + 60)], 17, 17);
            if (rng.NextDouble() < 0.6)
            {
                Fill(gt, inst, [new(px - 15, ptop), new(px + pw + 15, ptop), new(px + pw + 15, ptop + 30), new(px - 15, ptop + 30)], rng.NextDouble() < 0.5 ? 20 : 19, 20);
            }
        }

        // Cars and people as instances.
        int next = 0;
        for (int i = 0; i < 8; i++)
        {
            bool car = rng.NextDouble() < 0.7;
            int label = car ? 26 : 24;
            double depth = 0.2 + (rng.NextDouble() * 0.8);
            int ow = (int)((car ? 260 : 60) * depth * w / 2048);
            int oh = (int)((car ? 170 : 180) * depth * h / 1024);
            int ox = rng.Next(Math.Max(1, w - ow));
            int oy = horizon + (int)(depth * (h - horizon) * 0.6);
            Fill(gt, inst, [new(ox, oy - oh), new(ox + ow, oy - oh), new(ox + ow, oy), new(ox, oy)], label, (label * 1000) + next++);
        }
    }

    private static void Perturb(Mat pred, Random rng)
    {
        int w = pred.Width, h = pred.Height;
        int[] confusions = [7, 8, 11, 21, 22, 26, 27, 0];
        for (int i = 0; i < 10; i++)
        {
            var center = new Point(rng.Next(w), rng.Next(h));
            var axes = new Size(10 + rng.Next(w / 12), 10 + rng.Next(h / 12));
            pred.Ellipse(center, axes, rng.Next(180), 0, 360, Scalar.All(confusions[rng.Next(confusions.Length)]), -1);
        }

        // Border jitter: shift the whole map by a pixel or two.
        using var shifted = new Mat();
        using var m = new Mat(2, 3, MatType.CV_64FC1);
        m.Set(0, 0, 1.0);
        m.Set(0, 1, 0.0);
        m.Set(0, 2, (double)rng.Next(-2, 3));
        m.Set(1, 0, 0.0);
        m.Set(1, 1, 1.0);
        m.Set(1, 2, (double)rng.Next(-2, 3));
        Cv2.WarpAffine(pred, shifted, m, pred.Size(), InterpolationFlags.Nearest, BorderTypes.Replicate);
        shifted.CopyTo(pred);
    }
}
