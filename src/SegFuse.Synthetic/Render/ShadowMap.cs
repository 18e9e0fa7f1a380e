using System.Numerics;
using System.Runtime.CompilerServices;
using SegFuse.Synthetic.Scene;

namespace SegFuse.Synthetic.Render;

/// <summary>
/// Cast shadows of the static city (buildings, walls, fences, hedges, trees) on the ground, precomputed once on a
/// 0.5 m grid around the route by tracing a ray towards the sun from each cell, and looked up with bilinear
/// filtering (a soft edge of about one cell). Tree crowns let part of the light through. Static, so a surface point
/// keeps its shade from frame to frame. Outside the grid the ground is lit.
/// </summary>
internal sealed class ShadowMap
{
    public const float Cell = 0.5f;
    private const float Bucket = 8f;
    private readonly float _x0;
    private readonly float _z0;
    private readonly int _w;
    private readonly int _h;
    private readonly byte[] _light;

    /// <param name="prisms">The static prisms (casters are picked by material).</param>
    /// <param name="sun">Unit vector towards the sun.</param>
    /// <param name="minX">West edge of the area to cover.</param>
    /// <param name="maxX">East edge.</param>
    /// <param name="minZ">South edge.</param>
    /// <param name="maxZ">North edge.</param>
    public ShadowMap(IReadOnlyList<Prism> prisms, Vector3 sun, float minX, float maxX, float minZ, float maxZ)
    {
        _x0 = minX;
        _z0 = minZ;
        _w = Math.Max(2, (int)MathF.Ceiling((maxX - minX) / Cell) + 1);
        _h = Math.Max(2, (int)MathF.Ceiling((maxZ - minZ) / Cell) + 1);
        _light = new byte[_w * _h];

        // Bucket the casters on a coarse grid so each cell tests only the prisms near its ray.
        int bw = (int)MathF.Ceiling((maxX - minX + 120) / Bucket) + 1, bh = (int)MathF.Ceiling((maxZ - minZ + 120) / Bucket) + 1;
        float bx0 = minX - 60, bz0 = minZ - 60;
        var buckets = new List<int>[bw * bh];
        float top = 0;
        for (int i = 0; i < prisms.Count; i++)
        {
            var p = prisms[i];
            if (!Casts(p.Material))
            {
                continue;
            }

            top = MathF.Max(top, p.Y1);
            int ax = (int)MathF.Floor((p.X0 - bx0) / Bucket), bxe = (int)MathF.Floor((p.X1 - bx0) / Bucket);
            int az = (int)MathF.Floor((p.Z0 - bz0) / Bucket), bze = (int)MathF.Floor((p.Z1 - bz0) / Bucket);
            for (int gx = Math.Max(ax, 0); gx <= Math.Min(bxe, bw - 1); gx++)
            {
                for (int gz = Math.Max(az, 0); gz <= Math.Min(bze, bh - 1); gz++)
                {
                    (buckets[(gz * bw) + gx] ??= []).Add(i);
                }
            }
        }

        float horizontal = MathF.Sqrt((sun.X * sun.X) + (sun.Z * sun.Z));
        float reach = top / (sun.Y / horizontal) + Bucket;
        var op = new TraceRows(this, prisms, buckets, bw, bh, bx0, bz0, sun, reach);
        Util.ParallelRows.For(_h, in op);
    }

    private static bool Casts(Material m) => m is Material.Building or Material.Wall or Material.Fence or Material.Hedge or Material.Trunk or Material.Canopy;

    /// <summary>How much direct sunlight reaches the ground at (x, z): 0 in full shadow, 1 lit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Sunlight(float x, float z)
    {
        float gx = (x - _x0) / Cell, gz = (z - _z0) / Cell;
        if (gx < 0 || gz < 0 || gx >= _w - 1 || gz >= _h - 1)
        {
            return 1f;
        }

        int ix = (int)gx, iz = (int)gz;
        float fx = gx - ix, fz = gz - iz;
        int i = (iz * _w) + ix;
        float a = _light[i] + ((_light[i + 1] - _light[i]) * fx);
        float b = _light[i + _w] + ((_light[i + _w + 1] - _light[i + _w]) * fx);
        return (a + ((b - a) * fz)) * (1f / 255f);
    }

    private readonly struct TraceRows(ShadowMap map, IReadOnlyList<Prism> prisms, List<int>[] buckets, int bw, int bh, float bx0, float bz0, Vector3 sun, float reach) : Util.IRowOperation
    {
        public void Invoke(int row)
        {
            float z = map._z0 + (row * Cell);
            float hx = sun.X, hz = sun.Z, hl = MathF.Sqrt((hx * hx) + (hz * hz));
            hx /= hl;
            hz /= hl;
            Span<int> seen = stackalloc int[64];
            for (int col = 0; col < map._w; col++)
            {
                float x = map._x0 + (col * Cell);
                float light = 1f;
                int seenCount = 0;

                // Walk the buckets under the ray's horizontal path, out to where it rises above the tallest caster.
                for (float d = 0; d <= reach && light > 0; d += Bucket * 0.5f)
                {
                    int gx = (int)MathF.Floor((x + (hx * d) - bx0) / Bucket), gz = (int)MathF.Floor((z + (hz * d) - bz0) / Bucket);
                    if ((uint)gx >= (uint)bw || (uint)gz >= (uint)bh)
                    {
                        break;
                    }

                    int b = (gz * bw) + gx;
                    if (seen[..seenCount].Contains(b) || buckets[b] is not { } list)
                    {
                        continue;
                    }

                    if (seenCount < seen.Length)
                    {
                        seen[seenCount++] = b;
                    }

                    foreach (int i in list)
                    {
                        var p = prisms[i];
                        if (Hits(in p, x, 0.16f, z, sun))
                        {
                            light = p.Material == Material.Canopy ? light * 0.45f : 0f;
                            if (light == 0)
                            {
                                break;
                            }
                        }
                    }
                }

                map._light[(row * map._w) + col] = (byte)(light * 255f);
            }
        }

        /// <summary>Whether the ray from (x, y, z) towards the sun passes through the box.</summary>
        private static bool Hits(in Prism p, float x, float y, float z, Vector3 d)
        {
            float t0 = 1e-3f, t1 = float.MaxValue;
            if (!Slab(x, d.X, p.X0, p.X1, ref t0, ref t1) || !Slab(y, d.Y, p.Y0, p.Y1, ref t0, ref t1) || !Slab(z, d.Z, p.Z0, p.Z1, ref t0, ref t1))
            {
                return false;
            }

            return t0 <= t1;
        }

        private static bool Slab(float o, float d, float lo, float hi, ref float t0, ref float t1)
        {
            if (MathF.Abs(d) < 1e-9f)
            {
                return o >= lo && o <= hi;
            }

            float a = (lo - o) / d, b = (hi - o) / d;
            if (a > b)
            {
                (a, b) = (b, a);
            }

            t0 = MathF.Max(t0, a);
            t1 = MathF.Min(t1, b);
            return t0 <= t1;
        }
    }
}
