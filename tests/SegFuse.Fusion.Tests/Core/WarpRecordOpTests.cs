using System.Runtime.Intrinsics.X86;
using SegFuse.Fusion.Engine;
using SegFuse.Fusion.Evidence;
using SegFuse.Fusion.Warping;
using SegFuse.Timeline.Flow;

namespace SegFuse.Fusion.Tests.Core;

public class WarpRecordOpTests
{
    [Theory]
    [InlineData(true, true, 0.5f)]
    [InlineData(true, false, 0.5f)]
    [InlineData(false, true, 1f)]
    [InlineData(false, false, 0.25f)]
    public void The_vector_path_gives_the_records_of_the_scalar_path(bool consistency, bool photometric, float motionBoundary)
    {
        const int w = 67, h = 41;
        var (flow, other, target, source) = Scene(w, h, seed: 3);
        var settings = new WarpSettings(8, 0, motionBoundary, 58.6f);
        var scalar = Run(flow, consistency ? other : null, photometric ? target : null, source, settings, forceScalar: true);
        var vector = Run(flow, consistency ? other : null, photometric ? target : null, source, settings, forceScalar: false);
        Assert.Equal(scalar.Records, vector.Records);
        Assert.Equal(scalar.InFrame, vector.InFrame);
        Assert.Equal(scalar.Failed, vector.Failed);
        Assert.Contains(scalar.Records, r => Warp.Weight(r) == 59);
        Assert.Contains(scalar.Records, r => r == 0);
        if (consistency || photometric)
        {
            Assert.Contains(scalar.Records, r => r != 0 && Warp.Weight(r) == 0);
        }
        if (!Avx2.IsSupported)
        {
            // Only the scalar loop exists on this machine; the comparison above is then trivially true.
            Assert.Equal(scalar.Records, vector.Records);
        }
    }

    [Fact]
    public void Occluded_wrongly_warped_and_out_of_frame_pixels_carry_nothing()
    {
        const int w = 40, h = 20;
        var (flow, other, target, source) = Blank(w, h);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                // Everything moved 3 px left between source and target; the source's flow points back (consistent),
                // except in columns 20..22 (an occlusion: the source's flow there goes elsewhere).
                flow[x, y] = (3, 0);
                other[x, y] = x is >= 20 and < 23 ? (9, 0) : (-3, 0);
                source[(y * w) + x] = (byte)(((x * 37) + (y * 11)) % 200);
            }
        }

        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                target[(y * w) + x] = x + 3 < w ? source[(y * w) + x + 3] : (byte)0;
            }
        }

        target[(5 * w) + 10] = 255; // a photometric outlier
        var result = Run(flow, other, target, source, new WarpSettings(8, 0, 1, 63), forceScalar: false);
        Assert.Equal(63u, Warp.Weight(result.Records[(2 * w) + 5]));
        Assert.Equal(0u, Warp.Weight(result.Records[(2 * w) + 18]));
        Assert.Equal(0u, Warp.Weight(result.Records[(5 * w) + 10]));
        Assert.Equal(0u, Warp.Weight(result.Records[(2 * w) + 38]));
        Assert.Equal(h * (w - 3), result.InFrame);

        // Rejected pixels keep their displacement for the disocclusion fill; pixels leaving the frame are 0.
        foreach (int i in new[] { (2 * w) + 18, (5 * w) + 10 })
        {
            Assert.NotEqual(0u, result.Records[i]);
            Assert.Equal(3 * Warp.RecordScale, Warp.Displacement(result.Records[i]).Dx & ~1);
        }

        Assert.Equal(0u, result.Records[(2 * w) + 38]);
    }

    private static (uint[] Records, int InFrame, int Failed) Run(FlowField flow, FlowField? other, byte[]? target, byte[] source, WarpSettings settings, bool forceScalar)
    {
        int w = flow.Width, h = flow.Height;
        var records = new uint[w * h];
        var inFrame = new int[h];
        var failed = new int[h];
        bool before = WarpRecordOp.ForceScalar;
        WarpRecordOp.ForceScalar = forceScalar;
        try
        {
            var op = new WarpRecordOp(flow, other, target, source, records, inFrame, failed, settings);
            ParallelRows.For(h, in op, 1);
        }
        finally
        {
            WarpRecordOp.ForceScalar = before;
        }

        return (records, inFrame.Sum(), failed.Sum());
    }

    /// <summary>Zero flow both ways and two black frames (with the padding the vector path reads past the end).</summary>
    private static (FlowField Flow, FlowField Other, byte[] Target, byte[] Source) Blank(int w, int h) =>
        (new FlowField(w, h), new FlowField(w, h), new byte[(w * h) + WarpRecordOp.GreyPadding], new byte[(w * h) + WarpRecordOp.GreyPadding]);

    /// <summary>A smooth flow with a moving block (motion boundaries, occlusions), its approximate inverse, and two textured frames.</summary>
    private static (FlowField Flow, FlowField Other, byte[] Target, byte[] Source) Scene(int w, int h, int seed)
    {
        var rng = new Random(seed);
        var (flow, other, target, source) = Blank(w, h);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                bool block = x is > 20 and < 40 && y is > 10 and < 30;
                float u = block ? -4.3f : 1.2f + (0.02f * x), v = block ? 1.1f : -0.4f + (0.01f * y);
                flow[x, y] = (u, v);
                other[x, y] = ((float)(-u + (rng.NextDouble() - 0.5)), (float)(-v + (rng.NextDouble() - 0.5)));
                source[(y * w) + x] = (byte)(128 + (60 * Math.Sin(x * 0.7) * Math.Cos(y * 0.5)));
                target[(y * w) + x] = (byte)Math.Clamp(source[(y * w) + x] + rng.Next(-20, 21), 0, 255);
            }
        }

        flow[w - 1, 3] = (300, 0);
        flow[5, h - 1] = (float.NaN, 0);
        return (flow, other, target, source);
    }
}
