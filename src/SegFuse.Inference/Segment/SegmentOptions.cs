using System.Globalization;

namespace SegFuse.Inference.Segment;

/// <summary>Channel order of a model's input planes.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (PyTorch/torchvision models).</summary>
    Rgb,

    /// <summary>Blue, green, red (Caffe/OpenCV-trained models).</summary>
    Bgr,
}

/// <summary>Where ONNX Runtime runs the model.</summary>
public enum InferenceDevice
{
    /// <summary>The CPU execution provider.</summary>
    Cpu,

    /// <summary>The CUDA execution provider (needs a build with <c>-p:OrtGpu=true</c>).</summary>
    Cuda,
}

/// <summary>What <see cref="VideoSegmenter"/> runs: a video through a model into per-frame label maps.</summary>
public sealed record SegmentOptions
{
    /// <summary>The video to segment.</summary>
    public required string VideoPath { get; init; }

    /// <summary>The ONNX model.</summary>
    public required string ModelPath { get; init; }

    /// <summary>Folder for the label maps <c>000123.png</c> (ids of the label set).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Label set of the outputs; null: the model's <c>segfuse.labels</c> metadata, else <c>cityscapes-trainids</c>.</summary>
    public string? Labels { get; init; }

    /// <summary>Model input size (width, height) for a model with a dynamic size; null: the frame size.</summary>
    public (int Width, int Height)? InputSize { get; init; }

    /// <summary>Per-channel mean in R, G, B order and 0..255 pixel units; null: the model's metadata, else ImageNet's.</summary>
    public IReadOnlyList<float>? Mean { get; init; }

    /// <summary>Per-channel standard deviation, as <see cref="Mean"/>.</summary>
    public IReadOnlyList<float>? Std { get; init; }

    /// <summary>Input channel order; null: the model's <c>segfuse.channels</c> metadata, else RGB.</summary>
    public ChannelOrder? Channels { get; init; }

    /// <summary>Folder for per-class scores (softmax of the logits at frame size, float16 .npy C×H×W); null: none.</summary>
    public string? ScoresDirectory { get; init; }

    /// <summary>Execution provider.</summary>
    public InferenceDevice Device { get; init; } = InferenceDevice.Cpu;

    /// <summary>
    /// ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per physical core). Null: one per core but
    /// one, at least 1, leaving a core to the decode/pre-process and post-process/write threads that run alongside.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>The intra-op thread count <see cref="Threads"/> stands for (0 = ONNX Runtime's choice).</summary>
    public int EffectiveThreads => Threads ?? Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Frames per <c>Run</c>; null: the model's fixed batch size, else 1.</summary>
    public int? Batch { get; init; }

    /// <summary>Parses <c>WxH</c>, e.g. <c>1024x512</c>.</summary>
    /// <exception cref="SegFuseInputException">Not two positive integers joined by x; <paramref name="subject"/> names the option.</exception>
    public static (int Width, int Height) ParseSize(string text, string subject)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            && w > 0 && h > 0)
        {
            return (w, h);
        }

        throw new SegFuseInputException(subject, $"'{text}' is not WxH with positive integers, e.g. 1024x512");
    }

    /// <summary>Parses three comma-separated numbers <c>r,g,b</c> (invariant culture).</summary>
    /// <exception cref="SegFuseInputException">Not three finite numbers; <paramref name="subject"/> names the option or file.</exception>
    public static float[] ParseRgb(string text, string subject)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
            {
                throw new SegFuseInputException(subject, $"'{text}' is not three comma-separated numbers r,g,b");
            }
        }

        if (values.Length != 3)
        {
            throw new SegFuseInputException(subject, $"'{text}' has {values.Length} values; give three: r,g,b");
        }

        return values;
    }
}

/// <summary>What a segment run did and where its time went.</summary>
public sealed record SegmentSummary
{
    /// <summary>Frames segmented and written.</summary>
    public required int Frames { get; init; }

    /// <summary>Wall-clock seconds of the whole run (decode to last file written).</summary>
    public required double Seconds { get; init; }

    /// <summary>Seconds inside <c>InferenceSession.Run</c>.</summary>
    public required double RunSeconds { get; init; }

    /// <summary>Seconds decoding frames (reader thread).</summary>
    public required double DecodeSeconds { get; init; }

    /// <summary>Seconds resizing and normalising into the input tensor (reader thread).</summary>
    public required double PreprocessSeconds { get; init; }

    /// <summary>Seconds upsampling, taking the argmax and the softmax (writer thread).</summary>
    public required double PostprocessSeconds { get; init; }

    /// <summary>Seconds encoding and writing PNG and .npy files (writer thread).</summary>
    public required double WriteSeconds { get; init; }

    /// <summary>Frames per second over the wall-clock time.</summary>
    public double FramesPerSecond => Seconds > 0 ? Frames / Seconds : 0;

    /// <summary>Share of the wall-clock time not spent inside <c>Run</c> (the other stages overlap with it).</summary>
    public double ShareOutsideRun => Seconds > 0 ? Math.Clamp(1 - (RunSeconds / Seconds), 0, 1) : 0;
}
