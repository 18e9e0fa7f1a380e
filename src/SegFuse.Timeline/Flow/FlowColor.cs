using OpenCvSharp;

namespace SegFuse.Timeline.Flow;

/// <summary>
/// The usual colour-wheel picture of a flow field (Baker et al., the Middlebury benchmark's colour coding): the hue is
/// the vector's direction, the saturation its length relative to a maximum (white = no motion); vectors longer than
/// the maximum are drawn darker, invalid vectors black.
/// </summary>
public static class FlowColor
{
    // The wheel: 55 hues in six ramps, red → yellow → green → cyan → blue → magenta → red.
    private static readonly float[] Wheel = BuildWheel();

    /// <summary>The largest vector length among the valid vectors of <paramref name="field"/> (0 for an all-zero field).</summary>
    public static float MaxMagnitude(FlowField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        float max = 0;
        for (int y = 0; y < field.Height; y++)
        {
            var row = field.GetRowSpan(y);
            for (int x = 0; x < field.Width; x++)
            {
                if (!field.IsValid(x, y))
                {
                    continue;
                }

                float u = row[x * 2], v = row[(x * 2) + 1];
                float m = MathF.Sqrt((u * u) + (v * v));
                if (m > max)
                {
                    max = m;
                }
            }
        }

        return max;
    }

    /// <summary>
    /// Draws <paramref name="field"/> into <paramref name="bgr"/> (8-bit BGR, reallocated to the field's size if needed),
    /// with <paramref name="maxMagnitude"/> pixels as full saturation.
    /// </summary>
    public static void Render(FlowField field, float maxMagnitude, Mat bgr)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(bgr);
        bgr.Create(field.Height, field.Width, MatType.CV_8UC3);
        float scale = maxMagnitude > 0 ? 1f / maxMagnitude : 1f;
        int columns = Wheel.Length / 3;
        for (int y = 0; y < field.Height; y++)
        {
            var src = field.GetRowSpan(y);
            var px = RowSpan(bgr, y, field.Width * 3);
            for (int x = 0; x < field.Width; x++)
            {
                float u = src[x * 2], v = src[(x * 2) + 1];
                if (!field.IsValid(x, y) || !float.IsFinite(u) || !float.IsFinite(v))
                {
                    px[x * 3] = px[(x * 3) + 1] = px[(x * 3) + 2] = 0;
                    continue;
                }

                u *= scale;
                v *= scale;
                float radius = MathF.Sqrt((u * u) + (v * v));

                // Direction → position on the wheel, blended between its two nearest hues.
                float angle = MathF.Atan2(-v, -u) / MathF.PI;
                float fk = (angle + 1f) / 2f * (columns - 1);
                int k0 = (int)fk;
                int k1 = (k0 + 1) % columns;
                float f = fk - k0;
                for (int c = 0; c < 3; c++)
                {
                    float col = ((1 - f) * Wheel[(k0 * 3) + c]) + (f * Wheel[(k1 * 3) + c]);

                    // Length → saturation: short vectors fade to white; beyond the maximum, darker.
                    col = radius <= 1 ? 1 - (radius * (1 - col)) : col * 0.75f;

                    // The wheel is RGB; the picture is BGR.
                    px[(x * 3) + (2 - c)] = (byte)Math.Clamp((int)MathF.Round(255 * col), 0, 255);
                }
            }
        }
    }

    private static unsafe Span<byte> RowSpan(Mat mat, int y, int length) => new((byte*)mat.Data + (y * mat.Step()), length);

    private static float[] BuildWheel()
    {
        (int Length, Func<int, int, (int R, int G, int B)> Color)[] ramps =
        [
            (15, (i, n) => (255, 255 * i / n, 0)),         // red → yellow
            (6, (i, n) => (255 - (255 * i / n), 255, 0)),  // yellow → green
            (4, (i, n) => (0, 255, 255 * i / n)),          // green → cyan
            (11, (i, n) => (0, 255 - (255 * i / n), 255)), // cyan → blue
            (13, (i, n) => (255 * i / n, 0, 255)),         // blue → magenta
            (6, (i, n) => (255, 0, 255 - (255 * i / n))),  // magenta → red
        ];
        var wheel = new List<float>();
        foreach (var (length, color) in ramps)
        {
            for (int i = 0; i < length; i++)
            {
                var (r, g, b) = color(i, length);
                wheel.Add(r / 255f);
                wheel.Add(g / 255f);
                wheel.Add(b / 255f);
            }
        }

        return [.. wheel];
    }
}
