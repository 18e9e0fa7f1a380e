using System.Runtime.CompilerServices;

namespace SegFuse.Synthetic.Util;

/// <summary>
/// Smooth 2D value noise on a 256×256 periodic lattice (a table lookup and a bilinear blend with a
/// cubic fade), and fractal sums of it with level-of-detail: octaves finer than the pixel footprint
/// fade out, so far or grazing surfaces do not alias and shimmer from frame to frame.
/// </summary>
internal sealed class ValueNoise
{
    private const int Size = 256;
    private const int Mask = Size - 1;
    private readonly float[] _lattice = new float[Size * Size];

    public ValueNoise(ulong seed)
    {
        var rng = new Rng(seed);
        for (int i = 0; i < _lattice.Length; i++)
        {
            _lattice[i] = (float)((rng.NextDouble() * 2.0) - 1.0);
        }
    }

    /// <summary>Noise in [-1, 1] with features about one unit apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Sample(float x, float y)
    {
        float fx = MathF.Floor(x);
        float fy = MathF.Floor(y);
        int ix = (int)fx & Mask;
        int iy = (int)fy & Mask;
        float tx = x - fx;
        float ty = y - fy;
        tx = tx * tx * (3f - (2f * tx));
        ty = ty * ty * (3f - (2f * ty));
        int ix1 = (ix + 1) & Mask;
        int row0 = iy * Size;
        int row1 = ((iy + 1) & Mask) * Size;
        ref float l = ref _lattice[0];
        float a = Unsafe.Add(ref l, row0 + ix);
        float b = Unsafe.Add(ref l, row0 + ix1);
        float c = Unsafe.Add(ref l, row1 + ix);
        float d = Unsafe.Add(ref l, row1 + ix1);
        float top = a + ((b - a) * tx);
        float bottom = c + ((d - c) * tx);
        return top + ((bottom - top) * ty);
    }

    /// <summary>
    /// Fractal noise in about [-1, 1]: <paramref name="octaves"/> octaves starting at <paramref name="frequency"/>
    /// cycles per metre, each half the amplitude of the last. <paramref name="footprint"/> is the size of a pixel on the
    /// surface in metres; an octave is faded out between 0.25 and 0.5 cycles per pixel.
    /// </summary>
    public float Fbm(float x, float y, float frequency, int octaves, float footprint)
    {
        float sum = 0f;
        float amplitude = 1f;
        for (int o = 0; o < octaves; o++)
        {
            // Octaves get finer: once one is below the pixel footprint, so are all the others.
            float weight = Lod(frequency * footprint);
            if (weight <= 0f)
            {
                break;
            }

            sum += amplitude * weight * Sample((x * frequency) + (o * 37.13f), (y * frequency) + (o * 91.71f));
            amplitude *= 0.5f;
            frequency *= 2f;
        }

        // Normalised by the amplitude of all octaves, visible or not, so fading detail lowers contrast (box filtering).
        return sum / (2f * (1f - MathF.Pow(0.5f, octaves)));
    }

    /// <summary>How much of a pattern of <paramref name="cyclesPerPixel"/> to keep: 1 below 0.25, 0 above 0.5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Lod(float cyclesPerPixel) => Math.Clamp(2f - (cyclesPerPixel * 4f), 0f, 1f);
}
