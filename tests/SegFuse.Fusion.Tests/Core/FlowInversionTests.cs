using SegFuse.Fusion.Warping;
using SegFuse.Timeline.Flow;

namespace SegFuse.Fusion.Tests.Core;

public class FlowInversionTests
{
    [Fact]
    public void Inverting_a_translation_gives_the_opposite_translation_and_marks_uncovered_pixels_invalid()
    {
        var flow = new FlowField(32, 20);
        for (int y = 0; y < 20; y++)
        {
            for (int x = 0; x < 32; x++)
            {
                flow[x, y] = (3f, -1f);
            }
        }

        var inverse = new FlowField(32, 20);
        FlowInversion.Invert(flow, inverse);
        for (int y = 0; y < 19; y++)
        {
            for (int x = 3; x < 32; x++)
            {
                Assert.True(inverse.IsValid(x, y));
                Assert.Equal((-3f, 1f), inverse[x, y]);
            }
        }

        // Nothing lands on the first three columns (and the last row): more than two pixels from any valid one on the row.
        Assert.False(inverse.IsValid(0, 5));
        Assert.False(inverse.IsValid(5, 19));
    }
}
