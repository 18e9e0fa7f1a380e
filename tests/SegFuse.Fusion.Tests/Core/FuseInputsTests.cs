using SegFuse.Fusion.IO;
using SegFuse.Labels;

namespace SegFuse.Fusion.Tests.Core;

public class FuseInputsTests
{
    [Theory]
    [InlineData(160, 96, 1)]
    [InlineData(640, 360, 1)]
    [InlineData(960, 539, 1)]
    [InlineData(1280, 720, 2)]
    [InlineData(1920, 1080, 3)]
    [InlineData(720, 1280, 2)]
    public void Computed_flow_downscale_follows_the_short_side_unless_given(int width, int height, int expected)
    {
        var inputs = new FuseInputs { Video = "v.mp4", Predictions = "pred", Labels = LabelSet.Load("cityscapes-trainids") };
        Assert.Equal(expected, inputs.ComputeDownscaleFor(width, height));
        Assert.Equal(1, (inputs with { ComputeDownscale = 1 }).ComputeDownscaleFor(width, height));
        Assert.Equal(4, (inputs with { ComputeDownscale = 4 }).ComputeDownscaleFor(width, height));
    }
}
