using SegFuse.Synthetic.Util;

namespace SegFuse.Synthetic.Scene;

/// <summary>The kinds of road user and parked object the scene places.</summary>
internal enum ObjectKind
{
    Car,
    Truck,
    Bus,
    Cyclist,
    Motorcycle,
    Person,
}

/// <summary>Builds the prisms of vehicles and people around a reference point (their ground centre).</summary>
internal static class Objects
{
    private static readonly uint[] CarColors =
    [
        0xE8E8E6, 0xDADDE0, 0x1E1F22, 0x2B2D31, 0x9EA2A6, 0x7D8185, 0xA3201B, 0x1F3F8C, 0x2F5A3A, 0xC9B48A, 0x5A2A2E, 0x3A6EA5,
    ];

    private static readonly uint[] ShirtColors =
    [
        0x2C3E73, 0x8C1C13, 0xE0E0E0, 0x3B3B3B, 0x6B8E23, 0xD98E04, 0x5B3A6E, 0x1A1A1A, 0xB0B7BF, 0x2F6F73, 0xC24E7A, 0x8B5A2B,
    ];

    private static readonly uint[] TrouserColors = [0x1F2A44, 0x202020, 0x3C3F45, 0x8A7A5C, 0x2E3B55, 0x5C4A3A];

    /// <summary>Length of the object along its travel axis and its width, for spacing and collision checks.</summary>
    public static (float Length, float Width) Size(ObjectKind kind, uint seed) => kind switch
    {
        ObjectKind.Car => (4.1f + (Hash.Unit(seed) * 0.7f), 1.8f),
        ObjectKind.Truck => (8.0f, 2.5f),
        ObjectKind.Bus => (11.5f, 2.55f),
        ObjectKind.Cyclist => (1.75f, 0.6f),
        ObjectKind.Motorcycle => (2.1f, 0.8f),
        _ => (0.5f, 0.5f),
    };

    /// <summary>
    /// Adds the prisms of one object centred at (<paramref name="cx"/>, <paramref name="cz"/>) on the ground at height
    /// <paramref name="ground"/>. <paramref name="axis"/> 1 = travels along z, 0 = along x; <paramref name="forward"/> ±1 its direction.
    /// </summary>
    public static void Add(List<Prism> prisms, ObjectKind kind, float cx, float cz, float ground, byte axis, int forward, uint seed, int instance, int actor)
    {
        var (length, width) = Size(kind, seed);
        switch (kind)
        {
            case ObjectKind.Car:
            {
                uint body = CarColors[Hash.Mix(seed) % CarColors.Length];
                prisms.Add(Box(cx, cz, 0, length, width, axis, ground + 0.2f, ground + 0.95f, Material.CarBody, TrainIds.Car, body, 0x15181C, seed, instance, actor, forward));
                float cabinLength = length * 0.52f;
                float shift = -0.08f * length * forward;
                prisms.Add(Box(cx, cz, shift, cabinLength, width - 0.16f, axis, ground + 0.95f, ground + 1.45f + (Hash.Unit(seed ^ 0x55) * 0.08f), Material.CarCabin, TrainIds.Car, body, 0x1A2028, seed, instance, actor, forward));
                break;
            }

            case ObjectKind.Truck:
            {
                uint cab = Hash.Unit(seed) < 0.5f ? 0xE6E6E6u : 0x2A4C8Cu;
                uint box = Hash.Unit(seed ^ 0x77) < 0.5f ? 0xD8D4CCu : 0x9C3A2Au;
                float cabCenter = (length / 2f) - 1.1f;
                prisms.Add(Box(cx, cz, cabCenter * forward, 2.2f, 2.4f, axis, ground + 0.5f, ground + 3.0f, Material.CarCabin, TrainIds.Truck, cab, 0x1A2028, seed, instance, actor, forward));
                prisms.Add(Box(cx, cz, -1.15f * forward, 5.6f, 2.5f, axis, ground + 0.85f, ground + 3.6f, Material.TruckBox, TrainIds.Truck, box, 0x303030, seed, instance, actor, forward));
                break;
            }

            case ObjectKind.Bus:
                prisms.Add(Box(cx, cz, 0, length, width, axis, ground + 0.3f, ground + 3.1f, Material.Bus, TrainIds.Bus, Hash.Unit(seed) < 0.5f ? 0xE2C21Au : 0xB8282Cu, 0x1A2028, seed, instance, actor, forward));
                break;

            case ObjectKind.Cyclist:
            {
                prisms.Add(Box(cx, cz, 0, length, 0.5f, axis, ground, ground + 1.05f, Material.Bicycle, TrainIds.Bicycle, Hash.Unit(seed) < 0.5f ? 0x303030u : 0x8C1C13u, 0x202020, seed, instance, actor, forward, Cutout.Bicycle));
                var p = Box(cx, cz, -0.12f * forward, 0.55f, 0.5f, axis, ground + 0.62f, ground + 1.78f, Material.Rider, TrainIds.Rider, ShirtColors[Hash.Mix(seed ^ 9) % ShirtColors.Length], TrouserColors[Hash.Mix(seed ^ 3) % TrouserColors.Length], seed, instance, actor, forward, Cutout.Rider);
                p.Param = 1.78f - 0.62f;
                prisms.Add(p);
                break;
            }

            case ObjectKind.Motorcycle:
                prisms.Add(Box(cx, cz, 0, length, width, axis, ground, ground + 1.15f, Material.Motorcycle, TrainIds.Motorcycle, CarColors[Hash.Mix(seed) % CarColors.Length], 0x202020, seed, instance, actor, forward, Cutout.Motorcycle));
                break;

            default:
            {
                float height = 1.58f + (Hash.Unit(seed ^ 0x1234) * 0.34f);
                var p = Box(cx, cz, 0, 0.5f, 0.5f, axis, ground, ground + height, Material.Person, TrainIds.Person, ShirtColors[Hash.Mix(seed ^ 9) % ShirtColors.Length], TrouserColors[Hash.Mix(seed ^ 3) % TrouserColors.Length], seed, instance, actor, forward, Cutout.Person);
                p.Param = height;
                prisms.Add(p);
                break;
            }
        }
    }

    /// <summary>A box of <paramref name="length"/> along <paramref name="axis"/> and <paramref name="width"/> across, shifted <paramref name="shift"/> along the axis.</summary>
    public static Prism Box(float cx, float cz, float shift, float length, float width, byte axis, float y0, float y1, Material material, byte label, uint color0, uint color1, uint seed, int instance, int actor, int forward = 1, Cutout cutout = Cutout.None)
    {
        float hl = length / 2f, hw = width / 2f;
        var p = new Prism
        {
            Y0 = y0,
            Y1 = y1,
            Material = material,
            Label = label,
            Color0 = color0,
            Color1 = color1,
            Seed = seed,
            Instance = instance,
            Actor = actor,
            Axis = axis,
            Cutout = cutout,
            Param = forward,
        };
        if (axis == 1)
        {
            p.X0 = cx - hw;
            p.X1 = cx + hw;
            p.Z0 = cz + shift - hl;
            p.Z1 = cz + shift + hl;
        }
        else
        {
            p.X0 = cx + shift - hl;
            p.X1 = cx + shift + hl;
            p.Z0 = cz - hw;
            p.Z1 = cz + hw;
        }

        return p;
    }
}
