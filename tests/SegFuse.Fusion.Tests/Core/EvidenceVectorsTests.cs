using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SegFuse.Fusion.Evidence;

namespace SegFuse.Fusion.Tests.Core;

/// <summary>The AVX2 evidence operations against the scalar ones on random and edge-case values (skipped without AVX2, where only the scalar ones run).</summary>
public class EvidenceVectorsTests
{
    private static readonly uint[] Scales = [0, 3, 200, 1028, 4000];

    [Fact]
    public void Vector_add_observation_arg_max_and_quantize_match_the_scalar_ones_bit_for_bit()
    {
        if (!Avx2.IsSupported)
        {
            return;
        }

        var rng = new Random(12);
        var e = new ulong[8];
        var obs = new uint[8];
        var causal = new uint[8];
        for (int round = 0; round < 20000; round++)
        {
            for (int j = 0; j < 8; j++)
            {
                e[j] = RandomEvidence(rng);
                obs[j] = EvidenceOps.Pack4(RandomClass(rng), RandomByte(rng), RandomClass(rng), RandomByte(rng));
                causal[j] = EvidenceOps.Quantize(RandomEvidence(rng));
            }

            uint scale = Scales[round % Scales.Length];
            var (lo, hi) = Split(e);
            var o = Vector256.Create(obs.Select(v => (int)v).ToArray());
            var c = Vector256.Create(causal.Select(v => (int)v).ToArray());
            var argMax = EvidenceVectors.ArgMaxOfSum(c, lo, hi);
            var quantized = EvidenceVectors.Quantize(lo, hi);
            var firstClass = EvidenceVectors.ClassOrObserved(lo, o);
            EvidenceVectors.AddObservation(ref lo, ref hi, o, Vector256.Create((int)scale));
            for (int j = 0; j < 8; j++)
            {
                ulong added = EvidenceOps.AddObservation(e[j], obs[j], scale);
                Assert.Equal(added, (uint)lo[j] | ((ulong)(uint)hi[j] << 32));
                Assert.Equal(EvidenceOps.ArgMaxOfSum(EvidenceOps.Dequantize(causal[j]), e[j]), argMax[j]);
                Assert.Equal(EvidenceOps.Quantize(e[j]), (uint)quantized[j]);
                int c0 = EvidenceOps.Class0(e[j]);
                Assert.Equal(c0 != EvidenceOps.NoClass ? c0 : (int)(obs[j] & 0xFF), firstClass[j]);
            }
        }
    }

    [Fact]
    public void The_computed_scale_factor_is_the_table_factor_for_every_weight()
    {
        if (!Avx2.IsSupported)
        {
            return;
        }

        for (int q = 0; q <= (int)Warp.MaxWeight; q++)
        {
            Assert.Equal(Warp.FactorOf((uint)q), (uint)Warp.Factor(Vector256.Create(q))[0]);
        }
    }

    private static (Vector256<int> Lo, Vector256<int> Hi) Split(ulong[] e) =>
        (Vector256.Create(e.Select(v => (int)(uint)v).ToArray()), Vector256.Create(e.Select(v => (int)(uint)(v >> 32)).ToArray()));

    /// <summary>Evidence with few classes (so that slots match often), empty slots, weights from 0 to saturation, and residuals (also on zero weights).</summary>
    private static ulong RandomEvidence(Random rng)
    {
        int c0 = RandomClass(rng), c1 = RandomClass(rng);
        uint w0 = RandomWeight(rng), w1 = RandomWeight(rng);
        if (rng.Next(3) > 0)
        {
            // Mostly well-formed: slot 0 the stronger, empty slots weigh nothing.
            (w0, w1) = (Math.Max(w0, w1), Math.Min(w0, w1));
            w0 = c0 == EvidenceOps.NoClass ? 0 : w0;
            w1 = c1 == EvidenceOps.NoClass ? 0 : w1;
        }

        ulong e = EvidenceOps.Make(c0, w0, c1, w1);
        return rng.Next(4) == 0 ? e : EvidenceOps.WithResidual(e, rng.Next(-127, 128), rng.Next(-127, 128));
    }

    private static int RandomClass(Random rng) => rng.Next(8) == 0 ? EvidenceOps.NoClass : rng.Next(6);

    private static uint RandomByte(Random rng) => rng.Next(4) switch
    {
        0 => 0,
        1 => 255,
        _ => (uint)rng.Next(256),
    };

    private static uint RandomWeight(Random rng) => rng.Next(6) switch
    {
        0 => 0,
        1 => 0xFFFF - (uint)rng.Next(1200),
        2 => (uint)rng.Next(4),
        _ => (uint)rng.Next(0x10000),
    };
}
