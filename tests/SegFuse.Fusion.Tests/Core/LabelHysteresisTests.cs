using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SegFuse.Fusion.Engine;
using SegFuse.Fusion.Evidence;

namespace SegFuse.Fusion.Tests.Core;

/// <summary>The label hysteresis on one row of 8 pixels (plus a row below), reference classes given directly.</summary>
public class LabelHysteresisTests
{
    private const int W = 8, H = 2;
    private const uint Keep = 58982; // 0.9 × 65536: hysteresis 0.1

    [Fact]
    public void The_reference_class_is_kept_only_within_the_margin_and_along_a_trusted_warp()
    {
        // Every pixel of row 0 points one pixel right and one row down (1 px = 32 record steps), full weight.
        var records = Enumerable.Repeat(Warp.Record(1, 1, 60), W * H).ToArray();
        var reference = new byte[(W * H) + 3];
        reference[W + 3] = 4; // what pixel 2 of row 0 points to
        var h = new LabelHysteresis(new byte[(W * H) + 3], reference, Keep, MinWeight: 53);

        // Class 7 strongest (10 units), class 4 second: 9.5 units are within 10 %, 8.5 are not.
        ulong close = EvidenceOps.Make(7, 10 * 1024, 4, (95 * 1024) / 10);
        ulong far = EvidenceOps.Make(7, 10 * 1024, 4, (85 * 1024) / 10);
        Assert.Equal(4, h.Pick(7, close, EvidenceOps.Empty, records, 2, 0, W, H));
        Assert.Equal(7, h.Pick(7, far, EvidenceOps.Empty, records, 2, 0, W, H));

        // The two passes' evidence add up: 5 + 5 units of class 7 against 4.75 + 4.75 of class 4.
        ulong half = EvidenceOps.Make(7, 5 * 1024, 4, (475 * 1024) / 100);
        Assert.Equal(4, h.Pick(7, half, half, records, 2, 0, W, H));

        // A warp trusted less than MinWeight, a rejected one, no warp, no reference: the arg-max stands.
        records[2] = Warp.Record(1, 1, 52);
        Assert.Equal(7, h.Pick(7, close, EvidenceOps.Empty, records, 2, 0, W, H));
        records[2] = Warp.Rejected(1, 1);
        Assert.Equal(7, h.Pick(7, close, EvidenceOps.Empty, records, 2, 0, W, H));
        records[2] = 0;
        Assert.Equal(7, h.Pick(7, close, EvidenceOps.Empty, records, 2, 0, W, H));
        Assert.Equal(7, (h with { Reference = null }).Pick(7, close, EvidenceOps.Empty, Enumerable.Repeat(Warp.Record(1, 1, 60), W * H).ToArray(), 2, 0, W, H));
    }

    [Fact]
    public void The_vector_check_flags_exactly_the_lanes_whose_reference_differs_along_a_trusted_warp()
    {
        if (!Avx2.IsSupported)
        {
            return;
        }

        var records = Enumerable.Repeat(Warp.Record(1, 1, 60), W * H).ToArray();
        records[5] = Warp.Record(1, 1, 40); // below MinWeight
        records[6] = Warp.Rejected(1, 1);
        var reference = new byte[(W * H) + 3];
        reference.AsSpan(W, W).Fill(3);
        reference[W + 1] = 9; // pixel 0 points here
        reference[W + 4] = 9; // pixel 3
        reference[W + 6] = 9; // pixel 5, not trusted enough
        reference[W + 7] = 9; // pixel 6, rejected, and pixel 7 (clamped to the last column)
        var h = new LabelHysteresis(new byte[(W * H) + 3], reference, Keep, MinWeight: 53);
        var classes = Vector256.Create(3);
        int expected = 0;
        for (int x = 0; x < W; x++)
        {
            int k = reference[Warp.NearestIndex(records[x], x, 0, W, H)];
            expected |= Warp.Weight(records[x]) >= 53 && k != 3 ? 1 << x : 0;
        }

        Assert.Equal(0b1000_1001, expected);
        Assert.Equal(expected, h.Differs(classes, records, 0, 0, W, H));
        Assert.Equal(0, (h with { Reference = null }).Differs(classes, records, 0, 0, W, H));
    }
}
