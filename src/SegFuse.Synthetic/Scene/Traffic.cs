using SegFuse.Synthetic.Util;

namespace SegFuse.Synthetic.Scene;

/// <summary>
/// The moving and standing road users around the ego route: traffic in both directions on every road near
/// it (cars, some trucks and buses, crossing at intersections), cyclists, people walking along the
/// sidewalks and over crosswalks, people standing, and people crossing on the zebra in front of the
/// waiting ego car. Every candidate is checked against the ego vehicle and the road users already placed
/// over the whole time window, and dropped if they would touch: nobody drives through anybody.
/// </summary>
internal sealed class Traffic
{
    private const double CheckStep = 0.05;
    private readonly List<Actor> _actors = [];
    private readonly List<(double X, double Z)[]> _tracks = [];
    private readonly List<(double MinX, double MaxX, double MinZ, double MaxZ)> _sweeps = [];
    private readonly double[] _times;
    private readonly (double X, double Z)[][] _ego;

    /// <param name="seed">Scene seed.</param>
    /// <param name="ego">The ego vehicle.</param>
    /// <param name="t0">First drive time shown.</param>
    /// <param name="t1">Last drive time shown.</param>
    /// <param name="startZebra">The zebra the ego car waits at when the drive begins.</param>
    public Traffic(int seed, EgoMotion ego, double t0, double t1, Zebra startZebra)
    {
        var rng = new Rng(seed, "traffic");
        double a = t0 - 1.0, b = t1 + 1.0;
        int steps = (int)Math.Ceiling((b - a) / CheckStep) + 1;
        _times = new double[steps];
        _ego = new (double X, double Z)[steps][];
        double minX = double.MaxValue, maxX = double.MinValue, minZ = double.MaxValue, maxZ = double.MinValue;
        for (int k = 0; k < steps; k++)
        {
            _times[k] = a + (k * CheckStep);
            _ego[k] = new (double X, double Z)[3];
            ego.Footprint(Math.Max(0, _times[k]), _ego[k]);
            var (x, z, _) = ego.VehicleAt(Math.Max(0, _times[k]));
            minX = Math.Min(minX, x);
            maxX = Math.Max(maxX, x);
            minZ = Math.Min(minZ, z);
            maxZ = Math.Max(maxZ, z);
        }

        double tm = (t0 + t1) / 2;

        // People on the zebra in front of the waiting car come first: they are the scene's opening.
        if (t0 < 6)
        {
            ZebraCrossers(rng.Fork(1), startZebra);
        }

        // Traffic on the roads near the route, nearest roads first so they get the most users.
        const double Reach = 160;
        var roads = new List<(byte Axis, int Index, double Distance)>();
        for (int i = (int)Math.Floor((minX - Reach) / City.PitchX); i <= (int)Math.Ceiling((maxX + Reach) / City.PitchX); i++)
        {
            double line = i * City.PitchX;
            roads.Add((1, i, Math.Max(0, Math.Max(minX - line, line - maxX))));
        }

        for (int j = (int)Math.Floor((minZ - Reach) / City.PitchZ); j <= (int)Math.Ceiling((maxZ + Reach) / City.PitchZ); j++)
        {
            double line = j * City.PitchZ;
            roads.Add((0, j, Math.Max(0, Math.Max(minZ - line, line - maxZ))));
        }

        roads.Sort((p, q) => p.Distance.CompareTo(q.Distance));
        foreach (var (axis, index, distance) in roads)
        {
            var r = rng.Fork(Hash.Of(axis, index));
            double lo = (axis == 1 ? minZ : minX) - 320, hi = (axis == 1 ? maxZ : maxX) + 320;
            double density = distance < 1 ? 1.0 : distance < 100 ? 0.7 : 0.4;
            for (int dir = -1; dir <= 1; dir += 2)
            {
                Vehicles(r, axis, index, dir, lo, hi, tm, a, b, density);
                Cyclists(r, axis, index, dir, (lo + 250, hi - 250), tm, a, b, density);
            }
        }

        // People on the sidewalks of the blocks near the route.
        for (int i = (int)Math.Floor((minX - 100) / City.PitchX); i <= (int)Math.Floor((maxX + 100) / City.PitchX); i++)
        {
            for (int j = (int)Math.Floor((minZ - 100) / City.PitchZ); j <= (int)Math.Floor((maxZ + 100) / City.PitchZ); j++)
            {
                Pedestrians(rng.Fork(Hash.Of(i, j, 77)), i, j, tm, a, b);
            }
        }
    }

    /// <summary>Every road user, in a fixed order.</summary>
    public IReadOnlyList<Actor> Actors => _actors;

    /// <summary>Candidates that were dropped because they would have touched the ego car or another road user.</summary>
    public int Rejected { get; private set; }

    private void Vehicles(Rng r, byte axis, int road, int dir, double lo, double hi, double tm, double a, double b, double density)
    {
        double line = road * (axis == 1 ? City.PitchX : City.PitchZ);

        // Right-hand traffic: +z drives at x = line + lane, +x at z = line - lane.
        double lateral = axis == 1 ? line + (dir * City.LaneOffset) : line - (dir * City.LaneOffset);
        double pos = lo + r.Range(0, 40);
        while (pos < hi)
        {
            double kindDraw = r.NextDouble();
            var kind = kindDraw < 0.87 ? ObjectKind.Car : kindDraw < 0.95 ? ObjectKind.Truck : ObjectKind.Bus;
            double speed = kind == ObjectKind.Car ? r.Range(7.0, 12.0) : r.Range(6.5, 9.5);
            uint seed = (uint)r.NextU64();
            TryAdd(kind, seed, axis, dir, lateral, pos, speed, tm, a, b);
            pos += r.Range(22, 75) / density;
        }
    }

    private void Cyclists(Rng r, byte axis, int road, int dir, (double Lo, double Hi) range, double tm, double a, double b, double density)
    {
        double line = road * (axis == 1 ? City.PitchX : City.PitchZ);
        double lateral = axis == 1 ? line + (dir * City.BikeOffset) : line - (dir * City.BikeOffset);
        int n = r.IntIncl(0, density >= 1 ? 3 : 1);
        for (int k = 0; k < n; k++)
        {
            TryAdd(ObjectKind.Cyclist, (uint)r.NextU64(), axis, dir, lateral, r.Range(range.Lo, range.Hi), r.Range(3.5, 6.0), tm, a, b);
        }
    }

    /// <summary>A vehicle or cyclist on a straight line, at <paramref name="along"/> at time <paramref name="tm"/>.</summary>
    private void TryAdd(ObjectKind kind, uint seed, byte axis, int dir, double lateral, double along, double speed, double tm, double a, double b)
    {
        double alongA = along + (dir * speed * (a - tm)), alongB = along + (dir * speed * (b - tm));
        double[] xs = axis == 1 ? [lateral, lateral] : [alongA, alongB];
        double[] zs = axis == 1 ? [alongA, alongB] : [lateral, lateral];
        Consider(new Actor(kind, seed, axis, dir, [a, b], xs, zs));
    }

    private void Pedestrians(Rng r, int i, int j, double tm, double a, double b)
    {
        float bx0 = (i * City.PitchX) + City.RoadHalfWidth, bx1 = ((i + 1) * City.PitchX) - City.RoadHalfWidth;
        float bz0 = (j * City.PitchZ) + City.RoadHalfWidth, bz1 = ((j + 1) * City.PitchZ) - City.RoadHalfWidth;
        for (int edge = 0; edge < 4; edge++)
        {
            double a0 = edge < 2 ? bz0 : bx0, a1 = edge < 2 ? bz1 : bx1;
            int walkers = r.IntIncl(1, 4);
            for (int k = 0; k < walkers; k++)
            {
                int dir = r.Chance(0.5) ? 1 : -1;
                double inward = (dir > 0 ? 1.6 : 2.7) + r.Range(-0.15, 0.15);
                double speed = r.Range(1.0, 1.7);
                double along = r.Range(a0 - 10, a1 + 10);
                var (x, z) = EdgePoint(edge, bx0, bx1, bz0, bz1, along, inward);
                double da = dir * speed;
                double[] xs = edge < 2 ? [x, x] : [x + (da * (a - tm)), x + (da * (b - tm))];
                double[] zs = edge < 2 ? [z + (da * (a - tm)), z + (da * (b - tm))] : [z, z];
                Consider(new Actor(ObjectKind.Person, (uint)r.NextU64(), (byte)(edge < 2 ? 1 : 0), dir, [a, b], xs, zs));
            }

            int standing = r.IntIncl(0, 2);
            for (int k = 0; k < standing; k++)
            {
                var (x, z) = EdgePoint(edge, bx0, bx1, bz0, bz1, r.Range(a0 + 8, a1 - 8), r.Range(1.5, 3.4));
                Consider(new Actor(ObjectKind.Person, (uint)r.NextU64(), (byte)r.Int(2), r.Chance(0.5) ? 1 : -1, [a], [x], [z]));
            }
        }
    }

    /// <summary>People crossing on the zebra in front of the waiting ego car, then walking on along the sidewalk.</summary>
    private void ZebraCrossers(Rng r, Zebra zebra)
    {
        int n = r.IntIncl(4, 7);
        int placed = 0;
        for (int attempt = 0; attempt < 40 && placed < n; attempt++)
        {
            int dir = r.Chance(0.5) ? 1 : -1;
            double speed = r.Range(1.1, 1.6);
            double z = zebra.Along + r.Range(-1.5, 1.5);
            double side = City.RoadHalfWidth + 2.0;

            // Time at which the walker is at the road's centre line.
            double tc = r.Range(-3.5, 2.6);
            double xStart = -dir * side, xEnd = dir * side;
            double tStart = tc - (side / speed), tEnd = tc + (side / speed);
            int turn = r.Chance(0.5) ? 1 : -1;
            const double Along = 80;
            double[] ts = [tStart - (Along / speed), tStart, tEnd, tEnd + (Along / speed)];
            double[] xs = [xStart, xStart, xEnd, xEnd];
            double[] zs = [z - (turn * Along), z, z, z + (turn * Along)];
            if (Consider(new Actor(ObjectKind.Person, (uint)r.NextU64(), 0, dir, ts, xs, zs)))
            {
                placed++;
            }
        }
    }

    private static (double X, double Z) EdgePoint(int edge, double x0, double x1, double z0, double z1, double along, double inward) => edge switch
    {
        0 => (x0 + inward, along),
        1 => (x1 - inward, along),
        2 => (along, z0 + inward),
        _ => (along, z1 - inward),
    };

    /// <summary>Adds <paramref name="actor"/> unless it comes too close to the ego car or an accepted road user.</summary>
    private bool Consider(Actor actor)
    {
        int n = _times.Length;
        var track = new (double X, double Z)[n];
        double minX = double.MaxValue, maxX = double.MinValue, minZ = double.MaxValue, maxZ = double.MinValue;
        for (int k = 0; k < n; k++)
        {
            var (x, _, z) = actor.At(_times[k]);
            track[k] = (x, z);
            minX = Math.Min(minX, x - actor.HalfX);
            maxX = Math.Max(maxX, x + actor.HalfX);
            minZ = Math.Min(minZ, z - actor.HalfZ);
            maxZ = Math.Max(maxZ, z + actor.HalfZ);
        }

        bool vehicle = actor.Kind is ObjectKind.Car or ObjectKind.Truck or ObjectKind.Bus;
        double egoMargin = vehicle ? 0.9 : 0.6;
        for (int k = 0; k < n; k++)
        {
            foreach (var (cx, cz) in _ego[k])
            {
                double dx = Math.Max(Math.Abs(cx - track[k].X) - actor.HalfX, 0);
                double dz = Math.Max(Math.Abs(cz - track[k].Z) - actor.HalfZ, 0);
                if ((dx * dx) + (dz * dz) < (1.15 + egoMargin) * (1.15 + egoMargin))
                {
                    Rejected++;
                    return false;
                }
            }
        }

        for (int o = 0; o < _actors.Count; o++)
        {
            var other = _actors[o];
            var sweep = _sweeps[o];
            double margin = vehicle && other.Kind is ObjectKind.Car or ObjectKind.Truck or ObjectKind.Bus ? 1.0 : 0.25;
            if (sweep.MinX > maxX + margin || sweep.MaxX < minX - margin || sweep.MinZ > maxZ + margin || sweep.MaxZ < minZ - margin)
            {
                continue;
            }

            var otherTrack = _tracks[o];
            double hx = actor.HalfX + other.HalfX + margin, hz = actor.HalfZ + other.HalfZ + margin;
            for (int k = 0; k < n; k++)
            {
                if (Math.Abs(track[k].X - otherTrack[k].X) < hx && Math.Abs(track[k].Z - otherTrack[k].Z) < hz)
                {
                    Rejected++;
                    return false;
                }
            }
        }

        _actors.Add(actor);
        _tracks.Add(track);
        _sweeps.Add((minX, maxX, minZ, maxZ));
        return true;
    }
}
