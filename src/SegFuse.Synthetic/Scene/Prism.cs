namespace SegFuse.Synthetic.Scene;

/// <summary>How a surface is textured; the shader picks the pattern, the prism gives colours and seeds.</summary>
internal enum Material : byte
{
    /// <summary>Block slab: sides are the kerb, the top is sidewalk pavers or grass by position.</summary>
    Block,
    TreePit,
    Building,
    Wall,
    Fence,
    Hedge,
    Trunk,
    Canopy,
    Pole,
    SignPlate,
    TrafficLight,
    CarBody,
    CarCabin,
    TruckBox,
    Bus,
    Person,
    Rider,
    Bicycle,
    Motorcycle,
}

/// <summary>Which silhouette cuts a prism's faces (pixels outside it let the ray through).</summary>
internal enum Cutout : byte
{
    None,
    Canopy,
    Person,
    Rider,
    Bicycle,
    Motorcycle,
    RoundSign,
    TriangleSign,
}

/// <summary>
/// The one primitive of the 2.5D scene: an axis-aligned box standing on an axis-aligned footprint
/// [X0,X1]×[Z0,Z1] from height Y0 to Y1. Buildings, kerbs, poles, sign plates, tree canopies, cars
/// and people are all prisms (some with a cut-out silhouette). Movers give their footprint relative to
/// the actor's position.
/// </summary>
internal struct Prism
{
    public float X0;
    public float X1;
    public float Z0;
    public float Z1;
    public float Y0;
    public float Y1;

    /// <summary>Index of the moving actor that carries the prism, or -1 for the static world.</summary>
    public int Actor;

    /// <summary>Object instance (a tree's trunk and canopy share one); drives per-object prediction errors.</summary>
    public int Instance;

    /// <summary>Cityscapes train id of the prism's pixels (the block slab's top decides by position).</summary>
    public byte Label;

    public Material Material;
    public Cutout Cutout;

    /// <summary>Axis the object faces or travels along: 0 = x, 1 = z (orients windows, signs, silhouettes).</summary>
    public byte Axis;

    /// <summary>Per-object random bits for texture variation.</summary>
    public uint Seed;

    /// <summary>Main colour, 0xRRGGBB.</summary>
    public uint Color0;

    /// <summary>Second colour, 0xRRGGBB (window glass, trousers, sign symbol, ...).</summary>
    public uint Color1;

    /// <summary>A material parameter (floor height of a building, facing sign of a plate, ...).</summary>
    public float Param;

    public readonly bool HasCutout => Cutout != Cutout.None;

    public readonly float CenterX => (X0 + X1) * 0.5f;

    public readonly float CenterZ => (Z0 + Z1) * 0.5f;
}
