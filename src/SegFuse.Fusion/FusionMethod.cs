namespace SegFuse.Fusion;

/// <summary>How per-frame evidence is fused over time (<c>--method</c>).</summary>
public enum FusionMethod
{
    /// <summary>
    /// Past and future frames (the default, for scoring whole videos): a causal pass along the backward flow and an
    /// anti-causal pass along the forward flow over a window, summed. Output lags the input by a window.
    /// </summary>
    Offline,

    /// <summary>Past frames only (online): decayed evidence carried along the backward flow. Output is ready as each frame arrives.</summary>
    Causal,
}

/// <summary>Names of <see cref="FusionMethod"/> on the command line and in parameter files.</summary>
public static class FusionMethods
{
    /// <summary>Every method name, the default first.</summary>
    public static IReadOnlyList<string> Names { get; } = ["offline", "causal"];

    /// <summary>The name of <paramref name="method"/>.</summary>
    public static string Name(this FusionMethod method) => method == FusionMethod.Causal ? "causal" : "offline";

    /// <summary>Parses a method name (case-insensitive).</summary>
    /// <exception cref="SegFuseInputException">Unknown name; the subject is <paramref name="subject"/>.</exception>
    public static FusionMethod Parse(string text, string subject = "--method") => text.Trim().ToLowerInvariant() switch
    {
        "offline" => FusionMethod.Offline,
        "causal" => FusionMethod.Causal,
        _ => throw new SegFuseInputException(subject, $"unknown fusion method '{text}' (use {string.Join(" or ", Names)})"),
    };
}
