namespace SegFuse.Inference;

/// <summary>
/// Keys of an ONNX model's <c>metadata_props</c> that <c>segfuse segment</c> reads (and <c>model-tiny</c> writes).
/// Each is optional; command-line options override them.
/// </summary>
public static class ModelMetadataKeys
{
    /// <summary>Per-channel mean, <c>r,g,b</c> (always in R, G, B order, whatever the input's channel order), in 0..255 pixel units.</summary>
    public const string Mean = "segfuse.mean";

    /// <summary>Per-channel standard deviation, same units and order as <see cref="Mean"/>.</summary>
    public const string Std = "segfuse.std";

    /// <summary>Input channel order: <c>rgb</c> or <c>bgr</c>.</summary>
    public const string Channels = "segfuse.channels";

    /// <summary>The label set of the outputs: a built-in name such as <c>cityscapes-trainids</c>.</summary>
    public const string Labels = "segfuse.labels";

    /// <summary>Class names of the output channels in order, comma-separated or a JSON array of strings.</summary>
    public const string ClassNames = "segfuse.class_names";
}
