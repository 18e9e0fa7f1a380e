using System.Globalization;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Palette;
using SegFuse.Media.Tools;

namespace SegFuse.Server.Intake;

/// <summary>
/// A palette-coloured video submission (what <c>segfuse render</c> writes): checked at intake with ffprobe (a video
/// stream, the frame size, the frame count the container lists) and decoded for scoring with the robust
/// <see cref="PaletteVideoDecoder"/>, one label map per frame.
/// </summary>
public static class VideoSubmission
{
    /// <summary>
    /// A video in which, on average over its frames, more than this share of the pixels matches no palette colour on its
    /// own is refused. Measured with <see cref="PaletteVideoDecoder.UncertainFraction"/> (frame means): videos rendered by
    /// <c>segfuse render</c> leave 10–13 % of the pixels (the blended borders) to the neighbourhood model at 320×180 on the
    /// synthetic drive's predictions, and 19–68 % at 96×64 when random 8×8 blocks cover 0–80 % of each frame; camera
    /// footage 88–94 %. Labels with single-pixel noise are refused too (92 % at 64×48 with 15 % of the pixels random):
    /// H.264's 4:2:0 chroma cannot carry them, and the message says to send a zip of PNGs instead.
    /// </summary>
    public const double MaxUncertainFraction = 0.8;

    /// <summary>The intake checks: size limit, a readable video stream, the frame size and, when the container lists it, the frame count.</summary>
    /// <exception cref="SegFuseInputException">A rule broken; the message names <paramref name="displayName"/>.</exception>
    public static VideoProbe Inspect(string path, string displayName, SubmissionRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        long size = new FileInfo(path).Length;
        if (size > rules.MaxUploadBytes)
        {
            throw new SegFuseInputException(displayName, $"is {size} bytes, over the competition's limit of {rules.MaxUploadBytes} bytes");
        }

        VideoProbe probe;
        try
        {
            probe = VideoProbe.Run(path);
        }
        catch (SegFuseInputException e) when (e.Subject == path)
        {
            throw new SegFuseInputException(displayName, $"is neither a zip of label PNGs nor a readable video: {e.Reason}", e);
        }

        if (probe.Width != rules.Width || probe.Height != rules.Height)
        {
            throw new SegFuseInputException(displayName, $"is {probe.Width}x{probe.Height}; the competition's frames are {rules.Width}x{rules.Height}");
        }

        if (probe.FrameCount is long n && n != rules.VideoFrames)
        {
            throw new SegFuseInputException(displayName, FrameCountMismatch(n, rules.VideoFrames));
        }

        return probe;
    }

    /// <summary>
    /// Decodes every frame and writes the scored ones into <paramref name="dir"/> as <c>000123.png</c> (label ids of the
    /// competition's set); checks the frame count and that every frame is in the set's palette.
    /// </summary>
    /// <returns>Scored frame index → label PNG.</returns>
    /// <exception cref="SegFuseInputException">Not decodable, another frame count, or a frame that is not in the palette.</exception>
    public static IReadOnlyDictionary<int, string> DecodeTo(string path, string displayName, SubmissionRules rules, string dir, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Directory.CreateDirectory(dir);
        var scored = rules.ScoredFrames.ToHashSet();
        var files = new Dictionary<int, string>();
        double uncertain = 0;
        try
        {
            using var decoder = PaletteVideoDecoder.Open(path, rules.Labels);
            if (decoder.Width != rules.Width || decoder.Height != rules.Height)
            {
                throw new SegFuseInputException(displayName, $"is {decoder.Width}x{decoder.Height}; the competition's frames are {rules.Width}x{rules.Height}");
            }

            while (decoder.TryRead(out LabelMap map, cancellationToken))
            {
                int index = decoder.FramesRead - 1;
                if (index >= rules.VideoFrames)
                {
                    throw new SegFuseInputException(displayName, $"has more than {rules.VideoFrames} frames, the length of the competition's test video");
                }

                uncertain += decoder.UncertainFraction;
                if (scored.Contains(index))
                {
                    string file = Path.Combine(dir, FrameFiles.NameOf(index, ".png"));
                    LabelPng.Write(file, map);
                    files[index] = file;
                }

                progress?.Report(index + 1);
            }

            if (decoder.FramesRead > 0 && uncertain / decoder.FramesRead > MaxUncertainFraction)
            {
                throw new SegFuseInputException(displayName, string.Create(CultureInfo.InvariantCulture, $"{uncertain / decoder.FramesRead:P0} of the pixels match no colour of the {rules.Labels.Name} palette on their own: this is not a palette video (segfuse render --mode palette; not camera footage or an overlay), or its labels are too fine-grained for H.264's subsampled colour (single-pixel noise) — send a zip of label PNGs instead"));
            }

            if (decoder.FramesRead != rules.VideoFrames)
            {
                throw new SegFuseInputException(displayName, FrameCountMismatch(decoder.FramesRead, rules.VideoFrames));
            }
        }
        catch (SegFuseInputException e) when (e.Subject == path)
        {
            throw new SegFuseInputException(displayName, e.Reason, e);
        }

        return files;
    }

    private static string FrameCountMismatch(long frames, int expected) =>
        $"has {frames} frames; the competition's test video has {expected} (one label frame per video frame, no frame-rate change)";
}
