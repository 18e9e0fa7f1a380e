using SegFuse.Synthetic.Util;

namespace SegFuse.Synthetic.Scene;

/// <summary>
/// Everything of one synthetic drive: the ego motion, the static city around its route, the road users,
/// and the camera intrinsics. The prism template holds the static prisms followed by the movers' prisms
/// (relative to their actor); a prism's index in it is its identity in every frame.
/// </summary>
internal sealed class StreetScene
{
    /// <summary>Horizontal field of view of the camera, degrees.</summary>
    public const double FieldOfViewDeg = 64.0;

    public StreetScene(int seed, double t0, double t1, int width, int height)
    {
        Width = width;
        Height = height;
        Focal = (float)(width / 2.0 / Math.Tan(FieldOfViewDeg * Math.PI / 360.0));
        Cx = (width / 2f) - 0.5f;
        Cy = (height * 0.44f) - 0.5f;
        Ego = new EgoMotion(seed, t1 + 2.0, height, Cy);
        StartZebra = new Zebra(1, (float)Ego.StartZ + 5.6f);

        // Build the city wherever the camera can see during the window (fog hides what is farther).
        const double View = 360;
        double minX = double.MaxValue, maxX = double.MinValue, minZ = double.MaxValue, maxZ = double.MinValue;
        for (double t = Math.Max(0, t0 - 1); t <= t1 + 1; t += 0.1)
        {
            var (x, z, _) = Ego.VehicleAt(t);
            minX = Math.Min(minX, x);
            maxX = Math.Max(maxX, x);
            minZ = Math.Min(minZ, z);
            maxZ = Math.Max(maxZ, z);
        }

        World = new World(seed, (float)(minX - View), (float)(maxX + View), (float)(minZ - View), (float)(maxZ + View), [StartZebra]);
        Traffic = new Traffic(seed, Ego, t0, t1, StartZebra);
        var prisms = new List<Prism>(World.Prisms);
        StaticCount = prisms.Count;
        int instance = World.NextInstance;
        for (int a = 0; a < Traffic.Actors.Count; a++)
        {
            var actor = Traffic.Actors[a];
            Objects.Add(prisms, actor.Kind, 0, 0, 0, actor.Axis, actor.Forward, actor.Seed, instance++, a);
        }

        Template = [.. prisms];
        InstanceCount = instance;
        Noise = new ValueNoise(Hash.Combine((ulong)(uint)seed, 0xC0FFEE));

        // Shadows where the camera sees the ground in detail: within 150 m of the route.
        const float Near = 150;
        Shadows = new Render.ShadowMap(World.Prisms, Render.Shading.SunDir, (float)(minX - Near), (float)(maxX + Near), (float)(minZ - Near), (float)(maxZ + Near));
        var rng = new Rng(seed, "exposure");
        _exposurePhase = rng.Range(0, 2 * Math.PI);
    }

    private readonly double _exposurePhase;

    public int Width { get; }

    public int Height { get; }

    /// <summary>Focal length in pixels.</summary>
    public float Focal { get; }

    /// <summary>Principal point, column.</summary>
    public float Cx { get; }

    /// <summary>Principal point, row, at rest (pitch moves it).</summary>
    public float Cy { get; }

    public EgoMotion Ego { get; }

    public World World { get; }

    public Traffic Traffic { get; }

    public Zebra StartZebra { get; }

    /// <summary>Static prisms (indices below <see cref="StaticCount"/>), then every actor's prisms relative to the actor.</summary>
    public Prism[] Template { get; }

    public int StaticCount { get; }

    /// <summary>One more than the largest object instance number.</summary>
    public int InstanceCount { get; }

    public ValueNoise Noise { get; }

    /// <summary>Cast shadows of the static city on the ground near the route.</summary>
    public Render.ShadowMap Shadows { get; }

    /// <summary>Camera gain at drive time <paramref name="t"/>: a slow auto-exposure drift of a few percent.</summary>
    public float Exposure(double t) => (float)(1.0 + (0.035 * Math.Sin((0.45 * t) + _exposurePhase)));
}
