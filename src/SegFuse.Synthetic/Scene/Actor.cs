namespace SegFuse.Synthetic.Scene;

/// <summary>
/// A moving road user: a piecewise-linear path in time (constant velocity between waypoints, extrapolated
/// with the end velocities), carrying prisms given relative to its position. People's height follows the
/// ground (a short ramp at the kerb).
/// </summary>
internal sealed class Actor
{
    private readonly double[] _t;
    private readonly double[] _x;
    private readonly double[] _z;

    public Actor(ObjectKind kind, uint seed, byte axis, int forward, double[] t, double[] x, double[] z)
    {
        if (t.Length < 1 || t.Length != x.Length || t.Length != z.Length)
        {
            throw new ArgumentException("waypoints must be non-empty and of one length");
        }

        Kind = kind;
        Seed = seed;
        Axis = axis;
        Forward = forward;
        _t = t;
        _x = x;
        _z = z;
        var (length, width) = Objects.Size(kind, seed);
        HalfX = (axis == 1 ? width : length) / 2f;
        HalfZ = (axis == 1 ? length : width) / 2f;
    }

    public ObjectKind Kind { get; }

    public uint Seed { get; }

    /// <summary>1 = oriented along z, 0 = along x.</summary>
    public byte Axis { get; }

    public int Forward { get; }

    /// <summary>Half extent of the footprint along x (for collision checks).</summary>
    public float HalfX { get; }

    /// <summary>Half extent of the footprint along z.</summary>
    public float HalfZ { get; }

    public bool FollowsGround => Kind == ObjectKind.Person;

    /// <summary>Position of the reference point (ground centre) at drive time <paramref name="time"/>.</summary>
    public (double X, double Y, double Z) At(double time)
    {
        double x, z;
        if (_t.Length == 1)
        {
            x = _x[0];
            z = _z[0];
        }
        else
        {
            int i = 0;
            if (time >= _t[^1])
            {
                i = _t.Length - 2;
            }
            else
            {
                while (i < _t.Length - 2 && time > _t[i + 1])
                {
                    i++;
                }
            }

            double f = (time - _t[i]) / (_t[i + 1] - _t[i]);
            x = _x[i] + ((_x[i + 1] - _x[i]) * f);
            z = _z[i] + ((_z[i + 1] - _z[i]) * f);
        }

        return (x, FollowsGround ? GroundHeight(x, z) : 0, z);
    }

    /// <summary>Height of the walking surface: the kerb height inside a block, 0 on the road, a 0.6 m ramp between.</summary>
    public static double GroundHeight(double x, double z)
    {
        double lx = x - (Math.Floor(x / City.PitchX) * City.PitchX);
        double lz = z - (Math.Floor(z / City.PitchZ) * City.PitchZ);
        double inside = Math.Min(Math.Min(lx - City.RoadHalfWidth, City.PitchX - City.RoadHalfWidth - lx), Math.Min(lz - City.RoadHalfWidth, City.PitchZ - City.RoadHalfWidth - lz));
        return City.KerbHeight * Math.Clamp((inside + 0.3) / 0.6, 0, 1);
    }
}
