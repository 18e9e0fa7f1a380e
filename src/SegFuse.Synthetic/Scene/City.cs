namespace SegFuse.Synthetic.Scene;

/// <summary>
/// The fixed dimensions of the synthetic city, in metres. World axes: x to the right of the start heading,
/// y up, z forward. Roads run along z at x = i·<see cref="PitchX"/> and along x at z = j·<see cref="PitchZ"/>;
/// between them are blocks, raised by a kerb, with a sidewalk ring, buildings or parks.
/// </summary>
internal static class City
{
    /// <summary>Half the width of a street, kerb to kerb (two lanes and two parking lanes).</summary>
    public const float RoadHalfWidth = 7f;

    /// <summary>Distance of a driving lane's centre from the road's centre line (right-hand traffic).</summary>
    public const float LaneOffset = 1.9f;

    /// <summary>Distance of a parking lane's centre from the road's centre line.</summary>
    public const float ParkingOffset = 5.3f;

    /// <summary>Distance of the cyclists' line from the road's centre line.</summary>
    public const float BikeOffset = 3.3f;

    /// <summary>Distance of the painted line between the driving and the parking lane from the centre line.</summary>
    public const float EdgeLineOffset = 3.6f;

    /// <summary>Spacing of the roads that run along z.</summary>
    public const float PitchX = 90f;

    /// <summary>Spacing of the roads that run along x.</summary>
    public const float PitchZ = 120f;

    /// <summary>Width of the sidewalk ring of a block.</summary>
    public const float SidewalkWidth = 4.2f;

    /// <summary>Height of the kerb: blocks are raised slabs this high.</summary>
    public const float KerbHeight = 0.15f;

    /// <summary>Height of the camera above the road.</summary>
    public const float CameraHeight = 1.4f;

    /// <summary>Width of a crosswalk band beside an intersection.</summary>
    public const float CrosswalkWidth = 4f;

    /// <summary>Index of the z-running road nearest to <paramref name="x"/>.</summary>
    public static int RoadIndexX(float x) => (int)MathF.Round(x / PitchX);

    /// <summary>Index of the x-running road nearest to <paramref name="z"/>.</summary>
    public static int RoadIndexZ(float z) => (int)MathF.Round(z / PitchZ);
}
