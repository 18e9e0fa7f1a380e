using System.Diagnostics;
using OpenCvSharp;

namespace SegFuse.Inference.Segment;

/// <summary>
/// Turns 8-bit BGR frames into the model's normalised planar input: resize to the input size (bilinear,
/// into one reused <see cref="Mat"/>) and map each byte through a per-channel table of
/// <c>(value − mean) / std</c>, writing three planes in the model's channel order.
/// </summary>
internal sealed class Preprocess : IDisposable
{
    private readonly float[] _lut = new float[3 * 256];
    private readonly int _width;
    private readonly int _height;
    private readonly Mat _resized = new();
    private readonly int _degree;

    /// <param name="width">Model input width.</param>
    /// <param name="height">Model input height.</param>
    /// <param name="normalization">Mean and std in R, G, B order, 0..255 units.</param>
    /// <param name="order">The model's channel order.</param>
    /// <param name="degree">Threads for the row loop.</param>
    public Preprocess(int width, int height, Normalization normalization, ChannelOrder order, int degree = 1)
    {
        _width = width;
        _height = height;
        _degree = degree;

        // Plane p of the input takes BGR byte (2 - p) for RGB models and byte p for BGR models; its table
        // uses the mean/std of the colour that plane holds.
        for (int p = 0; p < 3; p++)
        {
            int rgbIndex = order == ChannelOrder.Rgb ? p : 2 - p;
            double mean = normalization.Mean[rgbIndex], std = normalization.Std[rgbIndex];
            for (int v = 0; v < 256; v++)
            {
                _lut[(p * 256) + v] = (float)((v - mean) / std);
            }
        }

        SourceByteOfPlane = order == ChannelOrder.Rgb ? [2, 1, 0] : [0, 1, 2];
    }

    /// <summary>Which byte of a BGR pixel each input plane reads.</summary>
    private int[] SourceByteOfPlane { get; }

    /// <summary>Writes <paramref name="frame"/> (8-bit BGR, any size) as 3 × height × width floats into <paramref name="destination"/>.</summary>
    public unsafe void Run(Mat frame, float[] destination, int offset)
    {
        Debug.Assert(frame.Type() == MatType.CV_8UC3, "frames are 8-bit BGR");
        Mat source = frame;
        if (frame.Width != _width || frame.Height != _height)
        {
            Cv2.Resize(frame, _resized, new Size(_width, _height), 0, 0, InterpolationFlags.Linear);
            source = _resized;
        }

        var op = new NormalizeRows((byte*)source.Data, source.Step(), _width, _height, _lut, SourceByteOfPlane, destination, offset);
        RowParallel.For<NormalizeRows, byte>(_height, op, _degree);
    }

    public void Dispose() => _resized.Dispose();

    /// <summary>One row: BGR bytes → three float planes through the lookup tables.</summary>
    private readonly unsafe struct NormalizeRows(byte* data, long step, int width, int height, float[] lut, int[] sourceByte, float[] destination, int offset)
        : IRowOperation<byte>
    {
        public int ScratchLength => 0;

        public void Invoke(int y, Span<byte> scratch)
        {
            byte* row = data + (y * step);
            int plane = width * height;
            var lut0 = lut.AsSpan(0, 256);
            var lut1 = lut.AsSpan(256, 256);
            var lut2 = lut.AsSpan(512, 256);
            var d0 = destination.AsSpan(offset + (y * width), width);
            var d1 = destination.AsSpan(offset + plane + (y * width), width);
            var d2 = destination.AsSpan(offset + (2 * plane) + (y * width), width);
            int s0 = sourceByte[0], s1 = sourceByte[1], s2 = sourceByte[2];
            for (int x = 0; x < width; x++)
            {
                byte* px = row + (3 * x);
                d0[x] = lut0[px[s0]];
                d1[x] = lut1[px[s1]];
                d2[x] = lut2[px[s2]];
            }
        }
    }
}
