using SegFuse.IO;

namespace SegFuse.Server.Intake;

/// <summary>The names of label encodings a submission may use: <c>ids</c>, <c>trainids</c>, <c>color</c>.</summary>
public static class SubmissionEncoding
{
    /// <summary>Parses an encoding name; null or empty means <c>ids</c>.</summary>
    /// <exception cref="SegFuseInputException">Unknown name.</exception>
    public static LabelEncoding Parse(string? name) => name?.ToLowerInvariant() switch
    {
        null or "" or "ids" => LabelEncoding.Ids,
        "trainids" => LabelEncoding.TrainIds,
        "color" or "colour" => LabelEncoding.Color,
        _ => throw new SegFuseInputException("encoding", $"unknown label encoding '{name}' (ids, trainids or color)"),
    };

    /// <summary>The name of <paramref name="encoding"/>.</summary>
    public static string Name(LabelEncoding encoding) => encoding switch
    {
        LabelEncoding.TrainIds => "trainids",
        LabelEncoding.Color => "color",
        _ => "ids",
    };
}
