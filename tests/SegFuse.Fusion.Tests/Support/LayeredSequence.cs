using SegFuse.Labels;
using SegFuse.Timeline.Flow;

namespace SegFuse.Fusion.Tests.Support;

/// <summary>
/// A small in-memory driving-like sequence made of textured layers that translate: a wide background (sky, buildings,
/// vegetation, poles with signs, sidewalk, road) under a panning camera, and cars and people moving at their own
/// speeds in front of it (occlusions and disocclusions). Flow is exact in both directions (each pixel moves with its
/// topmost layer). Predictions imitate a per-frame network: border jitter, confusion blobs that live several frames and
/// move with the scene, thin structures that drop out, and a few whole-frame failures. Labels are Cityscapes train ids.
/// </summary>
internal sealed class LayeredSequence
{
    public const ushort Road = 0, Sidewalk = 1, Building = 2, Pole = 5, Sign = 7, Vegetation = 8, Sky = 10, Person = 11, Rider = 12, Car = 13, Truck = 14;

    private readonly int _seed;
    private readonly ushort[] _bgLabel;
    private readonly byte[] _bgTex;
    private readonly int _bgW;
    private readonly int _bgH;
    private readonly List<Mover> _movers = [];
    private readonly double[] _panX;
    private readonly double[] _panY;
    private readonly HashSet<int> _failures = [];

    public LayeredSequence(int width, int height, int frames, int seed = 1)
    {
        Width = width;
        Height = height;
        Frames = frames;
        _seed = seed;
        var rng = new Random(seed);
        double s = width / 256.0;

        // Camera: pan speed changes smoothly (stands, pans right, pans faster), with a small vertical bob.
        _panX = new double[frames + 1];
        _panY = new double[frames + 1];
        double px = 0;
        for (int t = 0; t <= frames; t++)
        {
            double speed = s * (1.5 + (1.5 * Math.Sin(t / 9.0)));
            _panX[t] = px;
            _panY[t] = 2 * s * (1 + Math.Sin(t / 5.0));
            px += speed;
        }

        _bgW = width + (int)Math.Ceiling(px) + 8;
        _bgH = height + (int)Math.Ceiling(4 * s) + 8;
        _bgLabel = new ushort[_bgW * _bgH];
        _bgTex = new byte[_bgW * _bgH];
        BuildBackground(rng, s);

        // Movers: cars on the road and people on the sidewalk, some with, some against the pan.
        int nCars = Math.Max(2, width / 90);
        for (int k = 0; k < nCars; k++)
        {
            double w = s * rng.Next(40, 70), h = s * rng.Next(18, 28);
            double y = (height * 0.78) - (h * 0.5) + (rng.NextDouble() * height * 0.08);
            double x = rng.NextDouble() * width;
            double v = s * (rng.NextDouble() < 0.5 ? -1 : 1) * (1.5 + (rng.NextDouble() * 3));
            _movers.Add(new Mover(k % 3 == 2 ? Truck : Car, x, y, w, h, v, 0.1 * s * (rng.NextDouble() - 0.5), Texture(rng, (int)w + 2, (int)h + 2)));
        }

        int nPeople = Math.Max(2, width / 70);
        for (int k = 0; k < nPeople; k++)
        {
            double w = s * rng.Next(6, 10), h = s * rng.Next(20, 30);
            double y = (height * 0.62) - h + (rng.NextDouble() * height * 0.05);
            double x = rng.NextDouble() * width;
            double v = s * (rng.NextDouble() - 0.5) * 2.5;
            _movers.Add(new Mover(Person, x, y, w, h, v, 0, Texture(rng, (int)w + 2, (int)h + 2)));
        }

        // About one frame in 25 is a whole-frame failure.
        var failRng = new Random(seed + 1000);
        for (int t = 3; t < frames; t += 25)
        {
            _failures.Add(t + failRng.Next(0, 20));
        }
    }

    public int Width { get; }

    public int Height { get; }

    public int Frames { get; }

    public IReadOnlySet<int> FailedFrames => _failures;

    /// <summary>Classes whose pixels move in the image on their own (the movers).</summary>
    public static IReadOnlyList<ushort> MovingClasses { get; } = [Car, Truck, Person];

    /// <summary>Renders frame <paramref name="t"/>: grey image, ground truth, exact backward and forward flow.</summary>
    public Frame Render(int t)
    {
        int w = Width, h = Height;
        var grey = new byte[w * h];
        var gt = new LabelMap(w, h);
        var layer = new int[w * h];
        var back = new FlowField(w, h);
        var fwd = new FlowField(w, h);
        double ox = _panX[t], oy = _panY[t];
        double oxPrev = t > 0 ? _panX[t - 1] : ox, oyPrev = t > 0 ? _panY[t - 1] : oy;
        double oxNext = _panX[t + 1], oyNext = _panY[t + 1];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double bx = Math.Min(x + ox, _bgW - 1.001), by = Math.Min(y + oy, _bgH - 1.001);
                int i = (y * w) + x;
                gt.Span[i] = _bgLabel[((int)(by + 0.5) * _bgW) + (int)(bx + 0.5)];
                grey[i] = (byte)Bilinear(_bgTex, _bgW, bx, by);
                layer[i] = -1;
                back[x, y] = ((float)(ox - oxPrev), (float)(oy - oyPrev));
                fwd[x, y] = ((float)(ox - oxNext), (float)(oy - oyNext));
            }
        }

        for (int k = 0; k < _movers.Count; k++)
        {
            var m = _movers[k];
            var (mx, my) = m.At(t, w);
            var (mxPrev, myPrev) = m.At(t - 1, w);
            var (mxNext, myNext) = m.At(t + 1, w);
            int x0 = Math.Max(0, (int)Math.Ceiling(mx)), x1 = Math.Min(w - 1, (int)Math.Floor(mx + m.W - 1e-6));
            int y0 = Math.Max(0, (int)Math.Ceiling(my)), y1 = Math.Min(h - 1, (int)Math.Floor(my + m.H - 1e-6));
            for (int y = y0; y <= y1; y++)
            {
                for (int x = x0; x <= x1; x++)
                {
                    int i = (y * w) + x;
                    gt.Span[i] = m.Label;
                    grey[i] = (byte)Bilinear(m.Tex, m.TexW, x - mx, y - my);
                    layer[i] = k;
                    back[x, y] = ((float)(mxPrev - mx), (float)(myPrev - my));
                    fwd[x, y] = ((float)(mxNext - mx), (float)(myNext - my));
                }
            }
        }

        // Sensor noise.
        var noise = new Random(HashCode.Combine(_seed, t, 7));
        for (int i = 0; i < grey.Length; i++)
        {
            grey[i] = (byte)Math.Clamp(grey[i] + noise.Next(-2, 3), 0, 255);
        }

        return new Frame(t, grey, gt, back, fwd, layer, ox, oy);
    }

    /// <summary>
    /// A noisy per-frame prediction for frame <paramref name="frame"/> (frames must come in order through one
    /// <see cref="PredictionModel"/>, which keeps the live error blobs).
    /// </summary>
    public PredictionModel CreatePredictor() => new(this);

    private void BuildBackground(Random rng, double s)
    {
        int w = _bgW, h = _bgH;
        int skyLine = (int)(h * 0.32), roadLine = (int)(h * 0.66), walkLine = (int)(h * 0.60);
        var noise = SmoothNoise(rng, w, h, 3);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                _bgLabel[(y * w) + x] = y < skyLine ? Sky : y >= roadLine ? Road : y >= walkLine ? Sidewalk : Building;
            }
        }

        // Buildings of varying height and vegetation patches in the middle band.
        for (int x = 0; x < w;)
        {
            int bw = (int)(s * rng.Next(30, 80));
            bool tree = rng.NextDouble() < 0.35;
            int top = tree ? skyLine + (int)(s * rng.Next(-12, 10)) : skyLine - (int)(s * rng.Next(0, 22));
            for (int xx = x; xx < Math.Min(w, x + bw); xx++)
            {
                int t = tree ? top + (int)(4 * s * Math.Sin((xx - x) / (3 * s))) : top;
                for (int y = Math.Max(0, t); y < walkLine; y++)
                {
                    _bgLabel[(y * w) + xx] = tree ? Vegetation : Building;
                }

                for (int y = Math.Max(0, t); y < skyLine; y++)
                {
                    if (!tree)
                    {
                        _bgLabel[(y * w) + xx] = Building;
                    }
                }
            }

            x += bw;
        }

        // Poles with signs.
        for (int x = (int)(20 * s); x < w; x += (int)(s * rng.Next(45, 90)))
        {
            int pw = Math.Max(2, (int)(3 * s));
            int top = (int)(h * 0.2);
            for (int y = top; y < roadLine; y++)
            {
                for (int xx = x; xx < Math.Min(w, x + pw); xx++)
                {
                    _bgLabel[(y * w) + xx] = Pole;
                }
            }

            int sw = Math.Max(4, (int)(10 * s)), sh = Math.Max(4, (int)(8 * s));
            for (int y = top; y < top + sh; y++)
            {
                for (int xx = x - (sw / 2); xx < Math.Min(w, x + (sw / 2)); xx++)
                {
                    if (xx >= 0)
                    {
                        _bgLabel[(y * w) + xx] = Sign;
                    }
                }
            }
        }

        // Texture: a base grey per class plus smooth noise at two scales.
        var fine = SmoothNoise(rng, w, h, 1);
        for (int i = 0; i < w * h; i++)
        {
            double baseGrey = _bgLabel[i] switch
            {
                Sky => 190,
                Building => 110,
                Vegetation => 80,
                Pole => 150,
                Sign => 220,
                Sidewalk => 140,
                _ => 95,
            };
            double amp = _bgLabel[i] == Sky ? 8 : 35;
            _bgTex[i] = (byte)Math.Clamp(baseGrey + (amp * noise[i]) + (amp * 0.8 * fine[i]), 0, 255);
        }
    }

    private static (byte[] Tex, int W) Texture(Random rng, int w, int h)
    {
        var n = SmoothNoise(rng, w, h, 1);
        double baseGrey = rng.Next(40, 200);
        var tex = new byte[w * h];
        for (int i = 0; i < tex.Length; i++)
        {
            tex[i] = (byte)Math.Clamp(baseGrey + (45 * n[i]), 0, 255);
        }

        return (tex, w);
    }

    private static double[] SmoothNoise(Random rng, int w, int h, int radius)
    {
        var raw = new double[w * h];
        for (int i = 0; i < raw.Length; i++)
        {
            raw[i] = (rng.NextDouble() * 2) - 1;
        }

        var tmp = new double[w * h];
        var result = new double[w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double sum = 0;
                int n = 0;
                for (int k = -radius; k <= radius; k++)
                {
                    int xx = Math.Clamp(x + k, 0, w - 1);
                    sum += raw[(y * w) + xx];
                    n++;
                }

                tmp[(y * w) + x] = sum / n;
            }
        }

        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double sum = 0;
                int n = 0;
                for (int k = -radius; k <= radius; k++)
                {
                    int yy = Math.Clamp(y + k, 0, h - 1);
                    sum += tmp[(yy * w) + x];
                    n++;
                }

                result[(y * w) + x] = sum / n * Math.Sqrt((2 * radius) + 1);
            }
        }

        return result;
    }

    private static double Bilinear(byte[] img, int w, double x, double y)
    {
        int h = img.Length / w;
        x = Math.Clamp(x, 0, w - 1.0001);
        y = Math.Clamp(y, 0, h - 1.0001);
        int x0 = (int)x, y0 = (int)y;
        double fx = x - x0, fy = y - y0;
        double a = img[(y0 * w) + x0], b = img[(y0 * w) + x0 + 1], c = img[((y0 + 1) * w) + x0], d = img[((y0 + 1) * w) + x0 + 1];
        return (a * (1 - fx) * (1 - fy)) + (b * fx * (1 - fy)) + (c * (1 - fx) * fy) + (d * fx * fy);
    }

    public sealed record Frame(int Index, byte[] Grey, LabelMap GroundTruth, FlowField Backward, FlowField Forward, int[] Layer, double PanX, double PanY);

    private sealed record Mover(ushort Label, double X, double Y, double W, double H, double Vx, double Vy, (byte[] Tex, int W) Texture)
    {
        public byte[] Tex => Texture.Tex;

        public int TexW => Texture.W;

        /// <summary>Top-left corner at frame t; movers wrap around the frame width.</summary>
        public (double X, double Y) At(int t, int frameWidth)
        {
            double span = frameWidth + W + 20;
            double x = X + (Vx * t);
            x = ((((x + W + 10) % span) + span) % span) - W - 10;
            return (x, Y + (Vy * t));
        }
    }

    /// <summary>Makes noisy predictions frame after frame.</summary>
    internal sealed class PredictionModel(LayeredSequence seq)
    {
        private readonly List<Blob> _blobs = [];
        private readonly Dictionary<int, int> _dropUntil = [];
        private readonly Random _rng = new(seq._seed * 31 + 5);

        public LabelMap Predict(Frame f)
        {
            int w = seq.Width, h = seq.Height;
            double s = w / 256.0;
            var pred = new LabelMap(w, h);

            // Border jitter: sample the ground truth through a smooth random displacement (new each frame).
            double ax = 1.2 * s * ((_rng.NextDouble() * 2) - 1), ay = 1.2 * s * ((_rng.NextDouble() * 2) - 1);
            double fx = 0.05 + (_rng.NextDouble() * 0.1), fy = 0.05 + (_rng.NextDouble() * 0.1), ph = _rng.NextDouble() * 6;
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int sx = Math.Clamp((int)Math.Round(x + (ax * Math.Sin((y * fy) + ph))), 0, w - 1);
                    int sy = Math.Clamp((int)Math.Round(y + (ay * Math.Sin((x * fx) + ph))), 0, h - 1);
                    pred[x, y] = f.GroundTruth[sx, sy];
                }
            }

            // Thin structures (poles, signs) drop out for 1-3 frames now and then: predicted as what is around them.
            foreach (int id in new[] { (int)Pole, Sign })
            {
                if (_dropUntil.TryGetValue(id, out int until) && until >= f.Index)
                {
                    Replace(pred, (ushort)id, Building);
                }
                else if (_rng.NextDouble() < 0.12)
                {
                    _dropUntil[id] = f.Index + _rng.Next(0, 3);
                    Replace(pred, (ushort)id, Building);
                }
            }

            // Confusion blobs: new ones each frame; they live 1-8 frames and move with the background.
            int births = _rng.Next(1, 4);
            for (int k = 0; k < births; k++)
            {
                double r = s * (4 + (_rng.NextDouble() * 12));
                _blobs.Add(new Blob(_rng.NextDouble() * w + f.PanX, _rng.NextDouble() * h + f.PanY, r, r * (0.5 + _rng.NextDouble()), f.Index + _rng.Next(1, 9)));
            }

            _blobs.RemoveAll(b => b.Until < f.Index);
            foreach (var b in _blobs)
            {
                double cx = b.X - f.PanX, cy = b.Y - f.PanY;
                for (int y = Math.Max(0, (int)(cy - b.Ry)); y < Math.Min(h, (int)(cy + b.Ry) + 1); y++)
                {
                    for (int x = Math.Max(0, (int)(cx - b.Rx)); x < Math.Min(w, (int)(cx + b.Rx) + 1); x++)
                    {
                        double dx = (x - cx) / b.Rx, dy = (y - cy) / b.Ry;
                        if ((dx * dx) + (dy * dy) <= 1)
                        {
                            pred[x, y] = Confuse(f.GroundTruth[x, y]);
                        }
                    }
                }
            }

            // Whole-frame failures: the prediction is shifted far, or a large area collapses to one class.
            if (seq._failures.Contains(f.Index))
            {
                var copy = pred.Clone();
                int shift = (int)(14 * s);
                for (int y = 0; y < h; y++)
                {
                    for (int x = 0; x < w; x++)
                    {
                        pred[x, y] = f.Index % 2 == 0 ? copy[Math.Clamp(x + shift, 0, w - 1), Math.Clamp(y + (shift / 2), 0, h - 1)] : y > h / 3 ? Road : copy[x, y];
                    }
                }
            }

            return pred;
        }

        private static void Replace(LabelMap map, ushort from, ushort to)
        {
            var span = map.Span;
            for (int i = 0; i < span.Length; i++)
            {
                if (span[i] == from)
                {
                    span[i] = to;
                }
            }
        }

        private static ushort Confuse(ushort id) => id switch
        {
            Road => Sidewalk,
            Sidewalk => Road,
            Building => Vegetation,
            Vegetation => Building,
            Car => Truck,
            Truck => Car,
            Person => Rider,
            Sky => Building,
            _ => Building,
        };

        private sealed record Blob(double X, double Y, double Rx, double Ry, int Until);
    }
}
