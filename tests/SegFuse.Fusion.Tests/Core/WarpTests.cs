using SegFuse.Fusion.Evidence;

namespace SegFuse.Fusion.Tests.Core;

public class WarpTests
{
    [Theory]
    [InlineData(0.4f, -1.25f, 63u)]
    [InlineData(-127.5f, 100.03125f, 1u)]
    [InlineData(0f, 0f, 30u)]
    public void Records_hold_the_displacement_to_a_32nd_of_a_pixel(float dx, float dy, uint q)
    {
        uint r = Warp.Record(dx, dy, q);
        var (x, y) = Warp.Displacement(r);
        Assert.Equal(dx, x / 32f, 1f / 64);
        Assert.Equal(dy, y / 32f, 1f / 64);
        Assert.Equal(q, Warp.Weight(r));
    }

    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(-3.5f, 12.25f)]
    public void A_rejected_record_carries_nothing_but_keeps_its_displacement(float dx, float dy)
    {
        uint r = Warp.Rejected(dx, dy);
        Assert.NotEqual(0u, r);
        Assert.Equal(0u, Warp.Weight(r));
        var (x, y) = Warp.Displacement(r);
        Assert.Equal(dx, x / 32f, 1f / 16);
        Assert.Equal(dy, y / 32f, 1f / 64);
        Assert.Equal(0u, Warp.Rejected(500, 0));
    }

    /// <summary>
    /// A row: background moving 2 px (class 1) on the left, two rejected pixels (just uncovered background, moving
    /// like it), an occluder moving 6 px the other way (class 2) on the right, a pixel out of the frame at the end.
    /// The rejected pixels take half the background's carried evidence, not the occluder's nearer evidence; the pixel
    /// out of the frame stays empty; with no fill the rejected pixels stay empty too, and so they do without a grey row
    /// or when an image edge (a grey step above the threshold) lies between them and the background.
    /// </summary>
    [Fact]
    public void Rejected_pixels_take_the_evidence_of_the_nearest_pixel_moving_the_same_way()
    {
        const int w = 12;
        var source = new ulong[w];
        var records = new uint[w];
        for (int x = 0; x < w; x++)
        {
            source[x] = x < 6 ? EvidenceOps.Make(1, 8 * EvidenceOps.Unit, EvidenceOps.NoClass, 0) : EvidenceOps.Make(2, 8 * EvidenceOps.Unit, EvidenceOps.NoClass, 0);
            records[x] = x switch
            {
                < 4 => Warp.Record(-2, 0, Warp.MaxWeight),
                4 or 5 => Warp.Rejected(-2.25f, 0),
                < 11 => Warp.Record(6, 0, Warp.MaxWeight),
                _ => 0,
            };
        }

        foreach (bool scalar in new[] { true, false })
        {
            bool before = Warp.ForceScalar;
            Warp.ForceScalar = scalar;
            try
            {
                var none = new ulong[w];
                Warp.CarryRow(source, records, 0, w, 1, none);
                Assert.Equal(EvidenceOps.Empty, none[4]);
                Assert.Equal(EvidenceOps.Empty, none[5]);

                var filled = new ulong[w];
                var flat = new byte[w];
                Warp.CarryRow(source, records, 0, w, 1, filled, new DisocclusionFill(EvidenceOps.ScaleOne / 2, 24, flat, 12));
                for (int x = 4; x <= 5; x++)
                {
                    Assert.Equal(1, EvidenceOps.Class0(filled[x]));
                    Assert.Equal(EvidenceOps.Weight0(filled[3]) / 2, EvidenceOps.Weight0(filled[x]));
                    Assert.Equal(0, EvidenceOps.ResidualX(filled[x]));
                }

                Assert.Equal(2, EvidenceOps.Class0(filled[6]));
                Assert.Equal(EvidenceOps.Empty, filled[11]);
                Assert.Equal(none[..4], filled[..4]);
                Assert.Equal(none[6..], filled[6..]);

                // Without the grey row there is no edge test, and no fill.
                var noGrey = new ulong[w];
                Warp.CarryRow(source, records, 0, w, 1, noGrey, new DisocclusionFill(EvidenceOps.ScaleOne / 2, 24, null, 12));
                Assert.Equal(none, noGrey);

                // An image edge between pixel 3 and the rejected pixels stops the search: nothing to take.
                var grey = new byte[w];
                grey.AsSpan(4).Fill(200);
                var stopped = new ulong[w];
                Warp.CarryRow(source, records, 0, w, 1, stopped, new DisocclusionFill(EvidenceOps.ScaleOne / 2, 24, grey, 12));
                Assert.Equal(EvidenceOps.Empty, stopped[4]);
                Assert.Equal(EvidenceOps.Empty, stopped[5]);
                grey.AsSpan(4).Fill(10);
                Warp.CarryRow(source, records, 0, w, 1, stopped, new DisocclusionFill(EvidenceOps.ScaleOne / 2, 24, grey, 12));
                Assert.Equal(filled[4], stopped[4]);
            }
            finally
            {
                Warp.ForceScalar = before;
            }
        }
    }

    [Fact]
    public void A_displacement_beyond_the_record_range_carries_nothing()
    {
        Assert.Equal(0u, Warp.Weight(Warp.Record(200, 0, 63)));
        Assert.Equal(0u, Warp.Weight(Warp.Record(0, float.NaN, 63)));
        Assert.Equal(EvidenceOps.Empty, Warp.Carry(new ulong[16], 0, 0, 0, 4, 4));
    }

    /// <summary>
    /// A one-pixel-wide line moving 0.4 px per frame, carried with full weight and no new observations: with the
    /// residual the carried line is where the scene put it (within half a pixel) after 20 frames, 8 px further on;
    /// rounding alone would leave it where it started (0.4 rounds to 0 every frame).
    /// </summary>
    [Fact]
    public void Carried_evidence_follows_sub_pixel_motion_instead_of_rounding_it_away()
    {
        const int w = 40;
        var state = new ulong[w];
        for (int x = 0; x < w; x++)
        {
            state[x] = EvidenceOps.Make(x == 10 ? 1 : 0, EvidenceOps.Unit, EvidenceOps.NoClass, 0);
        }

        var next = new ulong[w];
        for (int step = 1; step <= 20; step++)
        {
            for (int x = 0; x < w; x++)
            {
                // The scene moves right by 0.4 px: target pixel x shows what was at x − 0.4.
                next[x] = Warp.Carry(state, Warp.Record(-0.4f, 0, Warp.MaxWeight), x, 0, w, 1);
            }

            (state, next) = (next, state);
        }

        int line = Array.FindIndex(state, e => EvidenceOps.Class0(e) == 1);
        Assert.InRange(line + (EvidenceOps.ResidualX(state[line]) / 128.0), 10 + 8 - 0.5, 10 + 8 + 0.5);
        Assert.Equal(1, state.Count(e => EvidenceOps.Class0(e) == 1));
    }

    /// <summary>
    /// Random displacements make the vector path gather every pixel; a smooth one (a slow pan plus a little zoom) makes
    /// it load runs of consecutive source pixels, and the rows where the rounding changes mix both.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Carrying_a_row_with_the_vector_path_matches_the_scalar_path_bit_for_bit(bool smooth)
    {
        const int w = 77, h = 17;
        var rng = new Random(4);
        var source = new ulong[w * h];
        for (int i = 0; i < source.Length; i++)
        {
            ulong e = EvidenceOps.Make(rng.Next(0, 19), (uint)rng.Next(0, 65536), rng.Next(0, 3) == 0 ? EvidenceOps.NoClass : rng.Next(0, 19), (uint)rng.Next(0, 30000));
            source[i] = rng.Next(0, 4) == 0 ? e : EvidenceOps.WithResidual(e, rng.Next(-127, 128), rng.Next(-127, 128));
        }

        for (int y = 0; y < h; y++)
        {
            var records = new uint[w];
            for (int x = 0; x < w; x++)
            {
                records[x] = smooth
                    ? Warp.Record(1.3f + (0.03f * x), -0.6f + (0.02f * y), 50)
                    : rng.Next(0, 6) == 0 ? 0 : Warp.Record((float)((rng.NextDouble() * 8) - 4), (float)((rng.NextDouble() * 6) - 3), (uint)rng.Next(0, 64));
            }

            var scalar = new ulong[w];
            var vector = new ulong[w];
            bool before = Warp.ForceScalar;
            try
            {
                Warp.ForceScalar = true;
                Warp.CarryRow(source, records, y, w, h, scalar);
                Warp.ForceScalar = false;
                Warp.CarryRow(source, records, y, w, h, vector);
            }
            finally
            {
                Warp.ForceScalar = before;
            }

            Assert.Equal(scalar, vector);
        }
    }
}
