namespace SegFuse.Synthetic.Scene;

/// <summary>Cityscapes train ids (the classes the generator labels and predicts).</summary>
internal static class TrainIds
{
    public const byte Road = 0;
    public const byte Sidewalk = 1;
    public const byte Building = 2;
    public const byte Wall = 3;
    public const byte Fence = 4;
    public const byte Pole = 5;
    public const byte TrafficLight = 6;
    public const byte TrafficSign = 7;
    public const byte Vegetation = 8;
    public const byte Terrain = 9;
    public const byte Sky = 10;
    public const byte Person = 11;
    public const byte Rider = 12;
    public const byte Car = 13;
    public const byte Truck = 14;
    public const byte Bus = 15;
    public const byte Train = 16;
    public const byte Motorcycle = 17;
    public const byte Bicycle = 18;
    public const int Count = 19;
}
