using SegFuse.Fusion.Metrics;
using SegFuse.Fusion.Tests.Support;
using SegFuse.Scoring;
using SegFuse.Timeline.Flow;

namespace SegFuse.Cli.Tests.Demo;

/// <summary>The library hooks the demo added: TC on chosen target frames.</summary>
public class DemoLibraryTests
{
    private static SampleFixture Sample => SampleFixture.Get(96, 64, 60, seed: 3);

    [Fact]
    public void Tc_of_two_disjoint_frame_sets_merges_into_the_tc_of_all_frames()
    {
        var s = Sample;
        TcResult Run(IReadOnlySet<int>? targets) => TemporalConsistency.Measure(new TcInputs
        {
            Predictions = s.Pred,
            Labels = SampleFixture.Labels,
            Flow = s.FlowBw,
            FlowDirection = FlowDirection.Backward,
            FlowOther = s.FlowFw,
            Video = s.Video,
            TargetFrames = targets,
        });

        var all = Run(null);
        var early = Run(Enumerable.Range(1, 29).ToHashSet());
        var late = Run(Enumerable.Range(30, 30).ToHashSet());
        Assert.Equal(59, all.Pairs);
        Assert.Equal(29, early.Pairs);
        Assert.Equal(30, late.Pairs);

        var merged = new JaccardAccumulator(SampleFixture.Labels);
        merged.Merge(early.Unmasked.Accumulator);
        merged.Merge(late.Unmasked.Accumulator);
        for (int g = 0; g < merged.ClassCount; g++)
        {
            for (int p = 0; p < merged.ClassCount; p++)
            {
                Assert.Equal(all.Unmasked.Accumulator[g, p], merged[g, p]);
            }
        }

        Assert.Equal(all.Tc, ScoreReport.From(merged).AverageClassIou, 12);
        Assert.NotEqual(early.Tc, late.Tc);
    }
}
