using SegFuse.Inference.Onnx;
using SegFuse.Inference.Segment;

namespace SegFuse.Inference.Tests;

public class BadInputTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    private static SegFuseInputException OpenFails(TempDir dir, SegmentOptions options)
    {
        var e = Assert.Throws<SegFuseInputException>(() => VideoSegmenter.Open(options));
        Assert.DoesNotContain('\n', e.Reason);
        Assert.False(Directory.Exists(options.OutputDirectory), "no output on bad input");
        Assert.DoesNotContain(Directory.GetFileSystemEntries(dir.Path), p => !p.EndsWith(".onnx", StringComparison.Ordinal) && !p.EndsWith(".mp4", StringComparison.Ordinal));
        return e;
    }

    private SegmentOptions Options(TempDir dir, string model) => new() { VideoPath = tiny.VideoPath, ModelPath = model, OutputDirectory = dir.File("out") };

    [Fact]
    public void A_file_that_is_not_onnx_is_named_with_the_reason()
    {
        using var dir = new TempDir();
        string model = dir.File("notes.onnx");
        File.WriteAllText(model, "this is not a model\n");
        var e = OpenFails(dir, Options(dir, model));
        Assert.Equal(model, e.Subject);
        Assert.Contains("not an ONNX model", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_model_is_named()
    {
        using var dir = new TempDir();
        var e = OpenFails(dir, Options(dir, dir.File("missing.onnx")));
        Assert.Equal("no such file", e.Reason);
    }

    [Theory]
    [InlineData("rank3", "rank 3")]
    [InlineData("gray", "has 1 channels")]
    [InlineData("nhwc", "NHWC")]
    [InlineData("uint8", "float32 NCHW")]
    public void Inputs_that_do_not_fit_are_refused(string kind, string expected)
    {
        using var dir = new TempDir();
        string model = dir.File($"{kind}.onnx");
        File.WriteAllBytes(model, kind switch
        {
            "rank3" => ForeignModels.WithInput([3, "h", "w"]),
            "gray" => ForeignModels.WithInput(["n", 1, "h", "w"]),
            "nhwc" => ForeignModels.WithInput(["n", "h", "w", 3]),
            _ => ForeignModels.WithInput(["n", 3, "h", "w"], OnnxElementType.UInt8),
        });
        var e = OpenFails(dir, Options(dir, model));
        Assert.Equal(model, e.Subject);
        Assert.Contains(expected, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_class_count_that_does_not_match_the_labels_is_refused()
    {
        using var dir = new TempDir();
        var e = OpenFails(dir, Options(dir, tiny.ModelPath) with { Labels = "voc" });
        Assert.Equal("--labels", e.Subject);
        Assert.Contains("outputs 19 classes", e.Reason, StringComparison.Ordinal);
        Assert.Contains("'voc' has 21", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_whose_classes_fit_no_label_set_names_the_model_without_labels_option()
    {
        using var dir = new TempDir();
        string model = dir.File("seven.onnx");
        File.WriteAllBytes(model, ForeignModels.Strided(7));
        var e = OpenFails(dir, Options(dir, model) with { Mean = [0, 0, 0], Std = [1, 1, 1] });
        Assert.Equal(model, e.Subject);
        Assert.Contains("outputs 7 classes", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_on_the_cpu_build_says_so_and_how_to_switch()
    {
        using var dir = new TempDir();
        var e = OpenFails(dir, Options(dir, tiny.ModelPath) with { Device = InferenceDevice.Cuda });
        Assert.Equal("--device", e.Subject);
        Assert.Contains("CPU build", e.Reason, StringComparison.Ordinal);
        Assert.Contains("-p:OrtGpu=true", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_video_is_named()
    {
        using var dir = new TempDir();
        string video = dir.File("clip.mp4");
        File.WriteAllText(video, "nope");
        var e = OpenFails(dir, Options(dir, tiny.ModelPath) with { VideoPath = video });
        Assert.Equal(video, e.Subject);
    }

    [Fact]
    public void Mean_without_std_is_refused()
    {
        using var dir = new TempDir();
        var e = OpenFails(dir, Options(dir, tiny.ModelPath) with { Mean = [1, 2, 3] });
        Assert.Equal("--std", e.Subject);
    }

    [Fact]
    public void Scores_from_a_model_that_outputs_labels_are_refused()
    {
        using var dir = new TempDir();
        string model = dir.File("argmax.onnx");
        File.WriteAllBytes(model, ForeignModels.Strided(19, argmaxOutput: true));
        var e = OpenFails(dir, Options(dir, model) with { ScoresDirectory = dir.File("scores"), Mean = [0, 0, 0], Std = [1, 1, 1] });
        Assert.Equal("--scores", e.Subject);
        Assert.False(Directory.Exists(dir.File("scores")));
    }

    [Fact]
    public void An_output_folder_that_is_a_file_is_refused()
    {
        using var dir = new TempDir();
        string file = dir.File("out");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<SegFuseInputException>(() => VideoSegmenter.Open(Options(dir, tiny.ModelPath)));
        Assert.Equal(file, e.Subject);
        Assert.Equal("x", File.ReadAllText(file));
    }
}
