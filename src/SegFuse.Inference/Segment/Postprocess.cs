using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using SegFuse.Labels;

namespace SegFuse.Inference.Segment;

/// <summary>
/// From the model's output of one image to a full-resolution label map (and optionally per-class scores):
/// logits are upsampled bilinearly to the frame size (half-pixel centres, as OpenCV's INTER_LINEAR and
/// PyTorch's <c>align_corners=False</c>) and the argmax taken there; label outputs are upsampled by nearest
/// neighbour. Class indices become the label set's ids through <see cref="IdOfClass"/>.
/// </summary>
internal sealed class Postprocess
{
    private readonly int[] _x0;
    private readonly int[] _x1;
    private readonly float[] _wx;
    private readonly int[] _nearestX;
    private readonly int _degree;

    public Postprocess(int sourceWidth, int sourceHeight, int frameWidth, int frameHeight, ushort[] idOfClass, string modelPath, int degree)
    {
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        FrameWidth = frameWidth;
        FrameHeight = frameHeight;
        IdOfClass = idOfClass;
        ModelPath = modelPath;
        _degree = degree;
        _x0 = new int[frameWidth];
        _x1 = new int[frameWidth];
        _wx = new float[frameWidth];
        _nearestX = new int[frameWidth];
        for (int x = 0; x < frameWidth; x++)
        {
            (_x0[x], _x1[x], _wx[x]) = BilinearTap(x, sourceWidth, frameWidth);
            _nearestX[x] = NearestTap(x, sourceWidth, frameWidth);
        }
    }

    public int SourceWidth { get; }

    public int SourceHeight { get; }

    public int FrameWidth { get; }

    public int FrameHeight { get; }

    public int Classes => IdOfClass.Length;

    /// <summary>Label id of each output class index.</summary>
    public ushort[] IdOfClass { get; }

    public string ModelPath { get; }

    /// <summary>Source taps and weight of destination coordinate <paramref name="d"/> (half-pixel centres, edges clamped).</summary>
    public static (int I0, int I1, float W) BilinearTap(int d, int sourceSize, int destinationSize)
    {
        float s = ((d + 0.5f) * sourceSize / destinationSize) - 0.5f;
        if (s <= 0)
        {
            return (0, 0, 0f);
        }

        int i0 = Math.Min((int)s, sourceSize - 1);
        int i1 = Math.Min(i0 + 1, sourceSize - 1);
        return (i0, i1, i1 == i0 ? 0f : s - i0);
    }

    /// <summary>The source pixel whose area holds the centre of destination pixel <paramref name="d"/>.</summary>
    public static int NearestTap(int d, int sourceSize, int destinationSize) => Math.Min((int)((d + 0.5) * sourceSize / destinationSize), sourceSize - 1);

    /// <summary>Argmax of logits [classes, sourceHeight, sourceWidth] starting at <paramref name="offset"/>, into <paramref name="map"/>.</summary>
    /// <param name="logits">The output tensor's data.</param>
    /// <param name="offset">Where this image's logits start.</param>
    /// <param name="map">Receives the label ids at frame size.</param>
    /// <param name="scores">Receives softmax probabilities [classes, frameHeight, frameWidth] as float16; null to skip.</param>
    public void FromLogits(float[] logits, int offset, LabelMap map, Half[]? scores)
    {
        var op = new LogitRows(this, logits, offset, map, scores);
        Run<LogitRows, float>(op);
    }

    /// <summary>Nearest-neighbour labels [sourceHeight, sourceWidth] starting at <paramref name="offset"/>, into <paramref name="map"/>.</summary>
    public void FromLabels<T>(T[] labels, int offset, LabelMap map)
        where T : unmanaged, IBinaryInteger<T>
    {
        var op = new LabelRows<T>(this, labels, offset, map);
        Run<LabelRows<T>, byte>(op);
    }

    private void Run<TOp, TScratch>(in TOp op)
        where TOp : struct, IRowOperation<TScratch>
        where TScratch : unmanaged
    {
        try
        {
            RowParallel.For<TOp, TScratch>(FrameHeight, op, _degree);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>One frame row of logits: upsample each class row, keep the running argmax, then softmax if asked.</summary>
    private readonly struct LogitRows(Postprocess p, float[] logits, int offset, LabelMap map, Half[]? scores) : IRowOperation<float>
    {
        // best[W] | index[W] | vertical blend[srcW] | class rows [W] (or [classes × W] when scores are kept)
        public int ScratchLength => (2 * p.FrameWidth) + p.SourceWidth + ((scores is null ? 1 : p.Classes) * p.FrameWidth);

        public void Invoke(int y, Span<float> scratch)
        {
            int width = p.FrameWidth, srcW = p.SourceWidth, srcPlane = srcW * p.SourceHeight, classes = p.Classes;
            var best = scratch[..width];
            var index = MemoryMarshal.Cast<float, int>(scratch.Slice(width, width));
            var blend = scratch.Slice(2 * width, srcW);
            var rows = scratch[((2 * width) + srcW)..];
            bool sameSize = srcW == width && p.SourceHeight == p.FrameHeight;
            var (y0, y1, wy) = BilinearTap(y, p.SourceHeight, p.FrameHeight);

            for (int c = 0; c < classes; c++)
            {
                ReadOnlySpan<float> row;
                if (sameSize)
                {
                    row = logits.AsSpan(offset + (c * srcPlane) + (y * srcW), width);
                    if (scores is not null)
                    {
                        row.CopyTo(rows.Slice(c * width, width));
                    }
                }
                else
                {
                    var plane = logits.AsSpan(offset + (c * srcPlane), srcPlane);
                    Argmax.Lerp(plane.Slice(y0 * srcW, srcW), plane.Slice(y1 * srcW, srcW), wy, blend);
                    var dst = rows.Slice(scores is null ? 0 : c * width, width);
                    for (int x = 0; x < width; x++)
                    {
                        float a = blend[p._x0[x]];
                        dst[x] = a + ((blend[p._x1[x]] - a) * p._wx[x]);
                    }

                    row = dst;
                }

                if (c == 0)
                {
                    row.CopyTo(best);
                    index.Clear();
                }
                else
                {
                    Argmax.Update(row, best, index, c);
                }
            }

            var labels = map.GetRowSpan(y);
            for (int x = 0; x < width; x++)
            {
                labels[x] = p.IdOfClass[index[x]];
            }

            if (scores is not null)
            {
                Softmax(rows, best, y, scores);
            }
        }

        private void Softmax(Span<float> rows, ReadOnlySpan<float> max, int y, Half[] destination)
        {
            int width = p.FrameWidth, classes = p.Classes;
            long plane = (long)width * p.FrameHeight;
            for (int x = 0; x < width; x++)
            {
                float m = max[x], sum = 0;
                for (int c = 0; c < classes; c++)
                {
                    float e = MathF.Exp(rows[(c * width) + x] - m);
                    rows[(c * width) + x] = e;
                    sum += e;
                }

                float inv = 1f / sum;
                for (int c = 0; c < classes; c++)
                {
                    destination[(c * plane) + ((long)y * width) + x] = (Half)(rows[(c * width) + x] * inv);
                }
            }
        }
    }

    /// <summary>One frame row of a label output: nearest source pixel, class index to id.</summary>
    private readonly struct LabelRows<T>(Postprocess p, T[] labels, int offset, LabelMap map) : IRowOperation<byte>
        where T : unmanaged, IBinaryInteger<T>
    {
        public int ScratchLength => 0;

        public void Invoke(int y, Span<byte> scratch)
        {
            int srcY = NearestTap(y, p.SourceHeight, p.FrameHeight);
            var source = labels.AsSpan(offset + (srcY * p.SourceWidth), p.SourceWidth);
            var row = map.GetRowSpan(y);
            for (int x = 0; x < row.Length; x++)
            {
                T v = source[p._nearestX[x]];
                if (T.IsNegative(v) || v >= T.CreateTruncating(p.Classes))
                {
                    throw new SegFuseInputException(p.ModelPath, $"the model output label {v} at ({x},{y}), outside the {p.Classes} classes of the label set");
                }

                row[x] = p.IdOfClass[int.CreateTruncating(v)];
            }
        }
    }
}
