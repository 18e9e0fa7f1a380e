namespace SegFuse.Media.Decoding;

/// <summary>Where the timestamps of a <see cref="VideoFrameSource"/> come from.</summary>
public enum TimestampSource
{
    /// <summary>The container's presentation times (as OpenCV's FFmpeg backend reports them, plus the stream's start time).</summary>
    Container,

    /// <summary>The container gives none (every frame at 0 ms, as in some AVI files and raw H.264 streams): index / fps.</summary>
    FrameRate,
}

/// <summary>What a video file says about itself when it is opened.</summary>
public sealed record VideoInfo
{
    /// <summary>The file.</summary>
    public required string Path { get; init; }

    /// <summary>Frame width in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Frame height in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>Frames per second as the container states it (always positive; see <see cref="FpsGuessed"/>).</summary>
    public required double Fps { get; init; }

    /// <summary>True when the file states no usable frame rate and <see cref="Fps"/> is the fallback of 30.</summary>
    public bool FpsGuessed { get; init; }

    /// <summary>The frame count the container claims (exact in MP4/MOV, estimated from duration × fps elsewhere); null when it claims none.</summary>
    public int? ClaimedFrameCount { get; init; }

    /// <summary>Whether <see cref="ClaimedFrameCount"/> is a stored count (MP4/MOV <c>nb_frames</c>) rather than an estimate.</summary>
    public bool ClaimedFrameCountIsExact { get; init; }

    /// <summary>The codec as OpenCV names it (its FourCC), e.g. <c>h264</c>, <c>MJPG</c>.</summary>
    public required string Codec { get; init; }

    /// <summary>The stream's first presentation time in seconds (0 when the container says nothing).</summary>
    public double StartTime { get; init; }

    /// <summary>The stream's colour matrix tag (e.g. <c>bt709</c>); null when untagged (decoded as BT.601, as ffmpeg does).</summary>
    public string? ColorMatrix { get; init; }

    /// <summary>The claimed duration in seconds (claimed frame count / fps), null when the count is unknown.</summary>
    public double? ClaimedDuration => ClaimedFrameCount is int n ? n / Fps : null;
}
