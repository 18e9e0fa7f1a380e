using MathNet.Numerics.LinearAlgebra;
using OpenCvSharp;
using SegFuse.Labels;

namespace SegFuse.Inference.Tiny;

/// <summary>How <see cref="TinyFitter"/> fits the tiny network.</summary>
public sealed record TinyModelOptions
{
    /// <summary>Hidden units (output channels of the 3×3 convolution).</summary>
    public int Hidden { get; init; } = 16;

    /// <summary>
    /// Whether <see cref="TinyModelJob.Run"/> evaluates the fitted weights on the train and held-out frames with the
    /// fitting code's own forward pass (full resolution, managed code: slow at 720p). A caller that scores the
    /// model's real output anyway (the demo runs <c>segment</c> and the scorer) turns it off.
    /// </summary>
    public bool Evaluate { get; init; } = true;

    /// <summary>Training pixels sampled over all training frames.</summary>
    public int Samples { get; init; } = 40_000;

    /// <summary>Gradient steps (Adam, mini-batches).</summary>
    public int Steps { get; init; } = 1500;

    /// <summary>Pixels per mini-batch.</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>Adam's initial step size; it decays on a cosine to zero over <see cref="Steps"/>.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>L2 penalty on the weights (not the biases).</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>Seed of every random choice (pixel sampling, initial weights, batch order): equal seeds give equal models.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>
/// Fits <see cref="TinyNet"/> on pixels sampled from frames with ground truth: a one-hidden-layer network
/// (29 features → hidden ReLU → class logits) trained by mini-batch Adam on softmax cross-entropy, with
/// MathNet.Numerics matrices. Deterministic for a given seed and input.
/// </summary>
/// <remarks>
/// Frames are added one at a time (<see cref="AddFrame"/>); only the sampled pixels' raw neighbourhoods are
/// kept, so memory does not grow with the frame size. Each frame gets an equal share of the samples, split
/// across the classes it shows in proportion to the square root of their pixel counts, so small classes are
/// seen often enough to be learnt without flattening the class prior entirely.
/// </remarks>
internal sealed class TinyFitter
{
    private const int RawFeatures = 27;
    private readonly TinyModelOptions _options;
    private readonly LabelSet _labels;
    private readonly int _classes;
    private readonly int _perFrame;
    private readonly Random _random;
    private readonly List<float> _raw = [];
    private readonly List<float> _positions = [];
    private readonly List<int> _targets = [];
    private readonly double[] _channelSum = new double[3];
    private readonly double[] _channelSumSq = new double[3];
    private long _channelPixels;

    /// <param name="labels">The label set of the ground truth; its evaluated classes are the outputs, ignored ids are not trained on.</param>
    /// <param name="frames">How many frames will be added (the per-frame share of samples).</param>
    /// <param name="options">Fitting settings.</param>
    public TinyFitter(LabelSet labels, int frames, TinyModelOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        _options = options;
        _labels = labels;
        _classes = labels.Evaluated.Count;
        _perFrame = Math.Max(1, options.Samples / frames);
        _random = new Random(options.Seed);
        IdOfClass = Segment.ClassMapping.IdsOfClasses(labels, _classes, labels.Name);
        ClassOf = new int[labels.MaxId + 1];
        Array.Fill(ClassOf, -1);
        for (int j = 0; j < _classes; j++)
        {
            ClassOf[IdOfClass[j]] = j;
        }
    }

    /// <summary>Label id of each output channel, in the order <c>segment</c> reads a model of this label set.</summary>
    public ushort[] IdOfClass { get; }

    /// <summary>Output channel of each label id (−1 for ignored ids).</summary>
    public int[] ClassOf { get; }

    /// <summary>Pixels sampled so far.</summary>
    public int SampleCount => _targets.Count;

    /// <summary>Samples one frame's pixels. <paramref name="bgr"/> is an 8-bit BGR frame, <paramref name="truth"/> its label map of the same size.</summary>
    public void AddFrame(Mat bgr, LabelMap truth)
    {
        if (bgr.Width != truth.Width || bgr.Height != truth.Height)
        {
            throw new ArgumentException($"frame {bgr.Width}x{bgr.Height} and ground truth {truth.Width}x{truth.Height} differ in size");
        }

        int width = bgr.Width, height = bgr.Height, plane = width * height;

        // Raw planes in R, G, B order and 0..255 units; normalisation happens once the statistics are known.
        var rgb = new float[3 * plane];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var px = bgr.At<Vec3b>(y, x);
                int i = (y * width) + x;
                rgb[i] = px.Item2;
                rgb[plane + i] = px.Item1;
                rgb[(2 * plane) + i] = px.Item0;
            }
        }

        for (int c = 0; c < 3; c++)
        {
            double s = 0, s2 = 0;
            foreach (float v in rgb.AsSpan(c * plane, plane))
            {
                s += v;
                s2 += (double)v * v;
            }

            _channelSum[c] += s;
            _channelSumSq[c] += s2;
        }

        _channelPixels += plane;

        var byClass = new List<int>[_classes];
        var labels = truth.Span;
        for (int i = 0; i < plane; i++)
        {
            int id = labels[i];
            int j = id < ClassOf.Length ? ClassOf[id] : -1;
            if (j >= 0)
            {
                (byClass[j] ??= []).Add(i);
            }
        }

        double rootSum = byClass.Where(l => l is not null).Sum(l => Math.Sqrt(l.Count));
        for (int j = 0; j < _classes; j++)
        {
            var pixels = byClass[j];
            if (pixels is null)
            {
                continue;
            }

            int take = Math.Min(pixels.Count, Math.Max(1, (int)Math.Round(_perFrame * Math.Sqrt(pixels.Count) / rootSum)));
            for (int t = 0; t < take; t++)
            {
                // Partial Fisher-Yates: the first `take` entries become a uniform sample without repetition.
                int pick = _random.Next(t, pixels.Count);
                (pixels[t], pixels[pick]) = (pixels[pick], pixels[t]);
                int i = pixels[t], x = i % width, y = i / width;
                for (int c = 0; c < 3; c++)
                {
                    for (int dy = -1; dy <= 1; dy++)
                    {
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            int yy = y + dy, xx = x + dx;
                            _raw.Add((uint)yy < (uint)height && (uint)xx < (uint)width ? rgb[(c * plane) + (yy * width) + xx] : float.NaN);
                        }
                    }
                }

                _positions.Add((y + 0.5f) / height);
                _positions.Add((x + 0.5f) / width);
                _targets.Add(j);
            }
        }
    }

    /// <summary>Fits the network on the sampled pixels.</summary>
    /// <exception cref="InvalidOperationException">No pixel with an evaluated label was added.</exception>
    public TinyNet Fit(IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        int n = _targets.Count;
        if (n == 0)
        {
            throw new InvalidOperationException("no labelled pixels to fit on");
        }

        var mean = new float[3];
        var std = new float[3];
        for (int c = 0; c < 3; c++)
        {
            double mu = _channelSum[c] / _channelPixels;
            mean[c] = (float)mu;
            std[c] = (float)Math.Max(Math.Sqrt(Math.Max((_channelSumSq[c] / _channelPixels) - (mu * mu), 0)), 1.0);
        }

        // Feature rows: normalised neighbourhood (pixels outside the image are 0, the Conv's zero padding), then position.
        const int F = TinyNet.Features;
        var features = new double[n * F];
        for (int s = 0; s < n; s++)
        {
            for (int f = 0; f < RawFeatures; f++)
            {
                float raw = _raw[(s * RawFeatures) + f];
                int c = f / 9;
                features[(s * F) + f] = float.IsNaN(raw) ? 0.0 : (float)((raw - (double)mean[c]) / std[c]);
            }

            features[(s * F) + 27] = _positions[2 * s];
            features[(s * F) + 28] = _positions[(2 * s) + 1];
        }

        int hidden = _options.Hidden, classes = _classes, batch = Math.Min(_options.BatchSize, n);
        var m = Matrix<double>.Build;
        var w1 = m.Dense(F, hidden, (_, _) => Gaussian() * Math.Sqrt(2.0 / F));
        var b1 = new double[hidden];
        var w2 = m.Dense(hidden, classes, (_, _) => Gaussian() * Math.Sqrt(1.0 / hidden));
        var b2 = new double[classes];

        var adam = new Adam(_options.LearningRate, [w1.AsColumnMajorArray(), b1, w2.AsColumnMajorArray(), b2]);
        var xb = m.Dense(batch, F);
        var z1 = m.Dense(batch, hidden);
        var h = m.Dense(batch, hidden);
        var z2 = m.Dense(batch, classes);
        var g2 = m.Dense(batch, classes);
        var dH = m.Dense(batch, hidden);
        var dW1 = m.Dense(F, hidden);
        var dW2 = m.Dense(hidden, classes);
        var db1 = new double[hidden];
        var db2 = new double[classes];
        var order = Enumerable.Range(0, n).ToArray();
        var rows = new int[batch];
        int cursor = n;

        for (int step = 0; step < _options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Next mini-batch from a reshuffled order once per pass over the samples.
            for (int r = 0; r < batch; r++)
            {
                if (cursor == n)
                {
                    _random.Shuffle(order);
                    cursor = 0;
                }

                rows[r] = order[cursor++];
            }

            var xs = xb.AsColumnMajorArray();
            for (int f = 0; f < F; f++)
            {
                for (int r = 0; r < batch; r++)
                {
                    xs[(f * batch) + r] = features[(rows[r] * F) + f];
                }
            }

            // Forward: z1 = X W1 + b1, h = relu(z1), z2 = h W2 + b2.
            xb.Multiply(w1, z1);
            var z1s = z1.AsColumnMajorArray();
            var hs = h.AsColumnMajorArray();
            for (int k = 0; k < hidden; k++)
            {
                for (int r = 0; r < batch; r++)
                {
                    int i = (k * batch) + r;
                    z1s[i] += b1[k];
                    hs[i] = Math.Max(z1s[i], 0);
                }
            }

            h.Multiply(w2, z2);
            var z2s = z2.AsColumnMajorArray();
            var g2s = g2.AsColumnMajorArray();

            // Softmax cross-entropy gradient: (p − onehot) / batch.
            for (int r = 0; r < batch; r++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < classes; j++)
                {
                    z2s[(j * batch) + r] += b2[j];
                    max = Math.Max(max, z2s[(j * batch) + r]);
                }

                double sum = 0;
                for (int j = 0; j < classes; j++)
                {
                    double e = Math.Exp(z2s[(j * batch) + r] - max);
                    g2s[(j * batch) + r] = e;
                    sum += e;
                }

                int target = _targets[rows[r]];
                for (int j = 0; j < classes; j++)
                {
                    g2s[(j * batch) + r] = ((g2s[(j * batch) + r] / sum) - (j == target ? 1 : 0)) / batch;
                }
            }

            // Backward.
            h.TransposeThisAndMultiply(g2, dW2);
            ColumnSums(g2s, batch, db2);
            g2.TransposeAndMultiply(w2, dH);
            var dHs = dH.AsColumnMajorArray();
            for (int i = 0; i < dHs.Length; i++)
            {
                if (z1s[i] <= 0)
                {
                    dHs[i] = 0;
                }
            }

            xb.TransposeThisAndMultiply(dH, dW1);
            ColumnSums(dHs, batch, db1);

            AddDecay(dW1, w1, _options.WeightDecay);
            AddDecay(dW2, w2, _options.WeightDecay);
            double rate = 0.5 * (1 + Math.Cos(Math.PI * step / _options.Steps));
            adam.Step(rate, [dW1.AsColumnMajorArray(), db1, dW2.AsColumnMajorArray(), db2]);
            progress?.Report(step + 1);
        }

        // To the ONNX layouts: Conv weight [K, 3, 3, 3] is row k of W1ᵀ's first 27 features; Conv 1x1 [C, K] is W2ᵀ.
        var conv = new float[hidden * RawFeatures];
        var rowW = new float[hidden];
        var colW = new float[hidden];
        for (int k = 0; k < hidden; k++)
        {
            for (int f = 0; f < RawFeatures; f++)
            {
                conv[(k * RawFeatures) + f] = (float)w1[f, k];
            }

            rowW[k] = (float)w1[27, k];
            colW[k] = (float)w1[28, k];
        }

        var outW = new float[classes * hidden];
        for (int j = 0; j < classes; j++)
        {
            for (int k = 0; k < hidden; k++)
            {
                outW[(j * hidden) + k] = (float)w2[k, j];
            }
        }

        return new TinyNet
        {
            Hidden = hidden,
            Classes = classes,
            ConvWeights = conv,
            ConvBias = b1.Select(v => (float)v).ToArray(),
            RowWeights = rowW,
            ColumnWeights = colW,
            OutWeights = outW,
            OutBias = b2.Select(v => (float)v).ToArray(),
            Mean = mean,
            Std = std,
            LabelSetName = _labels.Name,
            ClassNames = IdOfClass.Select(id => _labels[id].Name).ToArray(),
            IdOfClass = IdOfClass,
        };
    }

    private static void ColumnSums(double[] columnMajor, int rows, double[] sums)
    {
        for (int j = 0; j < sums.Length; j++)
        {
            double s = 0;
            for (int r = 0; r < rows; r++)
            {
                s += columnMajor[(j * rows) + r];
            }

            sums[j] = s;
        }
    }

    private static void AddDecay(Matrix<double> gradient, Matrix<double> weights, double decay)
    {
        var g = gradient.AsColumnMajorArray();
        var w = weights.AsColumnMajorArray();
        for (int i = 0; i < g.Length; i++)
        {
            g[i] += decay * w[i];
        }
    }

    /// <summary>A standard normal draw (Box-Muller) from the seeded generator.</summary>
    private double Gaussian()
    {
        double u1 = 1.0 - _random.NextDouble();
        double u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Adam (Kingma and Ba) over a fixed list of parameter arrays, updated in place.</summary>
    private sealed class Adam(double learningRate, double[][] parameters)
    {
        private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
        private readonly double[][] _m = parameters.Select(p => new double[p.Length]).ToArray();
        private readonly double[][] _v = parameters.Select(p => new double[p.Length]).ToArray();
        private int _t;

        public void Step(double rateScale, double[][] gradients)
        {
            _t++;
            double c1 = 1 - Math.Pow(Beta1, _t), c2 = 1 - Math.Pow(Beta2, _t);
            double lr = learningRate * rateScale;
            for (int p = 0; p < parameters.Length; p++)
            {
                double[] w = parameters[p], g = gradients[p], m = _m[p], v = _v[p];
                for (int i = 0; i < w.Length; i++)
                {
                    m[i] = (Beta1 * m[i]) + ((1 - Beta1) * g[i]);
                    v[i] = (Beta2 * v[i]) + ((1 - Beta2) * g[i] * g[i]);
                    w[i] -= lr * (m[i] / c1) / (Math.Sqrt(v[i] / c2) + Epsilon);
                }
            }
        }
    }
}
