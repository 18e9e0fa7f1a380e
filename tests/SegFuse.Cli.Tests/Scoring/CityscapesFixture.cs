using OpenCvSharp;

namespace SegFuse.Cli.Tests.Scoring;

/// <summary>
/// Builds small Cityscapes-layout data sets in a folder: gtFine label ids, instance ids and predictions
/// as real PNGs, from random rectangles, and keeps the arrays for the reference evaluator.
/// </summary>
internal sealed class CityscapesFixture
{
    public List<(int[,] Gt, int[,] Pred, int[,] Inst)> Frames { get; } = [];

    /// <param name="dir">Root folder; gt/ and pred/ are made below it.</param>
    /// <param name="seed">Random seed.</param>
    /// <param name="frames">Number of frames, split over two cities.</param>
    /// <param name="gtIds">Ids drawn into the ground truth.</param>
    /// <param name="predOnlyIds">Ids that appear only in predictions.</param>
    /// <param name="sizes">Image sizes, used in turn (mixed sizes).</param>
    public static CityscapesFixture Create(string dir, int seed, int frames, int[] gtIds, int[] predOnlyIds, (int W, int H)[] sizes)
    {
        var fx = new CityscapesFixture();
        var rng = new Random(seed);
        for (int f = 0; f < frames; f++)
        {
            string city = f % 2 == 0 ? "aachen" : "bochum";
            string key = $"{city}_{f / 2:D6}_{(f * 19) % 1000:D6}";
            var (w, h) = sizes[f % sizes.Length];
            var gt = new int[h, w];
            var inst = new int[h, w];
            // Every id of gtIds in the first frame at least once, then random rectangles.
            int rects = 30 + rng.Next(20);
            var instanceCounter = new Dictionary<int, int>();
            for (int r = 0; r < rects; r++)
            {
                int id = r < gtIds.Length && f == 0 ? gtIds[r] : gtIds[rng.Next(gtIds.Length)];
                int x0 = rng.Next(w), y0 = rng.Next(h), rw = 1 + rng.Next(w / 3), rh = 1 + rng.Next(h / 3);
                bool isInstance = id >= 24 && rng.NextDouble() < 0.8;
                instanceCounter.TryGetValue(id, out int k);
                instanceCounter[id] = k + 1;
                int instValue = isInstance ? (id * 1000) + k : id;
                for (int y = y0; y < Math.Min(h, y0 + rh); y++)
                {
                    for (int x = x0; x < Math.Min(w, x0 + rw); x++)
                    {
                        gt[y, x] = id;
                        inst[y, x] = instValue;
                    }
                }
            }

            // Prediction: the ground truth with wrong rectangles (other ids, ignored ids, pred-only ids) and noise.
            var pred = (int[,])gt.Clone();
            int[] wrongPool = [.. gtIds, .. predOnlyIds, 0, 4, 5];
            for (int r = 0; r < 12; r++)
            {
                int id = wrongPool[rng.Next(wrongPool.Length)];
                int x0 = rng.Next(w), y0 = rng.Next(h), rw = 1 + rng.Next(w / 4), rh = 1 + rng.Next(h / 4);
                for (int y = y0; y < Math.Min(h, y0 + rh); y++)
                {
                    for (int x = x0; x < Math.Min(w, x0 + rw); x++)
                    {
                        pred[y, x] = id;
                    }
                }
            }

            for (int i = 0; i < w * h / 20; i++)
            {
                pred[rng.Next(h), rng.Next(w)] = wrongPool[rng.Next(wrongPool.Length)];
            }

            string gtDir = Path.Combine(dir, "gt", city);
            string predDir = Path.Combine(dir, "pred", city);
            Directory.CreateDirectory(gtDir);
            Directory.CreateDirectory(predDir);
            Save(Path.Combine(gtDir, key + "_gtFine_labelIds.png"), gt, MatType.CV_8UC1);
            Save(Path.Combine(gtDir, key + "_gtFine_instanceIds.png"), inst, MatType.CV_16UC1);
            Save(Path.Combine(predDir, key + "_leftImg8bit_pred.png"), pred, MatType.CV_8UC1);
            fx.Frames.Add((gt, pred, inst));
        }

        return fx;
    }

    public static void Save(string path, int[,] values, MatType type)
    {
        int h = values.GetLength(0), w = values.GetLength(1);
        using var mat = new Mat(h, w, type);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                if (type == MatType.CV_8UC1)
                {
                    mat.Set(y, x, (byte)values[y, x]);
                }
                else
                {
                    mat.Set(y, x, (ushort)values[y, x]);
                }
            }
        }

        Assert.True(Cv2.ImWrite(path, mat));
    }
}
