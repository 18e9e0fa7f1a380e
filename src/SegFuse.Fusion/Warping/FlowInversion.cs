using SegFuse.Timeline.Flow;

namespace SegFuse.Fusion.Warping;

/// <summary>
/// Turns the flow of one direction into an estimate of the other when only one is given: every pixel x of frame a
/// with flow d(x) into frame b is splatted to the nearest pixel of b, which gets −d(x). Pixels of b that nothing
/// lands on (disocclusions) are filled from a valid neighbour on the same row within two pixels, else marked invalid.
/// </summary>
/// <remarks>Where several pixels land on one, the one with the larger displacement wins (in a driving scene nearer
/// things move more in the image, and the nearer surface is the visible one). Sequential and deterministic.</remarks>
internal static class FlowInversion
{
    /// <summary>Writes the inverse of <paramref name="flow"/> into <paramref name="result"/> (same size), with a validity mask.</summary>
    public static void Invert(FlowField flow, FlowField result)
    {
        int w = flow.Width, h = flow.Height;
        var src = flow.Span;
        ReadOnlySpan<byte> srcValid = flow.HasValidMask ? flow.ValidMask : default;
        var dst = result.Span;
        var valid = result.ValidMask;
        valid.Clear();
        dst.Clear();
        Span<float> best = w * h <= 1 << 16 ? stackalloc float[w * h] : new float[w * h];
        best.Fill(-1f);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = (y * w) + x;
                if (!srcValid.IsEmpty && srcValid[i] == 0)
                {
                    continue;
                }

                float u = src[2 * i], v = src[(2 * i) + 1];
                float px = x + u + 0.5f, py = y + v + 0.5f;
                if (!(px >= 0 && px < w && py >= 0 && py < h))
                {
                    continue;
                }

                int j = ((int)py * w) + (int)px;
                float m = (u * u) + (v * v);
                if (m > best[j])
                {
                    best[j] = m;
                    dst[2 * j] = -u;
                    dst[(2 * j) + 1] = -v;
                    valid[j] = 1;
                }
            }
        }

        // Fill one- and two-pixel holes (rounding gaps of a stretching flow) from the same row.
        for (int y = 0; y < h; y++)
        {
            int row = y * w;
            for (int x = 0; x < w; x++)
            {
                int i = row + x;
                if (valid[i] != 0)
                {
                    continue;
                }

                for (int k = 1; k <= 2; k++)
                {
                    int j = x - k >= 0 && valid[i - k] == 1 ? i - k : x + k < w && valid[i + k] == 1 ? i + k : -1;
                    if (j >= 0)
                    {
                        dst[2 * i] = dst[2 * j];
                        dst[(2 * i) + 1] = dst[(2 * j) + 1];
                        valid[i] = 2;
                        break;
                    }
                }
            }
        }

        for (int i = 0; i < valid.Length; i++)
        {
            valid[i] = valid[i] != 0 ? (byte)1 : (byte)0;
        }
    }
}
