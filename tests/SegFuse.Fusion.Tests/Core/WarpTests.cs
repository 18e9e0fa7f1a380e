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
}
