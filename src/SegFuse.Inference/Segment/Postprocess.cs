using System.Numerics;
using System.Numerics.Tensors;
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
    private float[]? _stretched;

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
    /// <remarks>
    /// Bilinear upsampling is separable: each source row is first stretched to the frame width (one gather per
    /// class and source pixel column, into <see cref="_stretched"/>), then every frame row is a vectorised blend
    /// of two stretched rows. For an 8× upsampling that is 8× fewer gathers than interpolating every frame pixel.
    /// </remarks>
    public void FromLogits(float[] logits, int offset, LabelMap map, Half[]? scores)
    {
        bool sameSize = SourceWidth == FrameWidth && SourceHeight == FrameHeight;
        if (!sameSize)
        {
            _stretched ??= new float[checked(Classes * SourceHeight * FrameWidth)];
            Run<StretchRows, byte>(new StretchRows(this, logits, offset, _stretched), SourceHeight);
        }

        Run<LogitRows, float>(new LogitRows(this, sameSize ? logits : _stretched!, sameSize ? offset : 0, sameSize, map, scores), FrameHeight);
    }

    /// <summary>Nearest-neighbour labels [sourceHeight, sourceWidth] starting at <paramref name="offset"/>, into <paramref name="map"/>.</summary>
    public void FromLabels<T>(T[] labels, int offset, LabelMap map)
        where T : unmanaged, IBinaryInteger<T>
    {
        Run<LabelRows<T>, byte>(new LabelRows<T>(this, labels, offset, map), FrameHeight);
    }

    private void Run<TOp, TScratch>(in TOp op, int rows)
        where TOp : struct, IRowOperation<TScratch>
        where TScratch : unmanaged
    {
        try
        {
            RowParallel.For<TOp, TScratch>(rows, op, _degree);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>One source row of every class, stretched to the frame width by linear interpolation.</summary>
    private readonly struct StretchRows(Postprocess p, float[] logits, int offset, float[] stretched) : IRowOperation<byte>
    {
        public int ScratchLength => 0;

        public void Invoke(int sy, Span<byte> scratch)
        {
            int srcW = p.SourceWidth, srcH = p.SourceHeight, width = p.FrameWidth;
            int[] x0 = p._x0, x1 = p._x1;
            float[] wx = p._wx;
            for (int c = 0; c < p.Classes; c++)
            {
                var source = logits.AsSpan(offset + (((c * srcH) + sy) * srcW), srcW);
                var destination = stretched.AsSpan(((c * srcH) + sy) * width, width);
                for (int x = 0; x < destination.Length; x++)
                {
                    float a = source[x0[x]];
                    destination[x] = a + ((source[x1[x]] - a) * wx[x]);
                }
            }
        }
    }

    /// <summary>
    /// One frame row: each class's row (read directly at the same size, else blended from two stretched source
    /// rows), the running argmax over classes, the ids, and with scores the softmax over classes.
    /// </summary>
    /// <param name="p">The post-processor.</param>
    /// <param name="planes">Class planes of frame width: the logits at frame size, or the stretched rows.</param>
    /// <param name="offset">Where the planes start in <paramref name="planes"/>.</param>
    /// <param name="sameSize">Whether <paramref name="planes"/> is already at frame size.</param>
    /// <param name="map">Receives the ids.</param>
    /// <param name="scores">Receives the probabilities, or null.</param>
    private readonly struct LogitRows(Postprocess p, float[] planes, int offset, bool sameSize, LabelMap map, Half[]? scores) : IRowOperation<float>
    {
        // best[W] | index[W] | class rows [classes × W] (unless the rows are read in place at frame size without scores)
        public int ScratchLength => (2 + (sameSize && scores is null ? 0 : p.Classes)) * p.FrameWidth;

        public void Invoke(int y, Span<float> scratch)
        {
            int width = p.FrameWidth, classes = p.Classes;
            var best = scratch[..width];
            var index = MemoryMarshal.Cast<float, int>(scratch.Slice(width, width));
            var rows = scratch[(2 * width)..];
            ReadOnlySpan<float> classRows;
            int classStride;
            if (sameSize)
            {
                // Class c's row y sits one plane further than class c − 1's.
                int plane = width * p.FrameHeight;
                classRows = planes.AsSpan(offset + (y * width), ((classes - 1) * plane) + width);
                classStride = plane;
            }
            else
            {
                // Blend two stretched source rows per class into the scratch rows.
                var (y0, y1, wy) = BilinearTap(y, p.SourceHeight, p.FrameHeight);
                int planeSize = p.SourceHeight * width;
                for (int c = 0; c < classes; c++)
                {
                    var plane = planes.AsSpan(offset + (c * planeSize), planeSize);
                    TensorPrimitives.Lerp(plane.Slice(y0 * width, width), plane.Slice(y1 * width, width), wy, rows.Slice(c * width, width));
                }

                classRows = rows;
                classStride = width;
            }

            Argmax.Rows(classRows, classStride, classes, index, best);
            var labels = map.GetRowSpan(y);
            var ids = p.IdOfClass;
            for (int x = 0; x < width; x++)
            {
                labels[x] = ids[index[x]];
            }

            if (scores is not null)
            {
                if (sameSize)
                {
                    for (int c = 0; c < classes; c++)
                    {
                        classRows.Slice(c * classStride, width).CopyTo(rows.Slice(c * width, width));
                    }
                }

                Softmax(rows, best, y, scores);
            }
        }

        /// <summary>Softmax over classes per pixel, vectorised along the row: exp(v − max) / Σ, then float16 into [c, y, :].</summary>
        private void Softmax(Span<float> rows, Span<float> max, int y, Half[] destination)
        {
            int width = p.FrameWidth, classes = p.Classes;
            long plane = (long)width * p.FrameHeight;
            Span<float> sum = max; // max is no longer needed once subtracted: reuse its storage for the sum
            for (int c = 0; c < classes; c++)
            {
                var row = rows.Slice(c * width, width);
                TensorPrimitives.Subtract(row, max, row);
                TensorPrimitives.Exp(row, row);
            }

            sum.Clear();
            for (int c = 0; c < classes; c++)
            {
                TensorPrimitives.Add(sum, rows.Slice(c * width, width), sum);
            }

            for (int c = 0; c < classes; c++)
            {
                var row = rows.Slice(c * width, width);
                TensorPrimitives.Divide(row, sum, row);
                TensorPrimitives.ConvertToHalf(row, destination.AsSpan((int)((c * plane) + ((long)y * width)), width));
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
