using System.Globalization;

namespace SegFuse.Inference.Segment;

/// <summary>Per-channel mean and standard deviation in R, G, B order and 0..255 pixel units.</summary>
internal sealed record Normalization(float[] Mean, float[] Std, string Source)
{
    /// <summary>ImageNet's statistics, the usual normalisation of Cityscapes models (mmsegmentation's defaults).</summary>
    public static Normalization ImageNet { get; } = new([123.675f, 116.28f, 103.53f], [58.395f, 57.12f, 57.375f], "ImageNet defaults");

    /// <summary>
    /// Builds a normalisation from three means and three stds in 0..255 units (a model fed pixel / 255 with
    /// torchvision's mean 0.485 and std 0.229 has mean 123.675 and std 58.395 here; plain pixel / 255 is mean 0, std 255).
    /// </summary>
    /// <exception cref="SegFuseInputException">Not three values each, or a std that is not positive.</exception>
    public static Normalization Create(IReadOnlyList<float> mean, IReadOnlyList<float> std, string subject, string source)
    {
        if (mean.Count != 3 || std.Count != 3)
        {
            throw new SegFuseInputException(subject, $"mean and std need three values each (r,g,b), got {mean.Count} and {std.Count}");
        }

        if (std.Any(s => !(s > 0)) || mean.Any(m => !float.IsFinite(m)))
        {
            throw new SegFuseInputException(subject, "std values must be positive and mean values finite");
        }

        return new Normalization([.. mean], [.. std], source);
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"mean {string.Join(',', Mean.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture)))} std {string.Join(',', Std.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture)))} ({Source})");
}
