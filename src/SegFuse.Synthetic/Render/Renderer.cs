using System.Numerics;
using System.Runtime.CompilerServices;
using SegFuse.Labels;
using SegFuse.Synthetic.Scene;
using SegFuse.Synthetic.Util;

namespace SegFuse.Synthetic.Render;

/// <summary>The render of one frame: colour, labels, and per pixel what was hit, how far, and where it moves.</summary>
internal sealed class RenderBuffers
{
    public RenderBuffers(int width, int height)
    {
        Width = width;
        Height = height;
        int n = width * height;
        Bgr = new byte[n * 3];
        Labels = new LabelMap(width, height);
        Instance = new int[n];
        Id = new int[n];
        Depth = new float[n];
        FlowBackward = new float[n * 2];
        FlowForward = new float[n * 2];
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Colour, 3 bytes per pixel in B, G, R order.</summary>
    public byte[] Bgr { get; }

    /// <summary>Ground truth, Cityscapes train ids.</summary>
    public LabelMap Labels { get; }

    /// <summary>Object instance per pixel (0 for road, sky, blocks).</summary>
    public int[] Instance { get; }

    /// <summary>Surface identity per pixel: 0 sky, 1 road, 2 + prism index.</summary>
    public int[] Id { get; }

    /// <summary>Depth along the optical axis, metres; +∞ for sky.</summary>
    public float[] Depth { get; }

    /// <summary>Where each pixel's surface point is in the previous frame, minus the pixel (u, v interleaved).</summary>
    public float[] FlowBackward { get; }

    /// <summary>Where each pixel's surface point is in the next frame, minus the pixel (u, v interleaved).</summary>
    public float[] FlowForward { get; }

    public const int SkyId = 0;
    public const int RoadId = 1;
}

/// <summary>One column's intersection with one prism, along the column's vertical plane of rays.</summary>
internal struct ColumnEntry
{
    /// <summary>Depth where the column plane enters the prism's footprint.</summary>
    public float TIn;

    /// <summary>Depth where it leaves it.</summary>
    public float TOut;
    public float Y0;
    public float Y1;

    /// <summary>Largest (Y1 − h)/TIn of this and every later entry: a ray rising more steeply misses them all.</summary>
    public float MaxSlope;
    public int Prism;
    public Face Face;
    public sbyte NormalSign;
}

/// <summary>
/// The 2.5D ray caster. With no roll or pitch, all rays of a pixel column share one vertical plane, so the
/// column's intersections with the prisms' footprints are computed once (sorted by depth) and each pixel
/// only checks the height of its ray at those depths: side faces, tops (kerbs, car roofs) and bottoms
/// (tree crowns, signs seen from below), the road plane y = 0, and the sky at infinity. For the nearest hit
/// it shades the surface, labels it, and projects the same surface point — moved with its object — into
/// the previous and next camera to get exact backward and forward flow.
/// </summary>
internal sealed class Renderer
{
    private const float FarCull = 900f;
    private const float FogDistance = 420f;
    private readonly StreetScene _scene;
    private readonly Shading _shading;
    private readonly Prism[] _prisms;
    private readonly int _width;
    private readonly int _height;
    private readonly int[] _columnStart;
    private readonly int[] _columnCount;
    private readonly int[] _cursor;
    private readonly (int U0, int U1)[] _ranges;
    private readonly float[] _dispPrev;
    private readonly float[] _dispNext;
    private readonly float[] _skyColumn;
    private readonly float[] _dirX;
    private readonly float[] _dirZ;
    private readonly float[] _dirH;
    private readonly SkyPanorama _sky;
    private int[] _candidates = new int[1 << 16];
    private ColumnEntry[] _entries = new ColumnEntry[1 << 16];

    public Renderer(StreetScene scene)
    {
        _scene = scene;
        _shading = new Shading(scene.Noise, scene.World.Zebras, scene.Shadows);
        _prisms = (Prism[])scene.Template.Clone();
        _width = scene.Width;
        _height = scene.Height;
        _columnStart = new int[_width + 1];
        _columnCount = new int[_width];
        _cursor = new int[_width];
        _ranges = new (int, int)[_prisms.Length];
        int actors = scene.Traffic.Actors.Count;
        _dispPrev = new float[actors * 3];
        _dispNext = new float[actors * 3];
        _skyColumn = new float[_width];
        _dirX = new float[_width];
        _dirZ = new float[_width];
        _dirH = new float[_width];
        _sky = new SkyPanorama(_shading);
    }

    /// <summary>Renders drive time <paramref name="t"/>, with flow towards <paramref name="tPrev"/> and <paramref name="tNext"/>.</summary>
    public void Render(double t, double tPrev, double tNext, RenderBuffers target, CancellationToken cancellationToken)
    {
        var actors = _scene.Traffic.Actors;
        for (int a = 0; a < actors.Count; a++)
        {
            var (x, y, z) = actors[a].At(t);
            var (xp, yp, zp) = actors[a].At(tPrev);
            var (xn, yn, zn) = actors[a].At(tNext);
            _dispPrev[(a * 3) + 0] = (float)(xp - x);
            _dispPrev[(a * 3) + 1] = (float)(yp - y);
            _dispPrev[(a * 3) + 2] = (float)(zp - z);
            _dispNext[(a * 3) + 0] = (float)(xn - x);
            _dispNext[(a * 3) + 1] = (float)(yn - y);
            _dispNext[(a * 3) + 2] = (float)(zn - z);
        }

        var template = _scene.Template;
        for (int i = _scene.StaticCount; i < _prisms.Length; i++)
        {
            ref readonly var local = ref template[i];
            var (x, y, z) = actors[local.Actor].At(t);
            ref var p = ref _prisms[i];
            p.X0 = local.X0 + (float)x;
            p.X1 = local.X1 + (float)x;
            p.Z0 = local.Z0 + (float)z;
            p.Z1 = local.Z1 + (float)z;
            p.Y0 = local.Y0 + (float)y;
            p.Y1 = local.Y1 + (float)y;
        }

        var cam = new ViewCamera(_scene.Ego.CameraAt(t), _scene.Focal, _scene.Cx);
        var camPrev = new ViewCamera(_scene.Ego.CameraAt(tPrev), _scene.Focal, _scene.Cx);
        var camNext = new ViewCamera(_scene.Ego.CameraAt(tNext), _scene.Focal, _scene.Cx);
        BuildCandidates(cam);
        var columns = new ColumnKernel(cam, _prisms, _candidates, _entries, _columnStart, _columnCount, _skyColumn, _dirX, _dirZ, _dirH);
        ParallelRows.For(_width, in columns, cancellationToken);
        var rows = new RowKernel(this, cam, camPrev, camNext, target, _scene.Exposure(t));
        ParallelRows.For(_height, in rows, cancellationToken);
    }


    /// <summary>Lists, for every column, the prisms whose footprint it may cross (from each footprint's projected column range).</summary>
    private void BuildCandidates(in ViewCamera cam)
    {
        Array.Clear(_columnCount);
        long total = 0;
        for (int i = 0; i < _prisms.Length; i++)
        {
            if (ColumnRange(in _prisms[i], in cam, out int u0, out int u1))
            {
                _ranges[i] = (u0, u1);
                for (int u = u0; u <= u1; u++)
                {
                    _columnCount[u]++;
                }

                total += u1 - u0 + 1;
            }
            else
            {
                _ranges[i] = (1, 0);
            }
        }

        if (total > _candidates.Length)
        {
            int size = (int)Math.Min(int.MaxValue / 2, BitOperations.RoundUpToPowerOf2((uint)total));
            _candidates = new int[size];
            _entries = new ColumnEntry[size];
        }

        _columnStart[0] = 0;
        for (int u = 0; u < _width; u++)
        {
            _columnStart[u + 1] = _columnStart[u] + _columnCount[u];
            _cursor[u] = _columnStart[u];
        }

        for (int i = 0; i < _prisms.Length; i++)
        {
            var (u0, u1) = _ranges[i];
            for (int u = u0; u <= u1; u++)
            {
                _candidates[_cursor[u]++] = i;
            }
        }
    }

    /// <summary>The columns a prism's footprint can cover: its corners clipped to the near plane and projected.</summary>
    private bool ColumnRange(in Prism p, in ViewCamera cam, out int u0, out int u1)
    {
        Span<float> lat = stackalloc float[4];
        Span<float> dep = stackalloc float[4];
        float xs0 = p.X0 - cam.X, xs1 = p.X1 - cam.X, zs0 = p.Z0 - cam.Z, zs1 = p.Z1 - cam.Z;
        Corner(xs0, zs0, in cam, out lat[0], out dep[0]);
        Corner(xs1, zs0, in cam, out lat[1], out dep[1]);
        Corner(xs1, zs1, in cam, out lat[2], out dep[2]);
        Corner(xs0, zs1, in cam, out lat[3], out dep[3]);
        float umin = float.MaxValue, umax = float.MinValue, dmin = float.MaxValue;
        const float Near = ViewCamera.Near;
        for (int k = 0; k < 4; k++)
        {
            int n = (k + 1) & 3;
            if (dep[k] >= Near)
            {
                float u = cam.Cx + (cam.F * lat[k] / dep[k]);
                umin = MathF.Min(umin, u);
                umax = MathF.Max(umax, u);
                dmin = MathF.Min(dmin, dep[k]);
            }

            if ((dep[k] >= Near) != (dep[n] >= Near))
            {
                // The edge crosses the near plane: include the crossing point.
                float f = (Near - dep[k]) / (dep[n] - dep[k]);
                float l = lat[k] + ((lat[n] - lat[k]) * f);
                float u = cam.Cx + (cam.F * l / Near);
                umin = MathF.Min(umin, u);
                umax = MathF.Max(umax, u);
                dmin = Near;
            }
        }

        u0 = 0;
        u1 = -1;
        if (umin > umax || dmin > FarCull)
        {
            return false;
        }

        u0 = (int)MathF.Max(0, MathF.Floor(umin));
        u1 = (int)MathF.Min(_width - 1, MathF.Ceiling(umax));
        return u0 <= u1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Corner(float dx, float dz, in ViewCamera cam, out float lateral, out float depth)
    {
        lateral = (dx * cam.RightX) + (dz * cam.RightZ);
        depth = (dx * cam.FwdX) + (dz * cam.FwdZ);
    }

    /// <summary>Per column: intersect the column's plane of rays with the candidate footprints, sort by depth.</summary>
    private readonly struct ColumnKernel(ViewCamera cam, Prism[] prisms, int[] candidates, ColumnEntry[] entries, int[] columnStart, int[] columnCount, float[] skyColumn, float[] dirXs, float[] dirZs, float[] dirHs) : IRowOperation
    {
        public void Invoke(int u)
        {
            float a = (u - cam.Cx) / cam.F;
            float dirX = cam.FwdX + (a * cam.RightX), dirZ = cam.FwdZ + (a * cam.RightZ);
            skyColumn[u] = SkyPanorama.Column(dirX, dirZ);
            dirXs[u] = dirX;
            dirZs[u] = dirZ;
            dirHs[u] = MathF.Sqrt((dirX * dirX) + (dirZ * dirZ));
            if (MathF.Abs(dirX) < 1e-9f)
            {
                dirX = 1e-9f;
            }

            if (MathF.Abs(dirZ) < 1e-9f)
            {
                dirZ = 1e-9f;
            }

            float invX = 1f / dirX, invZ = 1f / dirZ;
            int start = columnStart[u], end = columnStart[u + 1];
            int n = 0;
            for (int k = start; k < end; k++)
            {
                int index = candidates[k];
                ref readonly var p = ref prisms[index];
                float tx0 = (p.X0 - cam.X) * invX, tx1 = (p.X1 - cam.X) * invX;
                float tz0 = (p.Z0 - cam.Z) * invZ, tz1 = (p.Z1 - cam.Z) * invZ;
                if (tx0 > tx1)
                {
                    (tx0, tx1) = (tx1, tx0);
                }

                if (tz0 > tz1)
                {
                    (tz0, tz1) = (tz1, tz0);
                }

                float tin = MathF.Max(tx0, tz0), tout = MathF.Min(tx1, tz1);
                if (tout <= tin || tin <= ViewCamera.Near || tin > FarCull)
                {
                    continue;
                }

                bool viaX = tx0 >= tz0;
                entries[start + n++] = new ColumnEntry
                {
                    TIn = tin,
                    TOut = tout,
                    Y0 = p.Y0,
                    Y1 = p.Y1,
                    Prism = index,
                    Face = viaX ? Face.SideX : Face.SideZ,
                    NormalSign = (sbyte)(viaX ? (dirX > 0 ? -1 : 1) : (dirZ > 0 ? -1 : 1)),
                };
            }

            columnCount[u] = n;
            var span = entries.AsSpan(start, n);
            span.Sort(static (x, y) => x.TIn.CompareTo(y.TIn));
            float max = float.NegativeInfinity;
            for (int k = n - 1; k >= 0; k--)
            {
                max = MathF.Max(max, (span[k].Y1 - cam.H) / span[k].TIn);
                span[k].MaxSlope = max;
            }
        }
    }

    /// <summary>Per row: find each pixel's nearest hit, shade and label it, and project it into the neighbouring frames.</summary>
    private readonly struct RowKernel : IRowOperation
    {
        private readonly ViewCamera _cam;
        private readonly ViewCamera _prev;
        private readonly ViewCamera _next;
        private readonly Prism[] _prisms;
        private readonly ColumnEntry[] _entries;
        private readonly int[] _columnStart;
        private readonly int[] _columnCount;
        private readonly float[] _dispPrev;
        private readonly float[] _dispNext;
        private readonly Shading _shading;
        private readonly SkyPanorama _sky;
        private readonly float[] _skyColumn;
        private readonly float[] _dirX;
        private readonly float[] _dirZ;
        private readonly float[] _dirH;
        private readonly RenderBuffers _target;
        private readonly int _width;
        private readonly float _exposure;

        public RowKernel(Renderer r, ViewCamera cam, ViewCamera prev, ViewCamera next, RenderBuffers target, float exposure)
        {
            _cam = cam;
            _prev = prev;
            _next = next;
            _prisms = r._prisms;
            _entries = r._entries;
            _columnStart = r._columnStart;
            _columnCount = r._columnCount;
            _dispPrev = r._dispPrev;
            _dispNext = r._dispNext;
            _shading = r._shading;
            _sky = r._sky;
            _skyColumn = r._skyColumn;
            _dirX = r._dirX;
            _dirZ = r._dirZ;
            _dirH = r._dirH;
            _target = target;
            _width = r._width;
            _exposure = exposure;
        }

        public void Invoke(int y)
        {
            var cam = _cam;
            float b = -(y - cam.Cy) / cam.F;
            float groundZ = b < -1e-7f ? -cam.H / b : float.PositiveInfinity;
            var bgr = _target.Bgr.AsSpan(y * _width * 3, _width * 3);
            var labels = _target.Labels.GetRowSpan(y);
            var ids = _target.Id.AsSpan(y * _width, _width);
            var instances = _target.Instance.AsSpan(y * _width, _width);
            var depths = _target.Depth.AsSpan(y * _width, _width);
            var flowB = _target.FlowBackward.AsSpan(y * _width * 2, _width * 2);
            var flowF = _target.FlowForward.AsSpan(y * _width * 2, _width * 2);
            for (int u = 0; u < _width; u++)
            {
                float dirX = _dirX[u], dirZ = _dirZ[u];
                float zBest = groundZ;
                int hit = -1;
                Face face = Face.Top;
                float sign = 1f;
                int start = _columnStart[u], end = start + _columnCount[u];
                for (int k = start; k < end; k++)
                {
                    ref readonly var e = ref _entries[k];
                    if (e.TIn >= zBest || (b > 0 && b > e.MaxSlope))
                    {
                        break;
                    }

                    float yIn = cam.H + (b * e.TIn);
                    if (yIn >= e.Y0 && yIn <= e.Y1)
                    {
                        if (Solid(e.Prism, e.Face, e.TIn, dirX, b, dirZ))
                        {
                            zBest = e.TIn;
                            hit = e.Prism;
                            face = e.Face;
                            sign = e.NormalSign;
                        }

                        continue;
                    }

                    if (yIn > e.Y1)
                    {
                        if (b < 0)
                        {
                            float zt = (e.Y1 - cam.H) / b;
                            if (zt <= e.TOut && zt < zBest && Solid(e.Prism, Face.Top, zt, dirX, b, dirZ))
                            {
                                zBest = zt;
                                hit = e.Prism;
                                face = Face.Top;
                                sign = 1f;
                            }
                        }
                    }
                    else if (b > 0)
                    {
                        float zb = (e.Y0 - cam.H) / b;
                        if (zb <= e.TOut && zb < zBest && Solid(e.Prism, Face.Bottom, zb, dirX, b, dirZ))
                        {
                            zBest = zb;
                            hit = e.Prism;
                            face = Face.Bottom;
                            sign = -1f;
                        }
                    }
                }

                Vector3 color;
                byte label;
                float px = cam.X + (zBest * dirX), pz = cam.Z + (zBest * dirZ), py = cam.H + (b * zBest);
                float dirH = _dirH[u];
                float fpPerp = zBest / cam.F;
                int actor = -1;
                if (hit >= 0)
                {
                    ref readonly var p = ref _prisms[hit];
                    float s, t, fpS, fpT = fpPerp;
                    switch (face)
                    {
                        case Face.SideX:
                            py = cam.H + (b * zBest);
                            s = pz - p.Z0;
                            t = py - p.Y0;
                            fpS = fpPerp * dirH / MathF.Max(MathF.Abs(dirX) / dirH, 0.03f);
                            break;
                        case Face.SideZ:
                            s = px - p.X0;
                            t = py - p.Y0;
                            fpS = fpPerp * dirH / MathF.Max(MathF.Abs(dirZ) / dirH, 0.03f);
                            break;
                        default:
                            py = face == Face.Top ? p.Y1 : p.Y0;
                            s = px - p.X0;
                            t = pz - p.Z0;
                            GroundFootprint(fpPerp, dirX, dirZ, dirH, b, out fpS, out fpT);
                            break;
                    }

                    color = _shading.Surface(in p, face, sign, s, t, px, py, pz, fpS, fpT, out label);
                    ids[u] = hit + 2;
                    instances[u] = p.Instance;
                    depths[u] = zBest;
                    actor = p.Actor;
                }
                else if (b < -1e-7f)
                {
                    py = 0;
                    GroundFootprint(fpPerp, dirX, dirZ, dirH, b, out float fpx, out float fpz);
                    color = _shading.Road(px, pz, fpx, fpz) * _shading.GroundLight(px, pz);
                    label = TrainIds.Road;
                    ids[u] = RenderBuffers.RoadId;
                    instances[u] = 0;
                    depths[u] = zBest;
                }
                else
                {
                    color = _sky.Sample(_skyColumn[u], b / _dirH[u]);
                    label = TrainIds.Sky;
                    ids[u] = RenderBuffers.SkyId;
                    instances[u] = 0;
                    depths[u] = float.PositiveInfinity;
                    _prev.ProjectDirection(dirX, b, dirZ, out float su, out float sv);
                    flowB[2 * u] = su - u;
                    flowB[(2 * u) + 1] = sv - y;
                    _next.ProjectDirection(dirX, b, dirZ, out su, out sv);
                    flowF[2 * u] = su - u;
                    flowF[(2 * u) + 1] = sv - y;
                    goto Write;
                }

                // Aerial perspective: distant surfaces fade into the haze.
                float distance = zBest * MathF.Sqrt((dirH * dirH) + (b * b));
                color = Vector3.Lerp(color, Shading.Haze, 0.9f * Fog(distance / FogDistance));
                {
                    float bx = px, by = py, bz = pz, fx = px, fy = py, fz = pz;
                    if (actor >= 0)
                    {
                        bx += _dispPrev[actor * 3];
                        by += _dispPrev[(actor * 3) + 1];
                        bz += _dispPrev[(actor * 3) + 2];
                        fx += _dispNext[actor * 3];
                        fy += _dispNext[(actor * 3) + 1];
                        fz += _dispNext[(actor * 3) + 2];
                    }

                    _prev.Project(bx, by, bz, out float pu, out float pv);
                    flowB[2 * u] = pu - u;
                    flowB[(2 * u) + 1] = pv - y;
                    _next.Project(fx, fy, fz, out pu, out pv);
                    flowF[2 * u] = pu - u;
                    flowF[(2 * u) + 1] = pv - y;
                }

            Write:
                labels[u] = label;
                color *= _exposure * 255f;
                bgr[3 * u] = ToByte(color.Z);
                bgr[(3 * u) + 1] = ToByte(color.Y);
                bgr[(3 * u) + 2] = ToByte(color.X);
            }
        }

        /// <summary>1 − e^(−x), with e^(−x) from a cubic Taylor denominator (close enough for haze, one division).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Fog(float x) => 1f - (1f / (1f + (x * (1f + (x * (0.5f + (x * 0.16666667f)))))));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static byte ToByte(float v) => (byte)Math.Clamp((int)(v + 0.5f), 0, 255);

        /// <summary>Footprint of a pixel on a horizontal surface, along world x and z.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GroundFootprint(float fpPerp, float dirX, float dirZ, float dirH, float b, out float fpx, out float fpz)
        {
            float along = fpPerp * dirH / MathF.Max(MathF.Abs(b), 1e-4f);
            float hx = MathF.Abs(dirX) / dirH, hz = MathF.Abs(dirZ) / dirH;
            fpx = (fpPerp * hz) + (along * hx);
            fpz = (fpPerp * hx) + (along * hz);
        }

        /// <summary>Whether the prism is solid where this ray meets the face (cut-outs let rays through).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool Solid(int prism, Face face, float depth, float dirX, float b, float dirZ)
        {
            ref readonly var p = ref _prisms[prism];
            if (!p.HasCutout)
            {
                return true;
            }

            float px = _cam.X + (depth * dirX), pz = _cam.Z + (depth * dirZ), py = _cam.H + (b * depth);
            return face switch
            {
                Face.SideX => _shading.Solid(in p, face, pz - p.Z0, py - p.Y0),
                Face.SideZ => _shading.Solid(in p, face, px - p.X0, py - p.Y0),
                _ => _shading.Solid(in p, face, px - p.X0, pz - p.Z0),
            };
        }
    }
}
