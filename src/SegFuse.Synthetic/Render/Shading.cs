using System.Numerics;
using System.Runtime.CompilerServices;
using SegFuse.Synthetic.Scene;
using SegFuse.Synthetic.Util;

namespace SegFuse.Synthetic.Render;

/// <summary>Which face of a prism a ray hit.</summary>
internal enum Face : byte
{
    /// <summary>A vertical face whose normal is along x.</summary>
    SideX,

    /// <summary>A vertical face whose normal is along z.</summary>
    SideZ,
    Top,
    Bottom,
}

/// <summary>
/// Procedural textures. Every pattern is a function of coordinates fixed to the surface (world
/// coordinates for the static city, coordinates relative to the prism for movers), so texture moves
/// exactly with the surface and optical flow can track it. Patterns are box-filtered over the pixel's
/// footprint (periodic pulses integrate exactly; noise octaves fade out), so far surfaces do not alias.
/// Shading is view-independent (no specular), so a surface point keeps its colour from frame to frame.
/// </summary>
internal sealed class Shading
{
    /// <summary>Unit vector towards the sun (high in the south-east of the start heading).</summary>
    public static readonly Vector3 SunDir = Vector3.Normalize(new Vector3(0.5f, 0.75f, -0.42f));
    private readonly ValueNoise _noise;
    private readonly Zebra[] _zebras;
    private readonly ShadowMap? _shadows;

    public Shading(ValueNoise noise, IReadOnlyList<Zebra> zebras, ShadowMap? shadows = null)
    {
        _noise = noise;
        _zebras = [.. zebras];
        _shadows = shadows;
    }

    /// <summary>Brightness of the ground (road, sidewalk and grass tops) at (x, z): sky light plus the sun where no shadow falls.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float GroundLight(float x, float z) => 0.58f + (0.5f * SunDir.Y * (_shadows?.Sunlight(x, z) ?? 1f));

    public static Vector3 Haze => new(0.80f, 0.84f, 0.89f);

    /// <summary>Brightness of a face from the fixed sun and a sky ambient term.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Light(Face face, float normalSign)
    {
        float nl = face switch
        {
            Face.SideX => normalSign * SunDir.X,
            Face.SideZ => normalSign * SunDir.Z,
            Face.Top => SunDir.Y,
            _ => -0.3f,
        };
        return 0.58f + (0.5f * MathF.Max(nl, 0f));
    }

    /// <summary>Box-filtered coverage of the pulse [a, b) repeating every <paramref name="period"/>, for a pixel of width <paramref name="fp"/> at <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Pulse(float x, float period, float a, float b, float fp)
    {
        fp = MathF.Max(fp, 1e-4f);
        float half = fp * 0.5f;
        return (PulseIntegral(x + half, period, a, b) - PulseIntegral(x - half, period, a, b)) / fp;
    }

    /// <summary>Box-filtered coverage of the single interval [a, b].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Band(float x, float a, float b, float fp)
    {
        fp = MathF.Max(fp, 1e-4f);
        float half = fp * 0.5f;
        float lo = MathF.Max(x - half, a), hi = MathF.Min(x + half, b);
        return Math.Clamp((hi - lo) / fp, 0f, 1f);
    }

    private static float PulseIntegral(float x, float period, float a, float b)
    {
        float cell = MathF.Floor(x / period);
        float r = x - (cell * period);
        return (cell * (b - a)) + Math.Clamp(r - a, 0f, b - a);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector3 Rgb(uint packed) => new(((packed >> 16) & 0xFF) / 255f, ((packed >> 8) & 0xFF) / 255f, (packed & 0xFF) / 255f);

    /// <summary>Colour of the road at world (x, z); <paramref name="fpx"/>, <paramref name="fpz"/> are the pixel's footprint along x and z.</summary>
    public Vector3 Road(float x, float z, float fpx, float fpz)
    {
        float fp = MathF.Max(fpx, fpz);
        // Large repairs, mid-scale stains and fine grain: real asphalt has structure at every scale, which gives
        // flow methods something to hold on to where the road moves fastest (near the camera).
        float patches = _noise.Sample(x * 0.07f, z * 0.07f);
        float stains = _noise.Fbm(x + 517f, z + 211f, 0.45f, 3, fp);
        float grain = _noise.Fbm(x, z, 2.5f, 3, MathF.Min(fpx, fpz));
        float lx = x - (MathF.Round(x / City.PitchX) * City.PitchX);
        float lz = z - (MathF.Round(z / City.PitchZ) * City.PitchZ);
        bool onZ = MathF.Abs(lx) < City.RoadHalfWidth;
        bool onX = MathF.Abs(lz) < City.RoadHalfWidth;
        float wear = 0;
        float paint = 0;
        if (onZ && !onX)
        {
            wear = Tracks(lx);
            paint = Markings(lx, z, lz, fpx, fpz, 1);
        }
        else if (onX && !onZ)
        {
            wear = Tracks(lz);
            paint = Markings(lz, x, lx, fpz, fpx, 0);
        }

        float v = 0.31f + (0.035f * patches) + (0.07f * stains) + (0.07f * grain) - (0.03f * wear) + Repairs(x, z, fpx, fpz);
        var asphalt = new Vector3(v, v, v * 1.04f);
        if (paint > 0)
        {
            float worn = 0.9f + (0.25f * grain);
            asphalt = Vector3.Lerp(asphalt, new Vector3(0.86f, 0.86f, 0.83f) * worn, paint);
        }

        return asphalt;
    }

    /// <summary>
    /// Rectangular repair patches of lighter or darker asphalt, one chance in three per 5 m cell, with crisp (box-filtered)
    /// edges: the large, high-contrast features that coarse pyramid levels of a flow method need.
    /// </summary>
    private static float Repairs(float x, float z, float fpx, float fpz)
    {
        const float Size = 5f;
        int cx = (int)MathF.Floor(x / Size), cz = (int)MathF.Floor(z / Size);
        uint h = Hash.Of(cx, cz, 0x7A7C);
        if ((h & 3) != 0)
        {
            return 0f;
        }

        float x0 = (cx * Size) + (Hash.Unit(h * 3u) * 2f), x1 = x0 + 1f + (Hash.Unit(h * 5u) * 2f);
        float z0 = (cz * Size) + (Hash.Unit(h * 7u) * 2f), z1 = z0 + 1f + (Hash.Unit(h * 11u) * 2.5f);
        float inside = Band(x, x0, x1, fpx) * Band(z, z0, z1, fpz);
        return inside * (Hash.Unit(h * 13u) < 0.5f ? -0.07f : 0.06f);
    }

    private static float Tracks(float lateral)
    {
        // Two darker tyre tracks per lane (a cheap smooth bump instead of a Gaussian).
        float d = MathF.Abs(MathF.Abs(lateral) - City.LaneOffset) - 0.78f;
        float q = 1f - (d * d / 0.16f);
        return q > 0 ? q * q : 0f;
    }

    /// <summary>
    /// Paint on a straight road: <paramref name="lat"/> across it, <paramref name="along"/> along it, and
    /// <paramref name="cross"/> the offset from the nearest crossing road's centre line. Each mark is only
    /// evaluated near where it can be.
    /// </summary>
    private float Markings(float lat, float along, float cross, float fpLat, float fpAlong, byte axis)
    {
        float absLat = MathF.Abs(lat), absCross = MathF.Abs(cross);
        float paint = 0;

        // Centre line: 3 m dashes every 9 m; solid edge lines between driving and parking lanes.
        if (absLat < 0.06f + fpLat)
        {
            paint += Band(lat, -0.06f, 0.06f, fpLat) * Pulse(along, 9f, 0f, 3f, fpAlong);
        }

        if (MathF.Abs(absLat - City.EdgeLineOffset) < 0.06f + fpLat && absCross > City.RoadHalfWidth + City.CrosswalkWidth)
        {
            paint += Band(absLat, City.EdgeLineOffset - 0.06f, City.EdgeLineOffset + 0.06f, fpLat);
        }

        if (absLat < City.RoadHalfWidth - 0.5f)
        {
            // Crosswalk stripes next to the intersection and on zebras away from it.
            bool crosswalk = absCross > City.RoadHalfWidth + 0.3f && absCross < City.RoadHalfWidth + City.CrosswalkWidth - 0.3f;
            if (!crosswalk)
            {
                for (int k = 0; k < _zebras.Length; k++)
                {
                    if (_zebras[k].RoadAxis == axis && MathF.Abs(along - _zebras[k].Along) < (City.CrosswalkWidth / 2) - 0.3f)
                    {
                        crosswalk = true;
                    }
                }
            }

            if (crosswalk)
            {
                paint += Pulse(lat + 0.25f, 1.0f, 0f, 0.5f, fpLat);
            }
        }

        // Stop line before the crosswalk on the incoming lane (traffic on lat > 0 drives towards +along).
        const float Stop = City.RoadHalfWidth + City.CrosswalkWidth + 0.4f;
        if (absCross > Stop - fpAlong && absCross < Stop + 0.4f + fpAlong && absLat < City.EdgeLineOffset && absLat > 0.1f)
        {
            bool incoming = axis == 1 ? (lat > 0 == cross < 0) : (lat < 0 == cross < 0);
            if (incoming)
            {
                paint += Band(absCross, Stop, Stop + 0.4f, fpAlong);
            }
        }

        return Math.Clamp(paint, 0f, 1f);
    }

    /// <summary>Sky colour along direction (dx, dy, dz): a gradient from haze at the horizon to blue, with clouds at infinity.</summary>
    public Vector3 Sky(float dx, float dy, float dz)
    {
        float horizontal = MathF.Sqrt((dx * dx) + (dz * dz));
        float elevation = MathF.Atan2(dy, horizontal);
        float azimuth = MathF.Atan2(dx, dz);
        float e = Math.Clamp(elevation / 0.9f, 0f, 1f);
        var zenith = new Vector3(0.36f, 0.56f, 0.86f);
        var color = Vector3.Lerp(Haze, zenith, MathF.Sqrt(e));

        // Clouds on a sphere at infinity: a function of direction only.
        float cu = azimuth * 9f, cv = MathF.Log(MathF.Max(elevation, 0.004f)) * 6f;
        float cloud = _noise.Fbm(cu + 131f, cv + 57f, 0.6f, 4, 0.02f);
        float cover = Math.Clamp((cloud - 0.02f) * 2.6f, 0f, 1f) * (1f - (0.5f * e));
        float shade = 0.82f + (0.18f * _noise.Sample((cu * 1.7f) + 11f, cv * 1.7f));
        return Vector3.Lerp(color, new Vector3(0.93f, 0.94f, 0.95f) * shade, cover);
    }

    /// <summary>
    /// Colour and label of a prism surface. (<paramref name="s"/>, <paramref name="t"/>) are face coordinates relative to the
    /// prism's corner (along the face and up, or x and z on top/bottom); <paramref name="wx"/>, <paramref name="wz"/> world position.
    /// </summary>
    public Vector3 Surface(in Prism p, Face face, float normalSign, float s, float t, float wx, float wy, float wz, float fpS, float fpT, out byte label)
    {
        label = p.Label;
        float fp = MathF.Max(fpS, fpT);
        uint seed = p.Seed;
        float ox = (seed & 0xFF) * 0.731f, oz = ((seed >> 8) & 0xFF) * 0.617f;
        bool side = face is Face.SideX or Face.SideZ;
        float faceWidth = face == Face.SideX ? p.Z1 - p.Z0 : p.X1 - p.X0;
        Vector3 c;
        switch (p.Material)
        {
            case Material.Block:
                c = side ? Kerb(s + wx, t, fp) : BlockTop(in p, wx, wz, fpS, fpT, ref label);
                break;
            case Material.TreePit:
                c = side ? Kerb(s, t, fp) : Soil(wx, wz, fp);
                break;
            case Material.Building:
                c = side ? Facade(in p, s + ox, t, fpS, fpT) : Rgb(p.Color0) * 0.6f;
                break;
            case Material.Wall:
            {
                float n = _noise.Fbm(s + ox, t + oz, 0.9f, 3, fp);
                float joints = Pulse(t, 0.42f, 0.40f, 0.42f, fpT) + Pulse(s + (MathF.Floor(t / 0.42f) * 0.6f), 1.2f, 1.18f, 1.2f, fpS);
                c = (Rgb(p.Color0) * (0.92f + (0.12f * n))) * (1f - (0.25f * Math.Clamp(joints, 0f, 1f)));
                break;
            }

            case Material.Fence:
            {
                float planks = Pulse(s, 0.16f, 0.14f, 0.16f, fpS);
                float rails = Band(t, 0.25f, 0.33f, fpT) + Band(t, (p.Y1 - p.Y0) - 0.35f, (p.Y1 - p.Y0) - 0.27f, fpT);
                float n = _noise.Fbm(s * 0.3f, t * 4f, 2f, 2, fp);
                c = Rgb(p.Color0) * (0.9f + (0.12f * n)) * (1f - (0.45f * planks)) * (1f + (0.15f * Math.Clamp(rails, 0f, 1f)));
                break;
            }

            case Material.Hedge:
                c = Leaves(s + wx + ox, t + wz, p.Color0, 0x24381A, fp, 2.2f) * (0.78f + (0.22f * Math.Clamp(t / MathF.Max(p.Y1 - p.Y0, 0.1f), 0f, 1f)));
                break;
            case Material.Trunk:
            {
                float n = _noise.Fbm((s + ox) * 6f, t * 0.7f, 1.5f, 3, fp);
                c = Rgb(p.Color0) * (0.85f + (0.3f * n));
                break;
            }

            case Material.Canopy:
            {
                float h = Math.Clamp(t / MathF.Max(p.Y1 - p.Y0, 0.1f), 0f, 1f);
                c = Leaves(side ? s + ox : s + ox, side ? t + oz : t + oz, p.Color0, p.Color1, fp, 1.6f) * (face == Face.Bottom ? 0.55f : 0.72f + (0.3f * h));
                break;
            }

            case Material.Pole:
            {
                float n = _noise.Fbm(t * 0.5f, s * 8f + ox, 1f, 2, fp);
                c = Rgb(p.Color0) * (0.9f + (0.1f * n));
                break;
            }

            case Material.SignPlate:
                c = Sign(in p, face, normalSign, s, t, fpS, fpT);
                break;
            case Material.TrafficLight:
                c = TrafficLight(in p, face, s, t, faceWidth, fp);
                break;
            case Material.CarBody:
                c = CarBody(in p, face, normalSign, s, t, faceWidth, fpS, fpT);
                break;
            case Material.CarCabin:
                c = Cabin(in p, face, s, t, faceWidth, fpS, fpT);
                break;
            case Material.TruckBox:
            {
                float panels = Pulse(s, 1.2f, 1.16f, 1.2f, fpS);
                float n = _noise.Fbm(s + ox, t + oz, 0.8f, 2, fp);
                c = Rgb(p.Color0) * (0.95f + (0.08f * n)) * (1f - (0.3f * panels));
                c = Vector3.Lerp(c, new Vector3(0.12f), Band(t, -1f, 0.12f, fpT));
                break;
            }

            case Material.Bus:
                c = Bus(in p, face, s, t, faceWidth, fpS, fpT);
                break;
            case Material.Person:
            case Material.Rider:
                c = Clothes(in p, face, s, t, fp);
                break;
            case Material.Bicycle:
                c = Rgb(p.Color0) * (0.8f + (0.2f * _noise.Sample(s * 5f, t * 5f)));
                break;
            default:
                c = Rgb(p.Color0) * (0.85f + (0.15f * _noise.Fbm(s + ox, t + oz, 1.5f, 2, fp)));
                break;
        }

        float light = face == Face.Top && p.Material is Material.Block or Material.TreePit ? GroundLight(wx, wz) : Light(face, normalSign);

        // Ambient occlusion: vertical surfaces darken towards the ground.
        if (side && wy < 2.5f)
        {
            light *= 1f - (0.22f * MathF.Exp(-wy * 2.2f));
        }

        return c * light;
    }

    private Vector3 Kerb(float s, float t, float fp)
    {
        float n = _noise.Fbm(s * 2f, t * 2f, 1.5f, 2, fp);
        float joints = Pulse(s, 1.0f, 0.98f, 1.0f, fp);
        return new Vector3(0.66f, 0.66f, 0.64f) * (0.93f + (0.1f * n)) * (1f - (0.3f * joints));
    }

    private Vector3 BlockTop(in Prism p, float x, float z, float fpx, float fpz, ref byte label)
    {
        float edge = MathF.Min(MathF.Min(x - p.X0, p.X1 - x), MathF.Min(z - p.Z0, p.Z1 - z));
        float fp = MathF.Max(fpx, fpz);
        if (edge > p.Param)
        {
            label = TrainIds.Terrain;
            return Grass(x, z, fp);
        }

        label = TrainIds.Sidewalk;
        if (edge < 0.25f)
        {
            return Kerb(x + z, edge, fp) * 1.04f;
        }

        // A grass verge between the kerb stones and the pavement, away from the corners.
        if (p.Verge > 0 && edge < 0.25f + p.Verge && CornerDistance(in p, x, z) > 7f)
        {
            label = TrainIds.Terrain;
            return Grass(x, z, fp);
        }

        // Pavers 0.5 m square with darker joints and a little colour per stone.
        const float Tile = 0.5f;
        float joints = MathF.Max(Pulse(x, Tile, Tile - 0.03f, Tile, fpx), Pulse(z, Tile, Tile - 0.03f, Tile, fpz));
        uint h = Hash.Of((int)MathF.Floor(x / Tile), (int)MathF.Floor(z / Tile), (int)p.Seed);
        float stone = (Hash.Unit(h) - 0.5f) * 0.09f * ValueNoise.Lod(fp / Tile);
        float stains = _noise.Fbm(x, z, 0.3f, 3, fp);
        var baseColor = Rgb(p.Color0);
        return baseColor * (0.97f + stone + (0.07f * stains)) * (1f - (0.28f * joints));
    }

    private static float CornerDistance(in Prism p, float x, float z)
    {
        float dx = MathF.Min(x - p.X0, p.X1 - x), dz = MathF.Min(z - p.Z0, p.Z1 - z);
        return MathF.Max(dx, dz);
    }

    private Vector3 Grass(float x, float z, float fp)
    {
        float big = _noise.Fbm(x + 300f, z, 0.15f, 2, fp);
        float fine = _noise.Fbm(x, z + 300f, 3f, 3, fp);
        var green = new Vector3(0.33f, 0.44f, 0.19f);
        var dry = new Vector3(0.50f, 0.46f, 0.30f);
        return Vector3.Lerp(green, dry, Math.Clamp(0.35f + (0.6f * big), 0f, 1f)) * (0.88f + (0.2f * fine));
    }

    private Vector3 Soil(float x, float z, float fp)
    {
        float n = _noise.Fbm(x, z, 3f, 3, fp);
        return new Vector3(0.36f, 0.29f, 0.21f) * (0.85f + (0.25f * n));
    }

    private Vector3 Leaves(float u, float v, uint color0, uint color1, float fp, float freq)
    {
        float n = _noise.Fbm(u, v, freq, 4, fp);
        return Vector3.Lerp(Rgb(color1), Rgb(color0), Math.Clamp(0.5f + (0.9f * n), 0f, 1f)) * 1.05f;
    }

    private Vector3 Facade(in Prism p, float s, float t, float fpS, float fpT)
    {
        float fp = MathF.Max(fpS, fpT);
        var wall = Rgb(p.Color0) * (0.92f + (0.1f * _noise.Fbm(s, t, 0.25f, 3, fp)));
        float height = p.Y1 - p.Y0;
        float floorH = p.Param > 0 ? p.Param : 3.1f;
        uint seed = p.Seed;
        float bay = 2.6f + ((seed >> 16 & 7) * 0.15f);

        // Cornice at the top, a plinth at the bottom.
        if (t > height - 0.5f)
        {
            return wall * 0.8f;
        }

        const float Ground = 4.0f;
        Vector3 glass = Rgb(p.Color1);
        if (t < Ground)
        {
            // Shop fronts: wide windows from 0.6 m to 3.2 m, a door in some bays.
            float win = Pulse(s, bay * 2f, 0.4f, (bay * 2f) - 0.4f, fpS) * Band(t, 0.6f, 3.2f, fpT);
            float plinth = Band(t, -1f, 0.45f, fpT);
            var shop = glass * (0.95f + (0.3f * _noise.Sample(s * 0.7f, t * 0.7f)));
            return Vector3.Lerp(Vector3.Lerp(wall, shop, win), wall * 0.7f, plinth);
        }

        float tf = t - Ground;
        float windows = Pulse(s, bay, bay * 0.25f, bay * 0.75f, fpS) * Pulse(tf, floorH, 0.8f, 0.8f + 1.55f, fpT);
        float sills = Pulse(s, bay, (bay * 0.25f) - 0.08f, (bay * 0.75f) + 0.08f, fpS) * Pulse(tf, floorH, 0.68f, 0.8f, fpT);

        // Each window its own shade (curtains, lights, reflections), faded out when windows get smaller than a pixel.
        uint h = Hash.Of((int)MathF.Floor(s / bay), (int)MathF.Floor(tf / floorH), (int)seed);
        float vary = (Hash.Unit(h) - 0.5f) * 0.5f * ValueNoise.Lod(fp / bay);
        var pane = glass * (1.0f + vary) + new Vector3(0.05f * Hash.Unit(h >> 3));
        var c = Vector3.Lerp(wall, pane, windows);
        return Vector3.Lerp(c, wall * 1.12f, Math.Clamp(sills, 0f, 1f));
    }

    private static Vector3 Sign(in Prism p, Face face, float normalSign, float s, float t, float fpS, float fpT)
    {
        // The face whose normal points to the traffic (Param = ±1 along the plate's thin axis) shows the sign.
        bool front = ((p.Axis == 1 && face == Face.SideZ) || (p.Axis == 0 && face == Face.SideX)) && normalSign * p.Param > 0;
        if (!front)
        {
            return new Vector3(0.55f, 0.56f, 0.57f);
        }

        float w = p.Axis == 1 ? p.X1 - p.X0 : p.Z1 - p.Z0, h = p.Y1 - p.Y0;
        float u = s - (w / 2), v = t - (h / 2);
        var main = Rgb(p.Color0);
        var white = new Vector3(0.95f);
        float fp = MathF.Max(fpS, fpT);
        switch (p.Cutout)
        {
            case Cutout.RoundSign:
            {
                float r = MathF.Sqrt((u * u) + (v * v)) / (MathF.Min(w, h) / 2);
                float ring = Band(r, 0.72f, 2f, fp * 3f);
                float bar = Band(u, -0.18f, 0.18f, fpS) * Band(v, -0.05f, 0.05f, fpT);
                return Vector3.Lerp(Vector3.Lerp(white, main, ring), main * 0.6f, bar);
            }

            case Cutout.TriangleSign:
            {
                float inner = Band(v, -0.22f, 0.2f, fpT) * Band(MathF.Abs(u), -1f, (0.2f - v) * 0.5f, fpS);
                return Vector3.Lerp(new Vector3(0.8f, 0.1f, 0.1f), white, inner);
            }

            default:
            {
                float border = 1f - (Band(u, (-w / 2) + 0.04f, (w / 2) - 0.04f, fpS) * Band(v, (-h / 2) + 0.04f, (h / 2) - 0.04f, fpT));
                float arrow = Band(u, -0.05f, 0.05f, fpS) * Band(v, -0.2f, 0.15f, fpT);
                return Vector3.Lerp(Vector3.Lerp(main, white, border), white, arrow);
            }
        }
    }

    private static Vector3 TrafficLight(in Prism p, Face face, float s, float t, float faceWidth, float fp)
    {
        var housing = new Vector3(0.09f, 0.09f, 0.1f);
        if (face is not (Face.SideX or Face.SideZ))
        {
            return housing;
        }

        float h = p.Y1 - p.Y0;
        int lit = (int)p.Param;
        Vector3 c = housing;
        for (int k = 0; k < 3; k++)
        {
            float cy = h * (0.8f - (0.3f * k));
            float du = s - (faceWidth / 2), dv = t - cy;
            float r = MathF.Sqrt((du * du) + (dv * dv));
            float lamp = Band(r, -1f, 0.1f, fp);
            Vector3 on = k switch { 0 => new Vector3(1f, 0.15f, 0.1f), 1 => new Vector3(1f, 0.75f, 0.1f), _ => new Vector3(0.2f, 1f, 0.45f) };
            c = Vector3.Lerp(c, k == lit ? on * 1.6f : on * 0.18f, lamp);
        }

        return c;
    }

    private Vector3 CarBody(in Prism p, Face face, float normalSign, float s, float t, float faceWidth, float fpS, float fpT)
    {
        var paint = Rgb(p.Color0);
        if (face is Face.Top or Face.Bottom)
        {
            return paint * 0.9f;
        }

        float fp = MathF.Max(fpS, fpT);
        float h = p.Y1 - p.Y0;
        var c = paint * (0.88f + (0.18f * (t / h))) * (0.96f + (0.06f * _noise.Fbm(s * 2f, t * 2f, 1f, 2, fp)));

        // Sill and bumpers darker; on the long sides two wheels, on the ends lights and a number plate.
        c = Vector3.Lerp(c, new Vector3(0.1f), Band(t, -1f, 0.12f, fpT));
        bool lengthwise = (p.Axis == 1 && face == Face.SideX) || (p.Axis == 0 && face == Face.SideZ);
        if (lengthwise)
        {
            float wheelX = MathF.Min(MathF.Abs(s - 0.85f), MathF.Abs(s - (faceWidth - 0.85f)));
            float wy = t + 0.2f - 0.34f;
            float r = MathF.Sqrt((wheelX * wheelX) + (wy * wy));
            float tyre = Band(r, -1f, 0.36f, fp);
            float rim = Band(r, -1f, 0.19f, fp);
            c = Vector3.Lerp(c, new Vector3(0.07f), tyre);
            c = Vector3.Lerp(c, new Vector3(0.55f), rim);
            float door = Pulse(s - (faceWidth * 0.28f), faceWidth * 0.24f, 0f, 0.03f, fpS) * Band(t, 0.2f, h - 0.05f, fpT) * Band(s, faceWidth * 0.25f, faceWidth * 0.78f, fpS);
            c *= 1f - (0.35f * door);
        }
        else
        {
            float lights = (Band(s, 0.12f, 0.42f, fpS) + Band(s, faceWidth - 0.42f, faceWidth - 0.12f, fpS)) * Band(t, h - 0.3f, h - 0.12f, fpT);
            bool front = normalSign * p.Param > 0;
            var lamp = front ? new Vector3(0.92f, 0.9f, 0.8f) : new Vector3(0.8f, 0.12f, 0.1f);
            c = Vector3.Lerp(c, lamp, Math.Clamp(lights, 0f, 1f));
            float plate = Band(s, (faceWidth / 2) - 0.26f, (faceWidth / 2) + 0.26f, fpS) * Band(t, 0.25f, 0.37f, fpT);
            c = Vector3.Lerp(c, new Vector3(0.9f, 0.9f, 0.85f), plate);
        }

        return c;
    }

    private static Vector3 Cabin(in Prism p, Face face, float s, float t, float faceWidth, float fpS, float fpT)
    {
        var paint = Rgb(p.Color0);
        if (face is Face.Top or Face.Bottom)
        {
            return paint * 0.95f;
        }

        float h = p.Y1 - p.Y0;
        var glass = Rgb(p.Color1) * (0.8f + (0.6f * (t / h)));
        float pane = Band(s, 0.12f, faceWidth - 0.12f, fpS) * Band(t, 0.06f, h - 0.07f, fpT);
        bool lengthwise = (p.Axis == 1 && face == Face.SideX) || (p.Axis == 0 && face == Face.SideZ);
        if (lengthwise && faceWidth > 1.6f)
        {
            float pillar = Band(s, (faceWidth / 2) - 0.06f, (faceWidth / 2) + 0.06f, fpS);
            pane *= 1f - pillar;
        }

        return Vector3.Lerp(paint, glass, pane);
    }

    private static Vector3 Bus(in Prism p, Face face, float s, float t, float faceWidth, float fpS, float fpT)
    {
        var paint = Rgb(p.Color0);
        if (face is Face.Top or Face.Bottom)
        {
            return paint * 0.8f;
        }

        var glass = Rgb(p.Color1) * 1.3f;
        float band = Band(t, 1.05f, 2.45f, fpT) * Band(s, 0.3f, faceWidth - 0.3f, fpS);
        float mullions = Pulse(s, 1.4f, 0f, 0.1f, fpS);
        var c = Vector3.Lerp(paint, glass, band * (1f - mullions));
        c = Vector3.Lerp(c, new Vector3(0.12f), Band(t, -1f, 0.15f, fpT));
        return c;
    }

    private Vector3 Clothes(in Prism p, Face face, float s, float t, float fp)
    {
        float h = p.Material == Material.Person ? p.Param : p.Y1 - p.Y0;
        float rel = t / MathF.Max(h, 0.1f);
        var skin = (p.Seed & 3) == 0 ? new Vector3(0.55f, 0.38f, 0.28f) : new Vector3(0.86f, 0.67f, 0.54f);
        var hair = (p.Seed & 12) == 0 ? new Vector3(0.6f, 0.45f, 0.25f) : new Vector3(0.12f, 0.09f, 0.07f);
        float n = _noise.Fbm(s * 3f, t * 3f, 2f, 2, fp);
        Vector3 c;
        if (p.Material == Material.Rider)
        {
            c = rel > 0.86f ? (rel > 0.95f ? hair : skin) : rel > 0.42f ? Rgb(p.Color0) : Rgb(p.Color1);
        }
        else
        {
            c = rel > 0.87f ? (rel > 0.95f || face == Face.Top ? hair : skin) : rel > 0.5f ? Rgb(p.Color0) : rel > 0.04f ? Rgb(p.Color1) : new Vector3(0.1f);
        }

        return c * (0.9f + (0.15f * n));
    }

    /// <summary>
    /// Whether a cut-out prism is solid at face coordinate (<paramref name="s"/>, <paramref name="t"/>): silhouettes of
    /// people and bicycles, ragged tree crowns, round and triangular sign plates.
    /// </summary>
    public bool Solid(in Prism p, Face face, float s, float t)
    {
        float faceWidth = face switch
        {
            Face.SideX => p.Z1 - p.Z0,
            Face.SideZ => p.X1 - p.X0,
            _ => p.X1 - p.X0,
        };
        float u = s - (faceWidth / 2);
        float h = p.Y1 - p.Y0;
        bool lengthwise = (p.Axis == 1 && face == Face.SideX) || (p.Axis == 0 && face == Face.SideZ);
        switch (p.Cutout)
        {
            case Cutout.Canopy:
            {
                if (face is Face.Top or Face.Bottom)
                {
                    float v = t - ((p.Z1 - p.Z0) / 2);
                    float rr = ((u * u) / (faceWidth * faceWidth / 4)) + ((v * v) / ((p.Z1 - p.Z0) * (p.Z1 - p.Z0) / 4));
                    return rr < 0.75f + (0.25f * _noise.Sample((s * 1.3f) + p.Seed % 97, t * 1.3f));
                }

                // An ellipse with a leafy edge and a few gaps.
                float ex = u / (faceWidth / 2), ey = ((t / h) * 2f) - 1f;
                float r = (ex * ex) + (ey * ey);
                float wobble = 0.28f * _noise.Sample((s * 1.8f) + (p.Seed % 251), t * 1.8f) + 0.12f * _noise.Sample(s * 5f, (t * 5f) + 17f);
                return r < 0.82f + wobble;
            }

            case Cutout.Person:
            {
                float rel = t / h;
                float au = MathF.Abs(u);
                if (rel > 0.87f)
                {
                    float hy = (t - (h * 0.935f)) / (h * 0.065f);
                    float hx = u / (lengthwise ? 0.1f : 0.09f);
                    return (hx * hx) + (hy * hy) < 1f;
                }

                if (rel > 0.5f)
                {
                    float width = lengthwise ? 0.13f : 0.22f;
                    return au < width * (rel > 0.82f ? 0.8f : 1f);
                }

                return lengthwise ? au < 0.1f : (au < 0.16f && au > 0.02f + (0.02f * (1 - rel)));
            }

            case Cutout.Rider:
            {
                float rel = t / h;
                float au = MathF.Abs(u);
                if (rel > 0.82f)
                {
                    float hy = (t - (h * 0.91f)) / (h * 0.09f);
                    float hx = u / 0.1f;
                    return (hx * hx) + (hy * hy) < 1f;
                }

                return rel > 0.4f ? au < (lengthwise ? 0.17f : 0.21f) : au < 0.12f;
            }

            case Cutout.Bicycle:
            {
                if (!lengthwise)
                {
                    return MathF.Abs(u) < 0.04f || (t > h - 0.12f && MathF.Abs(u) < 0.28f);
                }

                float half = faceWidth / 2;
                float wr = 0.34f;
                float d1 = MathF.Sqrt(((u + half - 0.36f) * (u + half - 0.36f)) + ((t - wr) * (t - wr)));
                float d2 = MathF.Sqrt(((u - half + 0.36f) * (u - half + 0.36f)) + ((t - wr) * (t - wr)));
                bool wheels = MathF.Abs(d1 - wr) < 0.045f || MathF.Abs(d2 - wr) < 0.045f;
                bool frame = t > 0.3f && t < 0.75f && MathF.Abs(u) < 0.45f && MathF.Abs(t - 0.52f - (u * 0.3f)) < 0.06f;
                bool bars = t > h - 0.12f && MathF.Abs(u - (half - 0.45f)) < 0.2f;
                return wheels || frame || bars || (MathF.Abs(u) < 0.05f && t < 0.9f && t > 0.3f);
            }

            case Cutout.Motorcycle:
            {
                if (!lengthwise)
                {
                    return MathF.Abs(u) < 0.2f && t > 0.05f;
                }

                float half = faceWidth / 2;
                float d1 = MathF.Sqrt(((u + half - 0.4f) * (u + half - 0.4f)) + ((t - 0.32f) * (t - 0.32f)));
                float d2 = MathF.Sqrt(((u - half + 0.4f) * (u - half + 0.4f)) + ((t - 0.32f) * (t - 0.32f)));
                return d1 < 0.32f || d2 < 0.32f || (t > 0.35f && t < 0.95f && MathF.Abs(u) < half - 0.25f);
            }

            case Cutout.RoundSign:
            {
                if (face is Face.Top or Face.Bottom)
                {
                    return false;
                }

                float v = t - (h / 2);
                float r = MathF.Min(faceWidth, h) / 2;
                return faceWidth < 0.1f ? MathF.Abs(v) < 0.1f : (u * u) + (v * v) < r * r;
            }

            case Cutout.TriangleSign:
            {
                if (face is Face.Top or Face.Bottom)
                {
                    return false;
                }

                // Apex up: the half-width shrinks linearly from the base to the top.
                return faceWidth < 0.1f ? t < 0.1f : MathF.Abs(u) < (faceWidth / 2) * (1f - (t / h));
            }

            default:
                return true;
        }
    }
}
