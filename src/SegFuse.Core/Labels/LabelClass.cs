namespace SegFuse.Labels;

/// <summary>An RGB colour of a label set's palette.</summary>
/// <param name="R">Red, 0..255.</param>
/// <param name="G">Green, 0..255.</param>
/// <param name="B">Blue, 0..255.</param>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>The colour packed as 0xRRGGBB.</summary>
    public int Packed => (R << 16) | (G << 8) | B;

    /// <inheritdoc />
    public override string ToString() => $"({R},{G},{B})";
}

/// <summary>One label of a label set, as the set's table describes it.</summary>
public sealed record LabelClass
{
    /// <summary>The id stored in label maps of this set.</summary>
    public required int Id { get; init; }

    /// <summary>The label's name, e.g. <c>road</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The palette colour used to render the label.</summary>
    public required Rgb Color { get; init; }

    /// <summary>The category (Cityscapes groups labels into flat, construction, object, nature, sky, human, vehicle, void); null where the set has none.</summary>
    public string? Category { get; init; }

    /// <summary>Cityscapes train id (0..18, 255 = not trained); null where the set has none.</summary>
    public int? TrainId { get; init; }

    /// <summary>Whether the ground truth distinguishes instances of this label (Cityscapes <c>hasInstances</c>).</summary>
    public bool HasInstances { get; init; }

    /// <summary>Whether the label is left out of the scores (Cityscapes <c>ignoreInEval</c>).</summary>
    public bool IgnoreInEval { get; init; }

    /// <summary>Average instance size over the training set, the weight of instance-level iIoU; null for labels without one.</summary>
    public double? AvgInstanceSize { get; init; }
}
