using SegFuse.Synthetic.Util;

namespace SegFuse.Synthetic.Scene;

/// <summary>The camera's pose at one instant.</summary>
/// <param name="X">Position, world x (metres).</param>
/// <param name="Z">Position, world z (metres).</param>
/// <param name="Yaw">Camera heading in radians: 0 looks along +z, π/2 along +x (the vehicle's heading plus the camera pan).</param>
/// <param name="PrincipalY">Row of the optical axis in pixels; moves with pitch (acceleration squat, road vibration).</param>
internal readonly record struct CameraPose(double X, double Z, double Yaw, double PrincipalY);

/// <summary>The vehicle state that telemetry reports.</summary>
/// <param name="Speed">Forward speed, m/s.</param>
/// <param name="Acceleration">Longitudinal acceleration, m/s².</param>
/// <param name="SteeringDeg">Steering-wheel angle in degrees, positive to the left (ISO 8855).</param>
internal readonly record struct VehicleState(double Speed, double Acceleration, double SteeringDeg);

/// <summary>A planned stop: the vehicle brakes to stand at arc length <see cref="S"/> for <see cref="Duration"/> seconds.</summary>
internal sealed record PlannedStop(double S, double Duration, double PanDeg);

/// <summary>
/// The ego vehicle: a route through the street grid (straight legs, right turns built from a
/// clothoid–arc–clothoid so that steering is continuous), and a speed profile simulated with
/// acceleration and jerk limits: it stands (the camera pans), accelerates, cruises, brakes for turns
/// and stops. Everything is in physical units and drive time; the sequence shows a window of it.
/// </summary>
internal sealed class EgoMotion
{
    public const double Wheelbase = 2.7;
    public const double SteeringRatio = 15.0;
    public const double TurnRadius = 8.0;
    public const double TurnTransition = 3.0;
    private const double PathStep = 0.05;
    private const double SimStep = 0.002;

    // Path table: position and heading every PathStep metres of arc length.
    private readonly double[] _px;
    private readonly double[] _pz;
    private readonly double[] _psi;
    private readonly double[] _kappa;

    // Speed profile: arc length, speed and acceleration every SimStep seconds of drive time.
    private readonly double[] _s;
    private readonly double[] _v;
    private readonly double[] _a;
    private readonly List<(double Start, double End, double PanRad)> _stands = [];
    private readonly double _pitchPxPerMs2;
    private readonly double _vibrationPx;
    private readonly double _principalY;
    private readonly double _vibrationPhase;

    /// <param name="seed">Scene seed.</param>
    /// <param name="duration">Drive time to plan, seconds (the sequence's end plus a margin).</param>
    /// <param name="height">Image height in pixels (pitch is given in pixels at this height).</param>
    /// <param name="principalY">Row of the optical axis at rest.</param>
    public EgoMotion(int seed, double duration, int height, double principalY)
    {
        var rng = new Rng(seed, "ego");
        CruiseSpeed = rng.Range(8.0, 9.0);
        TurnSpeed = rng.Range(4.6, 5.2);
        double firstStand = rng.Range(2.1, 2.4);
        double firstPan = rng.Range(8.0, 11.0) * (rng.Chance(0.5) ? 1 : -1);
        double firstTurnAt = rng.Range(20.0, 23.0);
        _principalY = principalY;
        _pitchPxPerMs2 = 1.6 * height / 720.0;
        _vibrationPx = 0.35 * height / 720.0;
        _vibrationPhase = rng.Range(0, 100);

        // Route: start on the road x = 0 heading +z, in the right lane, so that the first right turn
        // (into the road z = 0) begins firstTurnAt metres ahead.
        var turnShape = TurnDisplacement();
        StartX = City.LaneOffset;
        StartZ = -(firstTurnAt + turnShape.Forward + City.LaneOffset);
        double maxLength = (duration * 12.0) + 200.0;
        var segments = new List<(double Length, bool Turn)>();
        var stops = new List<PlannedStop>();
        double s = 0;
        double x = StartX, z = StartZ;
        int dir = 0;
        bool first = true;
        while (s < maxLength)
        {
            // Next intersection ahead, at least 8 m past where a turn could start.
            double along = Along(x, z, dir);
            double pitch = (dir % 2 == 0) ? City.PitchZ : City.PitchX;
            double center = (Math.Floor((along + turnShape.Forward + City.LaneOffset + 8.0) / pitch) + 1) * pitch;
            if (first)
            {
                center = along + firstTurnAt + turnShape.Forward + City.LaneOffset;
            }

            bool turn = first || rng.Chance(0.5);
            double straight = turn
                ? center - City.LaneOffset - turnShape.Forward - along
                : center + City.RoadHalfWidth + City.CrosswalkWidth + 2.0 - along;

            // Sometimes stop mid-leg (not on the first leg, and clear of intersections).
            if (!first && straight > 50 && rng.Chance(0.35))
            {
                double at = s + rng.Range(20, straight - 25);
                stops.Add(new PlannedStop(at, rng.Range(1.5, 3.0), rng.Chance(0.5) ? rng.Range(-9, 9) : 0));
            }

            segments.Add((straight, false));
            Advance(ref x, ref z, dir, straight);
            s += straight;
            if (turn)
            {
                segments.Add((turnShape.Length, true));
                (x, z) = Offset(x, z, dir, turnShape.Forward, turnShape.Lateral);
                dir = (dir + 1) % 4;
                s += turnShape.Length;
            }

            first = false;
        }

        Stops = stops;
        (_px, _pz, _psi, _kappa) = BuildPath(StartX, StartZ, segments, PathStep);
        var turns = new List<(double Start, double End)>();
        double acc = 0;
        foreach (var (length, isTurn) in segments)
        {
            if (isTurn)
            {
                turns.Add((acc, acc + length));
            }

            acc += length;
        }

        Turns = turns;
        (_s, _v, _a) = SimulateSpeed(duration, firstStand, firstPan);
    }

    /// <summary>Speed on straight legs, m/s.</summary>
    public double CruiseSpeed { get; }

    /// <summary>Speed through turns, m/s.</summary>
    public double TurnSpeed { get; }

    public double StartX { get; }

    public double StartZ { get; }

    public IReadOnlyList<PlannedStop> Stops { get; }

    /// <summary>Arc-length intervals of the right turns.</summary>
    public IReadOnlyList<(double Start, double End)> Turns { get; }

    /// <summary>Intervals of drive time in which the vehicle stands.</summary>
    public IEnumerable<(double Start, double End)> Stands => _stands.Select(st => (st.Start, st.End));

    /// <summary>Total arc length planned.</summary>
    public double PathLength => (_px.Length - 1) * PathStep;

    /// <summary>Arc length travelled at drive time <paramref name="t"/>.</summary>
    public double DistanceAt(double t) => Lerp(_s, t / SimStep);

    /// <summary>The vehicle's reference point and heading (radians) at drive time <paramref name="t"/>.</summary>
    public (double X, double Z, double Heading) VehicleAt(double t)
    {
        double i = DistanceAt(t) / PathStep;
        return (Lerp(_px, i), Lerp(_pz, i), Lerp(_psi, i));
    }

    /// <summary>The camera pose at drive time <paramref name="t"/>: vehicle pose, pan, and pitch as a shift of the principal point.</summary>
    public CameraPose CameraAt(double t)
    {
        var (x, z, heading) = VehicleAt(t);
        double pan = 0;
        foreach (var (start, end, panRad) in _stands)
        {
            if (t > start && t < end && panRad != 0)
            {
                // Right, back, left, back: zero angle and zero rate at both ends.
                double tau = (t - start) / (end - start);
                pan = panRad * Math.Sin(2 * Math.PI * tau) * (1 - Math.Cos(2 * Math.PI * tau)) / 2 * 1.3;
            }
        }

        double v = Lerp(_v, t / SimStep);
        double a = Lerp(_a, t / SimStep);

        // Accelerating squats the car (nose up, the scene moves down in the image); road roughness shakes it with speed.
        double tv = t + _vibrationPhase;
        double vibration = _vibrationPx * Math.Min(v / 8.0, 1.2) * ((0.6 * Math.Sin(tv * 11.3)) + (0.4 * Math.Sin((tv * 17.9) + 1.3)));
        return new CameraPose(x, z, heading + pan, _principalY + (_pitchPxPerMs2 * a) + vibration);
    }

    /// <summary>Speed, acceleration and steering at drive time <paramref name="t"/>.</summary>
    public VehicleState StateAt(double t)
    {
        double v = Lerp(_v, t / SimStep);
        double a = Lerp(_a, t / SimStep);
        double kappa = Lerp(_kappa, DistanceAt(t) / PathStep);

        // Bicycle model: road-wheel angle atan(L·κ); the path's κ is positive to the right, ISO steering positive to the left.
        double wheel = Math.Atan(Wheelbase * kappa);
        return new VehicleState(v, a, -wheel * SteeringRatio * 180.0 / Math.PI);
    }

    /// <summary>The vehicle's footprint as three circles along its axis (for keeping other road users clear of it).</summary>
    public void Footprint(double t, Span<(double X, double Z)> centers)
    {
        var (x, z, heading) = VehicleAt(t);
        double fx = Math.Sin(heading), fz = Math.Cos(heading);
        centers[0] = (x + (1.6 * fx), z + (1.6 * fz));
        centers[1] = (x - (0.3 * fx), z - (0.3 * fz));
        centers[2] = (x - (2.1 * fx), z - (2.1 * fz));
    }

    private static double Along(double x, double z, int dir) => dir switch
    {
        0 => z,
        1 => x,
        2 => -z,
        _ => -x,
    };

    private static void Advance(ref double x, ref double z, int dir, double d)
    {
        (x, z) = Offset(x, z, dir, d, 0);
    }

    /// <summary>Moves <paramref name="forward"/> along direction <paramref name="dir"/> and <paramref name="right"/> to its right.</summary>
    private static (double X, double Z) Offset(double x, double z, int dir, double forward, double right) => dir switch
    {
        0 => (x + right, z + forward),
        1 => (x + forward, z - right),
        2 => (x - right, z - forward),
        _ => (x - forward, z + right),
    };

    /// <summary>Curvature of a right turn at arc length <paramref name="u"/> from its start (positive = right).</summary>
    private static double TurnCurvature(double u, double length)
    {
        double kMax = 1.0 / TurnRadius;
        if (u < TurnTransition)
        {
            return kMax * u / TurnTransition;
        }

        if (u > length - TurnTransition)
        {
            return kMax * (length - u) / TurnTransition;
        }

        return kMax;
    }

    /// <summary>Heading change of a right turn after arc length <paramref name="u"/> (exact integral of the curvature).</summary>
    private static double TurnHeading(double u, double length)
    {
        double kMax = 1.0 / TurnRadius;
        double lt = TurnTransition;
        if (u <= lt)
        {
            return kMax * u * u / (2 * lt);
        }

        double full = kMax * lt / 2;
        if (u <= length - lt)
        {
            return full + (kMax * (u - lt));
        }

        double w = length - u;
        return (Math.PI / 2) - (kMax * w * w / (2 * lt));
    }

    /// <summary>Length of a 90° right turn and where it ends, relative to its start and heading.</summary>
    private static (double Length, double Forward, double Lateral) TurnDisplacement()
    {
        // κmax·(arc + transition) = π/2.
        double length = (Math.PI / 2 * TurnRadius) + TurnTransition;
        const double ds = 0.001;
        double f = 0, r = 0;
        for (double u = 0; u < length - 1e-12; u += ds)
        {
            double step = Math.Min(ds, length - u);
            double psi = TurnHeading(u + (step / 2), length);
            f += Math.Cos(psi) * step;
            r += Math.Sin(psi) * step;
        }

        return (length, f, r);
    }

    private static (double[] X, double[] Z, double[] Psi, double[] Kappa) BuildPath(double x0, double z0, List<(double Length, bool Turn)> segments, double step)
    {
        double total = segments.Sum(sg => sg.Length);
        int n = (int)Math.Ceiling(total / step) + 1;
        var xs = new double[n];
        var zs = new double[n];
        var psis = new double[n];
        var kappas = new double[n];
        double x = x0, z = z0, baseHeading = 0;
        int seg = 0;
        double segStart = 0;
        const int Sub = 20;
        for (int i = 0; i < n; i++)
        {
            double s = i * step;
            while (seg < segments.Count - 1 && s > segStart + segments[seg].Length)
            {
                if (segments[seg].Turn)
                {
                    baseHeading += Math.PI / 2;
                }

                segStart += segments[seg].Length;
                seg++;
            }

            double u = Math.Min(s - segStart, segments[seg].Length);
            var (length, turn) = segments[seg];
            psis[i] = baseHeading + (turn ? TurnHeading(u, length) : 0);
            kappas[i] = turn ? TurnCurvature(u, length) : 0;
            xs[i] = x;
            zs[i] = z;

            // Integrate to the next sample with the midpoint rule on exact headings.
            if (i < n - 1)
            {
                for (int k = 0; k < Sub; k++)
                {
                    double sm = s + ((k + 0.5) * step / Sub);
                    double heading = HeadingAt(sm, segments, out _);
                    x += Math.Sin(heading) * step / Sub;
                    z += Math.Cos(heading) * step / Sub;
                }
            }
        }

        return (xs, zs, psis, kappas);
    }

    private static double HeadingAt(double s, List<(double Length, bool Turn)> segments, out bool inTurn)
    {
        double heading = 0, start = 0;
        foreach (var (length, turn) in segments)
        {
            if (s <= start + length)
            {
                inTurn = turn;
                return heading + (turn ? TurnHeading(s - start, length) : 0);
            }

            if (turn)
            {
                heading += Math.PI / 2;
            }

            start += length;
        }

        inTurn = false;
        return heading;
    }

    /// <summary>
    /// Simulates the speed along the route: a P controller on a target speed (cruise, the braking curve to the
    /// next turn or stop), with acceleration and jerk limits, at <see cref="SimStep"/>.
    /// </summary>
    private (double[] S, double[] V, double[] A) SimulateSpeed(double duration, double firstStand, double firstPanDeg)
    {
        const double AccMax = 2.4, BrakeMax = 3.5, PlanDecel = 1.9, Jerk = 4.0, Gain = 1.6;
        int n = (int)Math.Ceiling(duration / SimStep) + 2;
        var ss = new double[n];
        var vs = new double[n];
        var accs = new double[n];
        double s = 0, v = 0, a = 0;
        double standUntil = firstStand;
        _stands.Add((0, firstStand, firstPanDeg * Math.PI / 180));
        var pending = new Queue<PlannedStop>(Stops);
        for (int i = 0; i < n; i++)
        {
            double t = i * SimStep;
            ss[i] = s;
            vs[i] = v;
            accs[i] = a;
            if (t < standUntil)
            {
                continue;
            }

            double target = CruiseSpeed;
            foreach (var (start, end) in Turns)
            {
                if (s < end)
                {
                    double limit = s >= start ? TurnSpeed : Math.Sqrt((TurnSpeed * TurnSpeed) + (2 * PlanDecel * (start - s)));
                    target = Math.Min(target, limit);
                    if (start - s > 200)
                    {
                        break;
                    }
                }
            }

            if (pending.TryPeek(out var stop))
            {
                target = Math.Min(target, Math.Sqrt(2 * PlanDecel * Math.Max(0, stop.S - s)));
            }

            double desired = Math.Clamp(Gain * (target - v), -BrakeMax, AccMax);
            a += Math.Clamp(desired - a, -Jerk * SimStep, Jerk * SimStep);
            v += a * SimStep;
            if (v <= 0)
            {
                v = 0;
                a = Math.Max(a, 0);
            }

            s += v * SimStep;
            if (stop is not null && v == 0 && stop.S - s < 3.0)
            {
                pending.Dequeue();
                a = 0;
                standUntil = t + stop.Duration;
                _stands.Add((t, standUntil, stop.PanDeg * Math.PI / 180));
            }
        }

        return (ss, vs, accs);
    }

    private static double Lerp(double[] table, double index)
    {
        if (index <= 0)
        {
            return table[0];
        }

        int i = (int)index;
        if (i >= table.Length - 1)
        {
            return table[^1];
        }

        double f = index - i;
        return table[i] + ((table[i + 1] - table[i]) * f);
    }
}
