using System.Numerics;
using System.Runtime.CompilerServices;

namespace SegFuse.Synthetic.Render;

/// <summary>
/// The sky, precomputed once per sequence as a panorama over azimuth (full circle) and the tangent of the
/// elevation. The sky is at infinity, so its colour is a function of the viewing direction only and the
/// lookup is exact for flow; a table lookup is much cheaper than evaluating clouds per pixel.
/// </summary>
internal sealed class SkyPanorama
{
    public const int Columns = 2048;
    public const int Rows = 384;
    public const float MaxTan = 1.2f;
    private readonly Vector3[] _texels = new Vector3[Columns * Rows];

    public SkyPanorama(Shading shading)
    {
        for (int r = 0; r < Rows; r++)
        {
            float q = r * MaxTan / (Rows - 1);
            for (int c = 0; c < Columns; c++)
            {
                float az = c * 2f * MathF.PI / Columns;
                _texels[(r * Columns) + c] = shading.Sky(MathF.Sin(az), q, MathF.Cos(az));
            }
        }
    }

    /// <summary>Panorama column of a horizontal direction (dx, dz).</summary>
    public static float Column(float dx, float dz)
    {
        float az = MathF.Atan2(dx, dz);
        if (az < 0)
        {
            az += 2f * MathF.PI;
        }

        return az * Columns / (2f * MathF.PI);
    }

    /// <summary>Colour at panorama column <paramref name="column"/> and elevation tangent <paramref name="tan"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector3 Sample(float column, float tan)
    {
        float row = Math.Clamp(tan, 0f, MaxTan) * (Rows - 1) / MaxTan;
        int r0 = Math.Min((int)row, Rows - 2);
        float fr = row - r0;
        int c0 = (int)column;
        float fc = column - c0;
        c0 &= Columns - 1;
        int c1 = (c0 + 1) & (Columns - 1);
        ref Vector3 t = ref _texels[0];
        var top = Vector3.Lerp(Unsafe.Add(ref t, (r0 * Columns) + c0), Unsafe.Add(ref t, (r0 * Columns) + c1), fc);
        var bottom = Vector3.Lerp(Unsafe.Add(ref t, ((r0 + 1) * Columns) + c0), Unsafe.Add(ref t, ((r0 + 1) * Columns) + c1), fc);
        return Vector3.Lerp(top, bottom, fr);
    }
}
