using SegFuse.Synthetic.Util;

namespace SegFuse.Synthetic.Scene;

/// <summary>A zebra crossing painted across a road away from an intersection.</summary>
/// <param name="RoadAxis">1 = the road runs along z (the zebra spans x), 0 = along x.</param>
/// <param name="Along">Centre of the zebra along the road.</param>
internal readonly record struct Zebra(byte RoadAxis, float Along);

/// <summary>
/// The static city around the ego route: raised blocks (kerb, sidewalk ring, yards), buildings with
/// windows, walls, fences, hedges, trees, street lamps, traffic signs and lights, parked vehicles and
/// people standing on the sidewalks. Deterministic per seed and per block, so the same place always
/// looks the same.
/// </summary>
internal sealed class World
{
    private static readonly uint[] FacadeColors =
    [
        0xCDBFA5, 0xA8A6A2, 0x9A4E3C, 0xE3DED6, 0xC29A6B, 0x7C8086, 0xB8B09A, 0x8F6B58, 0xD6CBB0, 0x6E6A66,
    ];

    private static readonly uint[] SignColors = [0xC8161B, 0x1D4E9E, 0xF2C500, 0xC8161B, 0x1D4E9E];

    private readonly List<Prism> _prisms = [];
    private readonly List<Zebra> _zebras = [];
    private readonly int _seed;
    private int _nextInstance = 1;

    /// <param name="seed">Scene seed.</param>
    /// <param name="minX">West edge of the area to build.</param>
    /// <param name="maxX">East edge.</param>
    /// <param name="minZ">South edge.</param>
    /// <param name="maxZ">North edge.</param>
    /// <param name="zebras">Zebra crossings to paint away from intersections.</param>
    public World(int seed, float minX, float maxX, float minZ, float maxZ, IEnumerable<Zebra> zebras)
    {
        _seed = seed;
        _zebras.AddRange(zebras);
        int i0 = (int)MathF.Floor(minX / City.PitchX), i1 = (int)MathF.Floor(maxX / City.PitchX);
        int j0 = (int)MathF.Floor(minZ / City.PitchZ), j1 = (int)MathF.Floor(maxZ / City.PitchZ);
        for (int i = i0; i <= i1; i++)
        {
            for (int j = j0; j <= j1; j++)
            {
                BuildBlock(i, j);
            }
        }

        for (int i = i0; i <= i1 + 1; i++)
        {
            for (int j = j0; j <= j1; j++)
            {
                ParkAlongRoad(axis: 1, road: i, segment: j);
            }
        }

        for (int j = j0; j <= j1 + 1; j++)
        {
            for (int i = i0; i <= i1; i++)
            {
                ParkAlongRoad(axis: 0, road: j, segment: i);
            }
        }
    }

    /// <summary>The static prisms, in a fixed order (their index is their identity from frame to frame).</summary>
    public IReadOnlyList<Prism> Prisms => _prisms;

    public IReadOnlyList<Zebra> Zebras => _zebras;

    /// <summary>The next free object instance number (actors continue from here).</summary>
    public int NextInstance => _nextInstance;

    private int NewInstance() => _nextInstance++;

    private void BuildBlock(int i, int j)
    {
        float bx0 = (i * City.PitchX) + City.RoadHalfWidth, bx1 = ((i + 1) * City.PitchX) - City.RoadHalfWidth;
        float bz0 = (j * City.PitchZ) + City.RoadHalfWidth, bz1 = ((j + 1) * City.PitchZ) - City.RoadHalfWidth;
        var rng = new Rng(Hash.Combine((ulong)(uint)_seed, Hash.Of(i, j, 0x51ab)));
        var block = new Prism
        {
            X0 = bx0,
            X1 = bx1,
            Z0 = bz0,
            Z1 = bz1,
            Y0 = 0,
            Y1 = City.KerbHeight,
            Material = Material.Block,
            Label = TrainIds.Sidewalk,
            Actor = -1,
            Seed = Hash.Of(i, j, _seed),
            Color0 = rng.Chance(0.5) ? 0xA7A39Bu : 0x9E9C98u,
            Param = City.SidewalkWidth,
        };
        _prisms.Add(block);
        var frame = new BlockFrame(bx0, bx1, bz0, bz1);
        bool park = rng.Chance(0.18);
        for (int edge = 0; edge < 4; edge++)
        {
            Furnish(frame, edge, rng.Fork((ulong)edge + 11), i, j);
            if (park)
            {
                ParkEdge(frame, edge, rng.Fork((ulong)edge + 21));
            }
            else
            {
                BuildingsEdge(frame, edge, rng.Fork((ulong)edge + 31));
            }
        }

        // Trees in the yards or the park, away from the sidewalk ring.
        int trees = park ? rng.IntIncl(22, 38) : rng.IntIncl(2, 7);
        float margin = City.SidewalkWidth + (park ? 3f : 20f);
        for (int k = 0; k < trees; k++)
        {
            if (bx1 - bx0 < (2 * margin) + 2 || bz1 - bz0 < (2 * margin) + 2)
            {
                break;
            }

            float x = (float)rng.Range(bx0 + margin, bx1 - margin);
            float z = (float)rng.Range(bz0 + margin, bz1 - margin);
            Tree(x, z, (float)rng.Range(2.6, 5.5), (float)rng.Range(5.5, 10.5), rng, pit: false);
        }

        if (park)
        {
            int bushes = rng.IntIncl(4, 10);
            for (int k = 0; k < bushes; k++)
            {
                float x = (float)rng.Range(bx0 + margin, bx1 - margin);
                float z = (float)rng.Range(bz0 + margin, bz1 - margin);
                float w = (float)rng.Range(1.5, 5), d = (float)rng.Range(1, 2.5);
                _prisms.Add(StaticBox(x - w, x + w, z - d, z + d, City.KerbHeight, City.KerbHeight + (float)rng.Range(0.6, 1.6), Material.Hedge, TrainIds.Vegetation, 0x3D5A2A, NewInstance(), rng));
            }
        }
    }

    /// <summary>Street furniture along a block edge: trees in pits, lamps, signs, and traffic lights at the corners.</summary>
    private void Furnish(BlockFrame f, int edge, Rng rng, int bi, int bj)
    {
        float a0 = f.AlongStart(edge), a1 = f.AlongEnd(edge);

        // Traffic light at the corner where this edge starts (each corner gets one from one of its two edges).
        if (rng.Chance(0.8))
        {
            var (x, z) = f.Point(edge, a0 + 0.8f, 0.7f);
            int inst = NewInstance();
            _prisms.Add(StaticBox(x - 0.07f, x + 0.07f, z - 0.07f, z + 0.07f, City.KerbHeight, 3.4f, Material.Pole, TrainIds.Pole, 0x5A5E60, inst, rng));
            var head = StaticBox(x - 0.17f, x + 0.17f, z - 0.17f, z + 0.17f, 2.35f, 3.35f, Material.TrafficLight, TrainIds.TrafficLight, 0x161616, NewInstance(), rng);
            head.Param = rng.Int(3);
            _prisms.Add(head);
        }

        if (rng.Chance(0.55))
        {
            float spacing = (float)rng.Range(9, 13);
            for (float a = a0 + 9 + (float)rng.Range(0, 3); a < a1 - 9; a += spacing + (float)rng.Range(-1, 1))
            {
                var (x, z) = f.Point(edge, a, 1.0f);
                Tree(x, z, (float)rng.Range(2.6, 4.2), (float)rng.Range(5.5, 8), rng, pit: true);
            }
        }

        float lampSpacing = (float)rng.Range(24, 34);
        for (float a = a0 + 14 + (float)rng.Range(0, 6); a < a1 - 10; a += lampSpacing)
        {
            var (x, z) = f.Point(edge, a + 4.5f, 0.45f);
            _prisms.Add(StaticBox(x - 0.09f, x + 0.09f, z - 0.09f, z + 0.09f, City.KerbHeight, (float)rng.Range(7, 8.2), Material.Pole, TrainIds.Pole, 0x6A6E70, NewInstance(), rng));
        }

        int signs = rng.IntIncl(1, 4);
        for (int k = 0; k < signs; k++)
        {
            float a = (float)rng.Range(a0 + 6, a1 - 6);
            var (x, z) = f.Point(edge, a, 0.55f);
            _prisms.Add(StaticBox(x - 0.04f, x + 0.04f, z - 0.04f, z + 0.04f, City.KerbHeight, 2.85f, Material.Pole, TrainIds.Pole, 0x7A7E80, NewInstance(), rng));

            // The plate faces the traffic that drives on this side of the street.
            float w = 0.34f, t = 0.025f, y0 = (float)rng.Range(1.95, 2.2);
            bool acrossX = edge < 2;
            var plate = acrossX
                ? StaticBox(x - w, x + w, z - t, z + t, y0, y0 + 0.68f, Material.SignPlate, TrainIds.TrafficSign, SignColors[rng.Int(SignColors.Length)], NewInstance(), rng)
                : StaticBox(x - t, x + t, z - w, z + w, y0, y0 + 0.68f, Material.SignPlate, TrainIds.TrafficSign, SignColors[rng.Int(SignColors.Length)], NewInstance(), rng);
            plate.Axis = (byte)(acrossX ? 1 : 0);
            plate.Param = edge switch { 0 => -1, 1 => 1, 2 => 1, _ => -1 };
            plate.Cutout = rng.Int(3) switch { 0 => Cutout.RoundSign, 1 => Cutout.TriangleSign, _ => Cutout.None };
            _prisms.Add(plate);
        }

        _ = bi;
        _ = bj;
    }

    private void BuildingsEdge(BlockFrame f, int edge, Rng rng)
    {
        // Long edges (along z) run corner to corner; short ones start behind the corner buildings.
        float inset = edge < 2 ? 0 : City.SidewalkWidth + 12;
        float a0 = f.AlongStart(edge) + (edge < 2 ? City.SidewalkWidth : inset);
        float a1 = f.AlongEnd(edge) - (edge < 2 ? City.SidewalkWidth : inset);
        float setback = rng.Chance(0.28) ? (float)rng.Range(3, 6) : 0;
        float front = City.SidewalkWidth + setback;
        if (setback > 0)
        {
            FrontBoundary(f, edge, a0, a1, rng);
        }

        float a = a0;
        while (a < a1 - 4)
        {
            if (rng.Chance(0.22))
            {
                float gap = (float)rng.Range(2, 7);
                float g1 = MathF.Min(a + gap, a1);
                double kind = rng.NextDouble();
                if (kind < 0.35)
                {
                    _prisms.Add(f.Box(edge, a, g1, front, front + 0.3f, City.KerbHeight, City.KerbHeight + (float)rng.Range(1.8, 2.6), Material.Wall, TrainIds.Wall, 0x9C968C, NewInstance(), rng));
                }
                else if (kind < 0.65)
                {
                    _prisms.Add(f.Box(edge, a, g1, front, front + 0.06f, City.KerbHeight, City.KerbHeight + (float)rng.Range(1.4, 2.0), Material.Fence, TrainIds.Fence, rng.Chance(0.5) ? 0x6B4F35u : 0x3E4A40u, NewInstance(), rng));
                }

                a = g1;
                continue;
            }

            float width = (float)rng.Range(8, 24);
            float b = MathF.Min(a + width, a1);
            int floors = rng.Chance(0.12) ? rng.IntIncl(9, 14) : rng.IntIncl(2, 7);
            float floorHeight = (float)rng.Range(2.9, 3.4);
            float height = City.KerbHeight + (floors * floorHeight) + 1.2f;
            float depth = (float)rng.Range(10, 18);
            var p = f.Box(edge, a, b, front, front + depth, City.KerbHeight, height, Material.Building, TrainIds.Building, FacadeColors[rng.Int(FacadeColors.Length)], NewInstance(), rng);
            p.Color1 = rng.Chance(0.5) ? 0x2E3A46u : 0x3A4148u;
            p.Param = floorHeight;
            _prisms.Add(p);
            a = b;
        }
    }

    /// <summary>A park: a fence, wall or hedge along the sidewalk with gates.</summary>
    private void ParkEdge(BlockFrame f, int edge, Rng rng)
    {
        float a0 = f.AlongStart(edge) + City.SidewalkWidth, a1 = f.AlongEnd(edge) - City.SidewalkWidth;
        FrontBoundary(f, edge, a0, a1, rng);
    }

    private void FrontBoundary(BlockFrame f, int edge, float a0, float a1, Rng rng)
    {
        double kind = rng.NextDouble();
        float d = City.SidewalkWidth;
        float a = a0;
        while (a < a1 - 3)
        {
            float run = MathF.Min((float)rng.Range(15, 40), a1 - a);
            if (kind < 0.35)
            {
                _prisms.Add(f.Box(edge, a, a + run, d, d + 0.06f, City.KerbHeight, City.KerbHeight + (float)rng.Range(1.2, 1.8), Material.Fence, TrainIds.Fence, rng.Chance(0.5) ? 0x3E4A40u : 0x6B4F35u, NewInstance(), rng));
            }
            else if (kind < 0.6)
            {
                _prisms.Add(f.Box(edge, a, a + run, d, d + 0.3f, City.KerbHeight, City.KerbHeight + (float)rng.Range(1.0, 2.0), Material.Wall, TrainIds.Wall, 0xA39D92, NewInstance(), rng));
            }
            else
            {
                _prisms.Add(f.Box(edge, a, a + run, d, d + 0.8f, City.KerbHeight, City.KerbHeight + (float)rng.Range(0.9, 1.6), Material.Hedge, TrainIds.Vegetation, 0x35522A, NewInstance(), rng));
            }

            a += run + (float)rng.Range(2.5, 4);
        }
    }

    private void Tree(float x, float z, float crown, float top, Rng rng, bool pit)
    {
        int inst = NewInstance();
        if (pit)
        {
            _prisms.Add(StaticBox(x - 0.7f, x + 0.7f, z - 0.7f, z + 0.7f, 0, City.KerbHeight + 0.002f, Material.TreePit, TrainIds.Terrain, 0x5A4A35, 0, rng));
        }

        float trunk = 0.14f + (crown * 0.02f);
        float crownBase = (float)rng.Range(2.0, 2.8);
        _prisms.Add(StaticBox(x - trunk, x + trunk, z - trunk, z + trunk, City.KerbHeight, crownBase + 0.6f, Material.Trunk, TrainIds.Vegetation, 0x4A3A2A, inst, rng));
        float hx = crown / 2f * (float)rng.Range(0.85, 1.15), hz = crown / 2f * (float)rng.Range(0.85, 1.15);
        var canopy = StaticBox(x - hx, x + hx, z - hz, z + hz, crownBase, top, Material.Canopy, TrainIds.Vegetation, rng.Chance(0.5) ? 0x3F6B2Au : 0x4E7A30u, inst, rng);
        canopy.Color1 = 0x2E4A1E;
        canopy.Cutout = Cutout.Canopy;
        _prisms.Add(canopy);
    }

    /// <summary>Parked vehicles along both parking lanes of one road segment (between two intersections).</summary>
    private void ParkAlongRoad(byte axis, int road, int segment)
    {
        var rng = new Rng(Hash.Combine((ulong)(uint)_seed, Hash.Of(road, segment, 0x9a7 + axis)));
        float line = road * (axis == 1 ? City.PitchX : City.PitchZ);
        float pitch = axis == 1 ? City.PitchZ : City.PitchX;
        float start = (segment * pitch) + City.RoadHalfWidth + City.CrosswalkWidth + 9;
        float end = ((segment + 1) * pitch) - City.RoadHalfWidth - City.CrosswalkWidth - 9;
        for (int side = -1; side <= 1; side += 2)
        {
            float a = start + (float)rng.Range(0, 6);
            while (a < end)
            {
                if (rng.Chance(0.2))
                {
                    a += (float)rng.Range(6, 22);
                    continue;
                }

                double r = rng.NextDouble();
                var kind = r < 0.86 ? ObjectKind.Car : r < 0.94 ? ObjectKind.Truck : ObjectKind.Motorcycle;
                uint seed = (uint)rng.NextU64();
                var (length, _) = Objects.Size(kind, seed);
                if (a + length > end)
                {
                    break;
                }

                if (!OnZebra(axis, a, a + length))
                {
                    float center = a + (length / 2);
                    float offset = side * City.ParkingOffset;
                    int forward = side > 0 ? (axis == 1 ? 1 : -1) : (axis == 1 ? -1 : 1);
                    if (axis == 1)
                    {
                        Objects.Add(_prisms, kind, line + offset, center, 0, 1, forward, seed, NewInstance(), -1);
                    }
                    else
                    {
                        Objects.Add(_prisms, kind, center, line - offset, 0, 0, forward, seed, NewInstance(), -1);
                    }
                }

                a += length + (float)rng.Range(0.7, 2.5);
            }
        }
    }

    private bool OnZebra(byte axis, float a0, float a1)
    {
        foreach (var zb in _zebras)
        {
            if (zb.RoadAxis == axis && a1 > zb.Along - 8 && a0 < zb.Along + 8)
            {
                return true;
            }
        }

        return false;
    }

    private static Prism StaticBox(float x0, float x1, float z0, float z1, float y0, float y1, Material material, byte label, uint color, int instance, Rng rng) => new()
    {
        X0 = x0,
        X1 = x1,
        Z0 = z0,
        Z1 = z1,
        Y0 = y0,
        Y1 = y1,
        Material = material,
        Label = label,
        Color0 = color,
        Color1 = color,
        Seed = (uint)rng.NextU64(),
        Instance = instance,
        Actor = -1,
    };

    /// <summary>Coordinates along and into a block from each of its four edges (0 west, 1 east, 2 south, 3 north).</summary>
    private readonly record struct BlockFrame(float X0, float X1, float Z0, float Z1)
    {
        public float AlongStart(int edge) => edge < 2 ? Z0 : X0;

        public float AlongEnd(int edge) => edge < 2 ? Z1 : X1;

        public (float X, float Z) Point(int edge, float along, float inward) => edge switch
        {
            0 => (X0 + inward, along),
            1 => (X1 - inward, along),
            2 => (along, Z0 + inward),
            _ => (along, Z1 - inward),
        };

        public Prism Box(int edge, float a0, float a1, float d0, float d1, float y0, float y1, Material material, byte label, uint color, int instance, Rng rng)
        {
            var (xa, za) = Point(edge, a0, d0);
            var (xb, zb) = Point(edge, a1, d1);
            return StaticBox(MathF.Min(xa, xb), MathF.Max(xa, xb), MathF.Min(za, zb), MathF.Max(za, zb), y0, y1, material, label, color, instance, rng);
        }
    }
}
