using System.CommandLine;
using SegFuse.Media.Decoding;

namespace SegFuse.Cli.Commands;

/// <summary><c>--decoder auto|ffmpeg|opencv</c>: which decoder reads the video (shared by the commands that decode one).</summary>
internal static class DecoderOption
{
    public static Option<string> Create()
    {
        var option = new Option<string>("--decoder")
        {
            Description = "Video decoder: auto (the system ffmpeg through a pipe when ffmpeg and ffprobe are on PATH: the fastest; else OpenCV), ffmpeg or opencv (OpenCvSharp's bundled FFmpeg).",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong("auto", "ffmpeg", "opencv");
        return option;
    }

    public static VideoDecoder Parse(string? value) => value switch
    {
        "ffmpeg" => VideoDecoder.Ffmpeg,
        "opencv" => VideoDecoder.OpenCv,
        _ => VideoDecoder.Auto,
    };
}
