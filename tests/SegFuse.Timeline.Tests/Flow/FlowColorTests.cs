using OpenCvSharp;
using SegFuse.Timeline.Flow;

namespace SegFuse.Timeline.Tests.Flow;

public class FlowColorTests
{
    private static Vec3b Colour(float u, float v, float max, bool valid = true)
    {
        var field = new FlowField(2, 1);
        field[0, 0] = (u, v);
        field[1, 0] = (max, 0);
        if (!valid)
        {
            field.ValidMask[0] = 0;
        }

        using var bgr = new Mat();
        FlowColor.Render(field, max, bgr);
        return bgr.At<Vec3b>(0, 0);
    }

    [Fact]
    public void No_motion_is_white_and_invalid_is_black()
    {
        Assert.Equal(new Vec3b(255, 255, 255), Colour(0, 0, 4));
        Assert.Equal(new Vec3b(0, 0, 0), Colour(3, 1, 4, valid: false));
    }

    [Fact]
    public void Directions_follow_the_middlebury_wheel()
    {
        var right = Colour(4, 0, 4);   // red
        Assert.True(right.Item2 == 255 && right.Item1 < 10, $"right is {right}");
        var left = Colour(-4, 0, 4);   // cyan-blue
        Assert.True(left.Item2 == 0 && left.Item0 == 255 && left.Item1 > 150, $"left is {left}");
        var down = Colour(0, 4, 4);    // yellow
        Assert.True(down.Item2 == 255 && down.Item1 > 200 && down.Item0 == 0, $"down is {down}");
        var up = Colour(0, -4, 4);     // violet
        Assert.True(up.Item0 == 255 && up.Item1 == 0, $"up is {up}");
    }

    [Fact]
    public void Shorter_vectors_are_paler_and_longer_than_max_darker()
    {
        var full = Colour(4, 0, 4);
        var half = Colour(2, 0, 4);
        var over = Colour(8, 0, 4);
        Assert.True(half.Item1 > full.Item1 && half.Item0 > full.Item0);
        Assert.True(over.Item2 < full.Item2);
        Assert.Equal(8f, FlowColor.MaxMagnitude(new FlowField(1, 1) { [0, 0] = (0, 8) }));
    }
}
