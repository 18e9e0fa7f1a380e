using SegFuse.Timeline.Flow;

namespace SegFuse.Timeline.Tests.Flow;

public class FlowVectorScaleTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(34)]
    [InlineData(1002)]
    public void Vectors_are_scaled_per_axis_like_the_scalar_loop(int floats)
    {
        var data = new float[floats];
        for (int i = 0; i < floats; i++)
        {
            data[i] = (i * 0.37f) - 5;
        }

        var expected = (float[])data.Clone();
        for (int i = 0; i < floats; i += 2)
        {
            expected[i] *= 2.5f;
            expected[i + 1] *= 1.75f;
        }

        FlowEstimator.ScaleVectors(data, 2.5f, 1.75f);
        Assert.Equal(expected, data);
    }
}
