using System.CommandLine;
using System.Globalization;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Rendering;

namespace SegFuse.Cli.Commands;

/// <summary>
/// <c>segfuse render --labels DIR --out sub.mp4</c>: label maps to an H.264 MP4 with YouTube's upload settings,
/// as the palette the competition scores, an overlay on the footage, or panels side by side.
/// </summary>
internal static class RenderCommand
{
    public static Command Create(CliConsole console)
    {
        var labels = new Option<string>("--labels") { Description = "Folder of per-frame label PNGs (frame index = last digit run of the name).", Required = true };
        labels.AcceptLegalFilePathsOnly();
        var set = new Option<string>("--labels-set") { Description = "Label set: cityscapes, cityscapes-trainids, ade20k, voc or a JSON file.", DefaultValueFactory = _ => "cityscapes-trainids" };
        var encoding = new Option<string>("--encoding") { Description = "How the PNGs store labels: ids, trainids or color.", DefaultValueFactory = _ => "ids" };
        encoding.AcceptOnlyFromAmong("ids", "trainids", "color");
        var output = new Option<string>("--out") { Description = "The MP4 to write (written under a temporary name, renamed when complete).", Required = true };
        output.AcceptLegalFilePathsOnly();
        var mode = new Option<string>("--mode") { Description = "palette (what the competition scores), overlay (on --video) or side-by-side.", DefaultValueFactory = _ => "palette" };
        mode.AcceptOnlyFromAmong("palette", "overlay", "side-by-side");
        var video = new Option<string?>("--video") { Description = "Footage: frame i is paired with label map i (overlay, side-by-side); also gives the default frame rate." };
        video.AcceptLegalFilePathsOnly();
        var alpha = new Option<double>("--alpha") { Description = "Overlay: weight of the label colours over the footage, 0..1.", DefaultValueFactory = _ => 0.5 };
        var compare = new Option<string?>("--compare") { Description = "Side-by-side: a second prediction folder shown after the first (before/after)." };
        compare.AcceptLegalFilePathsOnly();
        var legend = new Option<bool>("--legend") { Description = "Add a strip listing the label colours and names (overlay and side-by-side only)." };
        var fps = new Option<double?>("--fps") { Description = "Output frame rate; default the footage's, else 30." };
        var preset = new Option<string>("--preset") { Description = "x264 speed preset (ultrafast … veryslow).", DefaultValueFactory = _ => "medium" };
        var scale = new Option<int>("--scale") { Description = "Enlarge every frame by this integer factor (nearest neighbour), so that small label maps survive H.264's 4:2:0 chroma in a palette submission; scorers scale the video back.", DefaultValueFactory = _ => 1 };
        preset.AcceptOnlyFromAmong("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow");
        var decoder = DecoderOption.Create();

        var command = new Command("render", "Render label maps as an H.264 MP4 with YouTube's recommended upload settings (High, yuv420p, CFR, closed GOP, faststart, BT.709).")
        {
            labels, set, encoding, output, mode, video, alpha, compare, legend, fps, preset, decoder, scale,
        };
        command.SetGuardedAction(console, (parse, ct) =>
        {
            var request = new RenderRequest
            {
                LabelsDir = parse.GetValue(labels)!,
                Set = LoadSet(parse.GetValue(set)!),
                Encoding = parse.GetValue(encoding) switch
                {
                    "trainids" => LabelEncoding.TrainIds,
                    "color" => LabelEncoding.Color,
                    _ => LabelEncoding.Ids,
                },
                OutPath = parse.GetValue(output)!,
                Mode = parse.GetValue(mode) switch
                {
                    "overlay" => RenderMode.Overlay,
                    "side-by-side" => RenderMode.SideBySide,
                    _ => RenderMode.Palette,
                },
                VideoPath = parse.GetValue(video),
                Decoder = DecoderOption.Parse(parse.GetValue(decoder)),
                Alpha = parse.GetValue(alpha),
                CompareDir = parse.GetValue(compare),
                Legend = parse.GetValue(legend),
                Fps = parse.GetValue(fps),
                Preset = parse.GetValue(preset)!,
                Scale = parse.GetValue(scale),
            };

            int total = LabelVideoRenderer.CountFrames(request.LabelsDir);
            RenderResult result;
            using (var bar = console.Progress("render", total))
            {
                result = LabelVideoRenderer.Render(request, bar, console.Warn, ct);
            }

            console.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"wrote {request.OutPath}: {result.Frames} frames, {result.Width}x{result.Height}, {result.Fps:0.###} fps, H.264 High yuv420p at {result.BitRate / 1e6:0.#} Mbit/s, {result.Bytes / 1e6:0.0} MB"));
            return 0;
        });
        return command;
    }

    /// <summary>Loads a label set given with <paramref name="option"/>, naming that option in errors.</summary>
    internal static LabelSet LoadSet(string nameOrPath, string option = "--labels-set")
    {
        try
        {
            return LabelSet.Load(nameOrPath);
        }
        catch (SegFuseInputException e) when (e.Subject == "--labels")
        {
            throw new SegFuseInputException(option, e.Reason, e);
        }
    }
}
