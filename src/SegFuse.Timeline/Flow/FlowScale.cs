using System.Globalization;

namespace SegFuse.Timeline.Flow;

/// <summary>
/// What to do when a flow field's size differs from the frame size (<c>--flow-scale</c>): <c>none</c> (an error),
/// <c>auto</c> (resize to the frame size), or a factor k (the field is 1/k of the frame size, e.g. 2 for flow
/// computed at half resolution; it is resized by k, and any other size is an error). Resizing scales the vectors too.
/// </summary>
public readonly record struct FlowScale
{
    private FlowScale(bool auto, double factor)
    {
        IsAuto = auto;
        Factor = factor;
    }

    /// <summary>Sizes must match exactly.</summary>
    public static FlowScale None { get; } = new(false, 0);

    /// <summary>Any size is resized to the frame size.</summary>
    public static FlowScale Auto { get; } = new(true, 0);

    /// <summary>Whether any size is resized to the frame size.</summary>
    public bool IsAuto { get; }

    /// <summary>Frame size / flow size when a factor was given; 0 for <see cref="None"/> and <see cref="Auto"/>.</summary>
    public double Factor { get; }

    /// <summary>Whether sizes must match exactly.</summary>
    public bool IsNone => !IsAuto && Factor == 0;

    /// <summary>A fixed factor k: the field is 1/k of the frame size.</summary>
    public static FlowScale Of(double factor)
    {
        if (!double.IsFinite(factor) || factor <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(factor), "a flow scale factor is a positive number");
        }

        return new FlowScale(false, factor);
    }

    /// <summary>Parses <c>none</c>, <c>auto</c> or a positive number.</summary>
    /// <exception cref="SegFuseInputException">Anything else.</exception>
    public static FlowScale Parse(string text, string subject = "--flow-scale")
    {
        string t = text.Trim().ToLowerInvariant();
        if (t is "none" or "")
        {
            return None;
        }

        if (t == "auto")
        {
            return Auto;
        }

        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double k) && double.IsFinite(k) && k > 0)
        {
            return Of(k);
        }

        throw new SegFuseInputException(subject, $"'{text}' is not a flow scale (none, auto or a positive factor such as 2)");
    }

    /// <summary>
    /// Checks a field of <paramref name="flowWidth"/> × <paramref name="flowHeight"/> against frames of
    /// <paramref name="frameWidth"/> × <paramref name="frameHeight"/>; returns whether it must be resized.
    /// </summary>
    /// <exception cref="SegFuseInputException">The sizes differ and this scale does not allow it; <paramref name="path"/> is the subject.</exception>
    public bool CheckSize(string path, int flowWidth, int flowHeight, int frameWidth, int frameHeight)
    {
        if (flowWidth == frameWidth && flowHeight == frameHeight)
        {
            return false;
        }

        if (IsAuto)
        {
            return true;
        }

        if (Factor > 0)
        {
            // A factor allows the rounding of an odd size: the scaled flow must land within one pixel of the frame.
            if (Math.Abs((flowWidth * Factor) - frameWidth) <= Factor && Math.Abs((flowHeight * Factor) - frameHeight) <= Factor)
            {
                return true;
            }

            throw new SegFuseInputException(path, string.Create(CultureInfo.InvariantCulture,
                $"flow is {flowWidth}x{flowHeight}, which --flow-scale {Factor} does not bring to the frame size {frameWidth}x{frameHeight}"));
        }

        throw new SegFuseInputException(path,
            $"flow is {flowWidth}x{flowHeight} but the frames are {frameWidth}x{frameHeight}; pass --flow-scale auto (or the factor) to resize it, vectors scaled too");
    }

    /// <inheritdoc />
    public override string ToString() => IsAuto ? "auto" : Factor > 0 ? Factor.ToString(CultureInfo.InvariantCulture) : "none";
}
