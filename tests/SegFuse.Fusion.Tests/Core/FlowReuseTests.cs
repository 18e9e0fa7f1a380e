using SegFuse.Fusion.Tests.Support;
using SegFuse.Timeline.Flow;

namespace SegFuse.Fusion.Tests.Core;

/// <summary>The fusion reader reads every frame's flow into a reused field: it must equal a fresh read, mask included.</summary>
public class FlowReuseTests
{
    [Theory]
    [InlineData(".flo")]
    [InlineData(".npy")]
    public void Reading_into_a_reused_field_equals_a_fresh_read_and_resets_the_mask(string extension)
    {
        using var dir = new TempDir();
        // 37 × 5 pixels: 370 floats, so the vector scan has a tail; unknown vectors on its vector part and its tail.
        var withUnknown = Field(37, 5, 1);
        withUnknown[3, 1] = (float.NaN, 0f);
        withUnknown[36, 4] = (0f, 2e9f);
        withUnknown[10, 2] = (float.PositiveInfinity, 1f);
        var known = Field(37, 5, 2);
        known[5, 0] = (1e9f, -1e9f);
        string a = Path.Combine(dir.Path, "a" + extension), b = Path.Combine(dir.Path, "b" + extension);
        FlowFile.Write(a, withUnknown);
        FlowFile.Write(b, known);

        var reuse = FlowFile.Read(b);
        Assert.False(reuse.HasValidMask);
        var read = FlowFile.Read(a, reuse);
        Assert.Same(reuse, read);
        AssertSame(FlowFile.Read(a), read);
        Assert.True(read.HasValidMask);
        Assert.False(read.IsValid(3, 1));
        Assert.False(read.IsValid(36, 4));
        Assert.False(read.IsValid(10, 2));
        Assert.True(read.IsValid(0, 0));

        // Back to a field without unknown vectors (±1e9 is still known): the old mask must not survive.
        read = FlowFile.Read(b, reuse);
        Assert.Same(reuse, read);
        Assert.False(read.HasValidMask);
        AssertSame(FlowFile.Read(b), read);

        // A field of another size is a new one.
        string c = Path.Combine(dir.Path, "c" + extension);
        FlowFile.Write(c, Field(8, 8, 3));
        var other = FlowFile.Read(c, reuse);
        Assert.NotSame(reuse, other);
        Assert.Equal((8, 8), (other.Width, other.Height));
    }

    private static FlowField Field(int w, int h, int seed)
    {
        var rng = new Random(seed);
        var f = new FlowField(w, h);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                f[x, y] = ((float)((rng.NextDouble() * 20) - 10), (float)((rng.NextDouble() * 20) - 10));
            }
        }

        return f;
    }

    private static void AssertSame(FlowField expected, FlowField actual)
    {
        Assert.Equal(expected.HasValidMask, actual.HasValidMask);
        for (int y = 0; y < expected.Height; y++)
        {
            for (int x = 0; x < expected.Width; x++)
            {
                Assert.Equal(expected.IsValid(x, y), actual.IsValid(x, y));
                if (expected.IsValid(x, y))
                {
                    Assert.Equal(expected[x, y], actual[x, y]);
                }
            }
        }
    }
}
