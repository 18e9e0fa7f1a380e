using SegFuse.Fusion.Evidence;

namespace SegFuse.Fusion.Tests.Core;

public class EvidenceOpsTests
{
    private const uint U = EvidenceOps.Unit;

    [Fact]
    public void Add_keeps_the_two_strongest_classes_with_the_stronger_in_slot_0()
    {
        ulong e = EvidenceOps.Empty;
        e = EvidenceOps.Add(e, 3, U);
        e = EvidenceOps.Add(e, 5, 2 * U);
        Assert.Equal(5, EvidenceOps.Class0(e));
        Assert.Equal(3, EvidenceOps.Class1(e));
        Assert.Equal(2 * U, EvidenceOps.Weight0(e));
        Assert.Equal(U, EvidenceOps.Weight1(e));

        // A third class replaces the weaker slot only when it is stronger.
        e = EvidenceOps.Add(e, 7, U / 2);
        Assert.Equal(3, EvidenceOps.Class1(e));
        e = EvidenceOps.Add(e, 7, 3 * U / 2);
        Assert.Equal(7, EvidenceOps.Class1(e));
        e = EvidenceOps.Add(e, 7, 2 * U);
        Assert.Equal(7, EvidenceOps.Class0(e));
        Assert.Equal(7 * U / 2, EvidenceOps.Weight0(e));
    }

    [Fact]
    public void Scale_multiplies_weights_and_keeps_classes_and_residual()
    {
        ulong e = EvidenceOps.WithResidual(EvidenceOps.Make(1, 1000, 2, 500), -37, 12);
        ulong s = EvidenceOps.Scale(e, EvidenceOps.ScaleOne / 2);
        Assert.Equal(500u, EvidenceOps.Weight0(s));
        Assert.Equal(250u, EvidenceOps.Weight1(s));
        Assert.Equal((1, 2), (EvidenceOps.Class0(s), EvidenceOps.Class1(s)));
        Assert.Equal((-37, 12), (EvidenceOps.ResidualX(s), EvidenceOps.ResidualY(s)));
    }

    [Fact]
    public void Observation_pulls_the_residual_towards_the_pixel_centre_by_weight()
    {
        ulong carried = EvidenceOps.WithResidual(EvidenceOps.Make(4, 3 * U, EvidenceOps.NoClass, 0), 64, -32);
        ulong e = EvidenceOps.AddObservation(carried, EvidenceOps.Pack4(4, 255, EvidenceOps.NoClass, 0), (uint)(U * 256 / 255));
        Assert.InRange(EvidenceOps.Weight0(e), (4 * U) - 2, 4 * U);
        Assert.InRange(EvidenceOps.ResidualX(e), 47, 48);
        Assert.InRange(EvidenceOps.ResidualY(e), -24, -23);
    }

    [Fact]
    public void ArgMaxOfSum_adds_the_evidence_of_both_passes_per_class()
    {
        ulong a = EvidenceOps.Make(1, 5 * U, 2, 4 * U);
        ulong b = EvidenceOps.Make(2, 2 * U, 3, 1 * U);
        Assert.Equal(2, EvidenceOps.ArgMaxOfSum(a, b));
        Assert.Equal(1, EvidenceOps.ArgMaxOfSum(a, EvidenceOps.Empty));
        Assert.Equal(3, EvidenceOps.ArgMaxOfSum(EvidenceOps.Empty, EvidenceOps.Make(3, U, EvidenceOps.NoClass, 0)));
        Assert.Equal(EvidenceOps.NoClass, EvidenceOps.ArgMaxOfSum(EvidenceOps.Empty, EvidenceOps.Empty));
        Assert.Equal(3, EvidenceOps.ArgMaxOfSum(a, EvidenceOps.Make(3, 6 * U, EvidenceOps.NoClass, 0)));
    }

    [Fact]
    public void Quantized_evidence_round_trips_to_an_eighth_of_a_unit()
    {
        ulong e = EvidenceOps.Make(9, 7 * U + 300, 4, 2 * U + 10);
        ulong back = EvidenceOps.Dequantize(EvidenceOps.Quantize(e));
        Assert.Equal((9, 4), (EvidenceOps.Class0(back), EvidenceOps.Class1(back)));
        Assert.InRange((int)EvidenceOps.Weight0(e) - (int)EvidenceOps.Weight0(back), 0, (int)U / 8);
        Assert.InRange((int)EvidenceOps.Weight1(e) - (int)EvidenceOps.Weight1(back), 0, (int)U / 8);
    }
}
