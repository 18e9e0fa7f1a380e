using SegFuse.Labels;
using SegFuse.Synthetic.Scene;
using SegFuse.Synthetic.Util;

namespace SegFuse.Synthetic.Predictions;

/// <summary>
/// Imitates the output of a per-frame segmentation network from the ground truth. Every error is of a
/// kind such networks make and that temporal fusion can (partly) repair:
/// <list type="bullet">
/// <item>border jitter: each frame samples the labels through a new smooth random displacement field;</item>
/// <item>class confusions in ragged blobs (sidewalk↔road, building↔wall/fence, vegetation↔terrain,
/// car↔truck, person↔rider, ...); half of them flicker for 1–2 frames, the others persist 3–10 frames and
/// drift with the scene plus a random drift;</item>
/// <item>thin structures (poles, signs, traffic lights) vanish for 1–4 frames, more often when small;</item>
/// <item>a few whole-frame failures (a shifted frame, a large area confused, a collapsed layout).</item>
/// </list>
/// The model keeps state from frame to frame (live blobs, dropped objects), so frames must be given in order.
/// </summary>
internal sealed class PredictionModel
{
    private static readonly (byte To, float Weight)[][] Confusions = BuildConfusions();
    private readonly int _seed;
    private readonly int _width;
    private readonly int _height;
    private readonly float _scale;
    private readonly ValueNoise _noise;
    private readonly List<Blob> _blobs = [];
    private readonly Dictionary<int, int> _droppedUntil = [];
    private readonly Dictionary<int, int> _thinPixels = [];
    private readonly ushort[] _jittered;
    private readonly int[] _jitteredInstance;
    private readonly float[] _gridX;
    private readonly float[] _gridY;
    private readonly int _gridW;
    private readonly int _gridH;
    private readonly float _gridStep;
    private int _failureLeft;
    private FailureKind _failure;
    private Rng _failureRng = new(0);

    public PredictionModel(int seed, int width, int height)
    {
        _seed = seed;
        _width = width;
        _height = height;
        _scale = height / 720f;
        _noise = new ValueNoise(Hash.Combine((ulong)(uint)seed, 0xB10B));
        _jittered = new ushort[width * height];
        _jitteredInstance = new int[width * height];
        _gridStep = MathF.Max(6f, height / 14f);
        _gridW = (int)MathF.Ceiling(width / _gridStep) + 2;
        _gridH = (int)MathF.Ceiling(height / _gridStep) + 2;
        _gridX = new float[_gridW * _gridH];
        _gridY = new float[_gridW * _gridH];
    }

    private enum FailureKind
    {
        None,
        Shift,
        Confusion,
        Collapse,
    }

    /// <summary>Errors per frame: how many new blobs on average.</summary>
    public double BlobRate { get; init; } = 2.2;

    /// <summary>Probability that a frame starts a whole-frame failure.</summary>
    public double FailureRate { get; init; } = 0.015;

    /// <summary>Standard deviation of the border jitter at 720 rows, pixels.</summary>
    public float JitterPx { get; init; } = 1.5f;

    /// <summary>
    /// Writes the prediction for frame <paramref name="frame"/> into <paramref name="output"/>. <paramref name="forwardFlow"/>
    /// (may be empty) moves the live blobs with the scene.
    /// </summary>
    public void Predict(int frame, LabelMap gt, ReadOnlySpan<int> instance, ReadOnlySpan<float> forwardFlow, LabelMap output)
    {
        var rng = new Rng(Hash.Combine((ulong)(uint)_seed, Hash.Combine(0x9E3779B97F4A7C15UL, (ulong)frame)));
        Jitter(rng, gt, instance);
        DropThin(rng, frame);
        var pred = output.Span;
        _jittered.AsSpan().CopyTo(pred);

        StartFailure(rng);
        if (_failureLeft > 0)
        {
            ApplyFailure(gt, pred);
            _failureLeft--;
        }

        SpawnBlobs(rng);
        foreach (var blob in _blobs)
        {
            ApplyBlob(blob, pred);
        }

        AdvanceBlobs(rng, forwardFlow);
    }

    private void Jitter(Rng rng, LabelMap gt, ReadOnlySpan<int> instance)
    {
        float sigma = MathF.Max(0.6f, JitterPx * _scale);
        for (int i = 0; i < _gridX.Length; i++)
        {
            _gridX[i] = (float)rng.Normal() * sigma;
            _gridY[i] = (float)rng.Normal() * sigma;
        }

        var src = gt.Span;
        var dst = _jittered.AsSpan();
        var dstInstance = _jitteredInstance.AsSpan();
        for (int y = 0; y < _height; y++)
        {
            float gy = y / _gridStep;
            int iy = (int)gy;
            float fy = gy - iy;
            for (int x = 0; x < _width; x++)
            {
                float gx = x / _gridStep;
                int ix = (int)gx;
                float fx = gx - ix;
                int g = (iy * _gridW) + ix;
                float dx = Bilinear(_gridX, g, _gridW, fx, fy);
                float dy = Bilinear(_gridY, g, _gridW, fx, fy);
                int sx = Math.Clamp((int)MathF.Round(x + dx), 0, _width - 1);
                int sy = Math.Clamp((int)MathF.Round(y + dy), 0, _height - 1);
                int s = (sy * _width) + sx;
                dst[(y * _width) + x] = src[s];
                dstInstance[(y * _width) + x] = instance[s];
            }
        }
    }

    private static float Bilinear(float[] grid, int g, int stride, float fx, float fy)
    {
        float top = grid[g] + ((grid[g + 1] - grid[g]) * fx);
        float bottom = grid[g + stride] + ((grid[g + stride + 1] - grid[g + stride]) * fx);
        return top + ((bottom - top) * fy);
    }

    /// <summary>Thin objects vanish for a few frames: their pixels take the label of what is beside them.</summary>
    private void DropThin(Rng rng, int frame)
    {
        _thinPixels.Clear();
        for (int i = 0; i < _jittered.Length; i++)
        {
            if (IsThin(_jittered[i]) && _jitteredInstance[i] > 0)
            {
                _thinPixels[_jitteredInstance[i]] = _thinPixels.GetValueOrDefault(_jitteredInstance[i]) + 1;
            }
        }

        float area = _scale * _scale;
        foreach (var inst in _thinPixels.Keys.Order())
        {
            if (_droppedUntil.TryGetValue(inst, out int until) && until >= frame)
            {
                continue;
            }

            // Small (far) objects are missed far more often.
            float pixels = _thinPixels[inst] / area;
            double p = 0.07 + (0.3 * Math.Exp(-pixels / 60.0));
            if (rng.Chance(p))
            {
                int length = 1 + (rng.Chance(0.5) ? 0 : rng.IntIncl(1, 3));
                _droppedUntil[inst] = frame + length - 1;
            }
        }

        for (int y = 0; y < _height; y++)
        {
            var row = _jittered.AsSpan(y * _width, _width);
            var inst = _jitteredInstance.AsSpan(y * _width, _width);
            ushort last = ushort.MaxValue;
            int pendingFrom = -1;
            for (int x = 0; x < _width; x++)
            {
                bool dropped = IsThin(row[x]) && _droppedUntil.TryGetValue(inst[x], out int until) && until >= frame;
                if (!dropped)
                {
                    if (pendingFrom >= 0)
                    {
                        // Fill the run with the left neighbour, or with this one at the left image border.
                        row[pendingFrom..x].Fill(last == ushort.MaxValue ? row[x] : last);
                        pendingFrom = -1;
                    }

                    if (!IsThin(row[x]))
                    {
                        last = row[x];
                    }
                }
                else if (pendingFrom < 0)
                {
                    pendingFrom = x;
                }
            }

            if (pendingFrom >= 0 && last != ushort.MaxValue)
            {
                row[pendingFrom..].Fill(last);
            }
        }

        // Forget objects whose drop has ended.
        foreach (var key in _droppedUntil.Where(kv => kv.Value < frame).Select(kv => kv.Key).ToList())
        {
            _droppedUntil.Remove(key);
        }
    }

    private static bool IsThin(ushort label) => label is TrainIds.Pole or TrainIds.TrafficLight or TrainIds.TrafficSign;

    private void StartFailure(Rng rng)
    {
        if (_failureLeft > 0 || !rng.Chance(FailureRate))
        {
            return;
        }

        _failure = rng.Int(3) switch { 0 => FailureKind.Shift, 1 => FailureKind.Confusion, _ => FailureKind.Collapse };
        _failureLeft = rng.Chance(0.7) ? 1 : 2;
        _failureRng = rng.Fork(0xFA11);
    }

    private void ApplyFailure(LabelMap gt, Span<ushort> pred)
    {
        var rng = _failureRng;
        switch (_failure)
        {
            case FailureKind.Shift:
            {
                // The network's output is misaligned with the image.
                int dx = (int)(rng.Range(0.03, 0.08) * _width * (rng.Chance(0.5) ? 1 : -1));
                int dy = (int)(rng.Range(0.0, 0.05) * _height * (rng.Chance(0.5) ? 1 : -1));
                var src = gt.Span;
                for (int y = 0; y < _height; y++)
                {
                    int sy = Math.Clamp(y - dy, 0, _height - 1);
                    for (int x = 0; x < _width; x++)
                    {
                        pred[(y * _width) + x] = src[(sy * _width) + Math.Clamp(x - dx, 0, _width - 1)];
                    }
                }

                break;
            }

            case FailureKind.Confusion:
            {
                // Most of the frame confused: every class takes its most likely confusion inside a few huge blobs.
                int n = rng.IntIncl(2, 4);
                for (int k = 0; k < n; k++)
                {
                    float cx = (float)rng.Range(0, _width), cy = (float)rng.Range(0, _height);
                    float r = (float)rng.Range(0.35, 0.6) * _height;
                    uint salt = (uint)rng.NextU64();
                    for (int y = Math.Max(0, (int)(cy - (1.4f * r))); y < Math.Min(_height, (int)(cy + (1.4f * r))); y++)
                    {
                        for (int x = Math.Max(0, (int)(cx - (1.4f * r))); x < Math.Min(_width, (int)(cx + (1.4f * r))); x++)
                        {
                            float d = ((x - cx) * (x - cx)) + ((y - cy) * (y - cy));
                            float edge = 1f + (0.4f * _noise.Sample((x / r * 3f) + (salt % 97), y / r * 3f));
                            if (d < r * r * edge * edge)
                            {
                                ushort v = pred[(y * _width) + x];
                                if (v < Confusions.Length && Confusions[v].Length > 0)
                                {
                                    pred[(y * _width) + x] = Confusions[v][0].To;
                                }
                            }
                        }
                    }
                }

                break;
            }

            default:
            {
                // Collapse: the network sees only a crude layout — road below a wavy line, buildings above, sky on top.
                float horizon = (float)rng.Range(0.45, 0.6) * _height;
                float top = (float)rng.Range(0.12, 0.3) * _height;
                uint salt = (uint)rng.NextU64();
                for (int x = 0; x < _width; x++)
                {
                    float wave = 0.06f * _height * _noise.Sample((x / (float)_width * 4f) + (salt % 113), 0.5f);
                    for (int y = 0; y < _height; y++)
                    {
                        int i = (y * _width) + x;
                        pred[i] = y > horizon + wave ? TrainIds.Road : y > top + wave ? (pred[i] == TrainIds.Sky ? TrainIds.Building : pred[i] is TrainIds.Vegetation or TrainIds.Building ? pred[i] : TrainIds.Building) : TrainIds.Sky;
                    }
                }

                break;
            }
        }
    }

    private void SpawnBlobs(Rng rng)
    {
        // Poisson number of new blobs.
        int count = 0;
        double l = Math.Exp(-BlobRate), p = rng.NextDouble();
        while (p > l && count < 20)
        {
            count++;
            p *= rng.NextDouble();
        }

        for (int k = 0; k < count; k++)
        {
            // A random pixel decides where the blob lands and what it confuses; small classes get a second chance.
            int tries = 0;
            int x = 0, y = 0;
            ushort from = 0;
            while (tries++ < 6)
            {
                x = rng.Int(_width);
                y = rng.Int(_height);
                from = _jittered[(y * _width) + x];
                if (from < Confusions.Length && Confusions[from].Length > 0 && (IsSmallClass(from) || rng.Chance(0.55)))
                {
                    break;
                }
            }

            if (from >= Confusions.Length || Confusions[from].Length == 0)
            {
                continue;
            }

            var options = Confusions[from];
            float pick = (float)rng.NextDouble() * options.Sum(o => o.Weight);
            byte to = options[^1].To;
            foreach (var (target, weight) in options)
            {
                pick -= weight;
                if (pick <= 0)
                {
                    to = target;
                    break;
                }
            }

            float radius = (float)(IsSmallClass(from) ? rng.Range(0.03, 0.09) : rng.Range(0.04, 0.16)) * _height;
            int life = rng.Chance(0.5) ? rng.IntIncl(1, 2) : rng.IntIncl(3, 10);
            float drift = 1.2f * _scale;
            _blobs.Add(new Blob
            {
                X = x,
                Y = y,
                Rx = radius * (float)rng.Range(0.7, 1.5),
                Ry = radius * (float)rng.Range(0.6, 1.2),
                From = from,
                To = to,
                Life = life,
                Vx = (float)rng.Range(-drift, drift),
                Vy = (float)rng.Range(-drift, drift) * 0.5f,
                Salt = (uint)rng.NextU64(),
                Fill = (float)rng.Range(0.75, 1.0),
            });
        }
    }

    private static bool IsSmallClass(ushort label) => label is TrainIds.Person or TrainIds.Rider or TrainIds.Car or TrainIds.Truck or TrainIds.Bus
        or TrainIds.Motorcycle or TrainIds.Bicycle or TrainIds.Wall or TrainIds.Fence or TrainIds.TrafficSign or TrainIds.TrafficLight or TrainIds.Terrain;

    private void ApplyBlob(Blob b, Span<ushort> pred)
    {
        int x0 = Math.Max(0, (int)(b.X - (1.5f * b.Rx))), x1 = Math.Min(_width - 1, (int)(b.X + (1.5f * b.Rx)));
        int y0 = Math.Max(0, (int)(b.Y - (1.5f * b.Ry))), y1 = Math.Min(_height - 1, (int)(b.Y + (1.5f * b.Ry)));
        float ox = b.Salt % 211, oy = (b.Salt >> 8) % 199;
        for (int y = y0; y <= y1; y++)
        {
            float ny = (y - b.Y) / b.Ry;
            for (int x = x0; x <= x1; x++)
            {
                int i = (y * _width) + x;
                if (pred[i] != b.From)
                {
                    continue;
                }

                float nx = (x - b.X) / b.Rx;
                float r = (nx * nx) + (ny * ny);

                // A ragged edge and a few holes, fixed to the blob so it keeps its shape while it lives.
                float n = _noise.Sample((nx * 2.2f) + ox, (ny * 2.2f) + oy);
                if (r < b.Fill * (0.75f + (0.45f * n)))
                {
                    pred[i] = b.To;
                }
            }
        }
    }

    private void AdvanceBlobs(Rng rng, ReadOnlySpan<float> forwardFlow)
    {
        for (int k = _blobs.Count - 1; k >= 0; k--)
        {
            var b = _blobs[k];
            b.Life--;
            if (b.Life <= 0)
            {
                _blobs.RemoveAt(k);
                continue;
            }

            int cx = Math.Clamp((int)b.X, 0, _width - 1), cy = Math.Clamp((int)b.Y, 0, _height - 1);
            if (forwardFlow.Length > 0)
            {
                int i = ((cy * _width) + cx) * 2;
                float fu = forwardFlow[i], fv = forwardFlow[i + 1];
                if (MathF.Abs(fu) < _width && MathF.Abs(fv) < _height)
                {
                    b.X += fu;
                    b.Y += fv;
                }
            }

            b.X += b.Vx;
            b.Y += b.Vy;
            b.Rx *= (float)rng.Range(0.95, 1.08);
            b.Ry *= (float)rng.Range(0.95, 1.08);
            if (b.X < -b.Rx || b.X > _width + b.Rx || b.Y < -b.Ry || b.Y > _height + b.Ry)
            {
                _blobs.RemoveAt(k);
            }
        }
    }

    private static (byte To, float Weight)[][] BuildConfusions()
    {
        var table = new (byte, float)[TrainIds.Count][];
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = [];
        }

        table[TrainIds.Road] = [(TrainIds.Sidewalk, 1f)];
        table[TrainIds.Sidewalk] = [(TrainIds.Road, 0.6f), (TrainIds.Terrain, 0.4f)];
        table[TrainIds.Building] = [(TrainIds.Wall, 0.55f), (TrainIds.Fence, 0.25f), (TrainIds.Vegetation, 0.2f)];
        table[TrainIds.Wall] = [(TrainIds.Building, 0.7f), (TrainIds.Fence, 0.3f)];
        table[TrainIds.Fence] = [(TrainIds.Wall, 0.5f), (TrainIds.Building, 0.3f), (TrainIds.Vegetation, 0.2f)];
        table[TrainIds.Pole] = [(TrainIds.Building, 0.6f), (TrainIds.Vegetation, 0.4f)];
        table[TrainIds.TrafficLight] = [(TrainIds.Pole, 0.5f), (TrainIds.TrafficSign, 0.5f)];
        table[TrainIds.TrafficSign] = [(TrainIds.Pole, 0.5f), (TrainIds.Building, 0.5f)];
        table[TrainIds.Vegetation] = [(TrainIds.Terrain, 0.6f), (TrainIds.Building, 0.4f)];
        table[TrainIds.Terrain] = [(TrainIds.Vegetation, 0.5f), (TrainIds.Sidewalk, 0.3f), (TrainIds.Road, 0.2f)];
        table[TrainIds.Sky] = [(TrainIds.Building, 0.5f), (TrainIds.Vegetation, 0.5f)];
        table[TrainIds.Person] = [(TrainIds.Rider, 1f)];
        table[TrainIds.Rider] = [(TrainIds.Person, 0.7f), (TrainIds.Bicycle, 0.3f)];
        table[TrainIds.Car] = [(TrainIds.Truck, 0.8f), (TrainIds.Bus, 0.2f)];
        table[TrainIds.Truck] = [(TrainIds.Car, 0.5f), (TrainIds.Bus, 0.5f)];
        table[TrainIds.Bus] = [(TrainIds.Truck, 0.6f), (TrainIds.Car, 0.4f)];
        table[TrainIds.Motorcycle] = [(TrainIds.Bicycle, 1f)];
        table[TrainIds.Bicycle] = [(TrainIds.Motorcycle, 0.5f), (TrainIds.Rider, 0.5f)];
        return table;
    }

    private sealed class Blob
    {
        public float X;
        public float Y;
        public float Rx;
        public float Ry;
        public ushort From;
        public byte To;
        public int Life;
        public float Vx;
        public float Vy;
        public uint Salt;
        public float Fill;
    }
}
