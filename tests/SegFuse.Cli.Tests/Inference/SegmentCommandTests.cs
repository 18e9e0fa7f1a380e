using SegFuse.Inference.Onnx;
using SegFuse.IO;
using SegFuse.Labels;

namespace SegFuse.Cli.Tests.Inference;

/// <summary>A sample folder and a tiny model fitted on it through <c>segfuse model-tiny</c>, shared by the tests.</summary>
public sealed class TinySampleFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public TinySampleFixture()
    {
        // The sample generator's own output: the synthetic street scene, 24 frames (12 train, 4 val, 8 test).
        SampleDir = _dir.Combine("sample");
        SampleRun = CliRunner.Run("sample", "--out", SampleDir, "--frames", "24", "--size", "160x96", "--start", "2");
        ModelPath = _dir.Combine("tiny.onnx");
        ModelTinyRun = CliRunner.Run("model-tiny", "--sample", SampleDir, "--out", ModelPath, "--samples", "8000", "--steps", "500");
    }

    internal CliRunner.Result SampleRun { get; }

    public string SampleDir { get; }

    public string VideoPath => Path.Combine(SampleDir, "video.mp4");

    public string ModelPath { get; }

    internal CliRunner.Result ModelTinyRun { get; }

    public void Dispose() => _dir.Dispose();
}

public class SegmentCommandTests(TinySampleFixture fx) : IClassFixture<TinySampleFixture>
{
    private static void AssertOneLineError(CliRunner.Result r, string subject, string text)
    {
        Assert.Equal(2, r.ExitCode);
        string error = r.Error.TrimEnd('\n');
        Assert.DoesNotContain('\n', error);
        Assert.StartsWith($"error: {subject}: ", error, StringComparison.Ordinal);
        Assert.Contains(text, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_tiny_fits_on_the_train_split_and_reports_held_out_miou()
    {
        Assert.True(fx.SampleRun.ExitCode == 0, fx.SampleRun.Error);
        var r = fx.ModelTinyRun;
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("fitted on 12 train frames", r.Out, StringComparison.Ordinal);
        Assert.Contains("held-out (test,val, 12 frames): mIoU ", r.Out, StringComparison.Ordinal);
        Assert.StartsWith("wrote ", r.LastLine, StringComparison.Ordinal);
        Assert.True(File.Exists(fx.ModelPath));
    }

    [Fact]
    public void Segment_writes_one_label_png_per_frame_with_progress_and_fps()
    {
        using var dir = new TempDir();
        string outDir = dir.Combine("labels");
        string scores = dir.Combine("scores");
        var r = CliRunner.Run("segment", "--video", fx.VideoPath, "--model", fx.ModelPath, "--out", outDir, "--scores", scores, "--threads", "1", "--batch", "2");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => FrameFiles.NameOf(i, ".png")), Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(24, Directory.GetFiles(scores, "*.npy").Length);
        Assert.Contains("segment: 24/24 frames", r.Error, StringComparison.Ordinal);
        Assert.Contains(" fps); inside session.Run ", r.Out, StringComparison.Ordinal);
        Assert.Equal($"{outDir} {scores}", r.LastLine);

        // The written maps score well against the sample's own ground truth through 'segfuse score'.
        var score = CliRunner.Run("score", "--gt", Path.Combine(fx.SampleDir, "gt"), "--pred", outDir, "--labels", "cityscapes-trainids", "--layout", "frames", "--json", dir.Combine("score.json"));
        Assert.True(score.ExitCode == 0, score.Error);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(dir.Combine("score.json")))!;
        // Guessing with the class frequencies scores about 0.04 here; the tiny model scores about ten times that.
        Assert.True(json["averageScoreClasses"]!.GetValue<double>() > 0.25, json["averageScoreClasses"]!.ToJsonString());
    }

    [Fact]
    public void Cuda_on_a_cpu_build_is_one_line_with_exit_2_and_no_output()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("segment", "--video", fx.VideoPath, "--model", fx.ModelPath, "--out", dir.Combine("o"), "--device", "cuda");
        AssertOneLineError(r, "--device", "this is a CPU build");
        Assert.Contains("-p:OrtGpu=true", r.Error, StringComparison.Ordinal);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void A_file_that_is_not_an_onnx_model_is_one_line_naming_it()
    {
        using var dir = new TempDir();
        string bogus = dir.Combine("model.onnx");
        File.WriteAllBytes(bogus, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4, 5, 6, 7]);
        var r = CliRunner.Run("segment", "--video", fx.VideoPath, "--model", bogus, "--out", dir.Combine("o"));
        AssertOneLineError(r, bogus, "not an ONNX model");
        Assert.False(Directory.Exists(dir.Combine("o")));
    }

    [Fact]
    public void An_input_of_the_wrong_rank_or_channels_is_one_line()
    {
        using var dir = new TempDir();
        string gray = dir.Combine("gray.onnx");
        var g = new OnnxGraph("g");
        g.Inputs.Add(new OnnxValueInfo("x", OnnxElementType.Float, ["n", 1, "h", "w"]));
        g.Add("Identity", ["x"], "y");
        g.Outputs.Add(new OnnxValueInfo("y", OnnxElementType.Float, ["n", 1, "h", "w"]));
        OnnxWriter.Save(new OnnxModel(g), gray);
        var r = CliRunner.Run("segment", "--video", fx.VideoPath, "--model", gray, "--out", dir.Combine("o"));
        AssertOneLineError(r, gray, "has 1 channels where segment feeds 3");

        string flat = dir.Combine("flat.onnx");
        g.Inputs[0] = g.Inputs[0] with { Shape = ["n", 3, "hw"] };
        g.Outputs[0] = g.Outputs[0] with { Shape = ["n", 3, "hw"] };
        OnnxWriter.Save(new OnnxModel(g), flat);
        r = CliRunner.Run("segment", "--video", fx.VideoPath, "--model", flat, "--out", dir.Combine("o"));
        AssertOneLineError(r, flat, "rank 3");
        Assert.False(Directory.Exists(dir.Combine("o")));
    }

    [Fact]
    public void A_class_count_that_does_not_match_labels_is_one_line()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("segment", "--video", fx.VideoPath, "--model", fx.ModelPath, "--out", dir.Combine("o"), "--labels", "ade20k");
        AssertOneLineError(r, "--labels", "the model outputs 19 classes but label set 'ade20k' has 150");
        Assert.Empty(dir.Files());
    }

    [Theory]
    [InlineData("--input-size", "640*480", "--input-size")]
    [InlineData("--mean", "1,2", "--mean")]
    [InlineData("--bgr", null, "--rgb/--bgr")]
    public void Malformed_options_are_one_line(string option, string? value, string subject)
    {
        using var dir = new TempDir();
        string[] args = ["segment", "--video", fx.VideoPath, "--model", fx.ModelPath, "--out", dir.Combine("o"), option, .. value is null ? new[] { "--rgb" } : [value], .. option == "--mean" ? new[] { "--std", "1,1,1" } : []];
        AssertOneLineError(CliRunner.Run(args), subject, "");
    }

    [Fact]
    public void Model_tiny_on_a_folder_without_the_sample_layout_is_one_line()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("model-tiny", "--sample", dir.Path, "--out", dir.Combine("m.onnx"));
        AssertOneLineError(r, dir.Path, "has no video.mp4");
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Segmenting_the_sample_with_its_model_labels_it_in_train_ids()
    {
        using var dir = new TempDir();
        string outDir = dir.Combine("labels");
        var r = CliRunner.Run("segment", "--video", fx.VideoPath, "--model", fx.ModelPath, "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Error);
        var map = LabelPng.Read(Path.Combine(outDir, "000005.png"), LabelSet.Load("cityscapes-trainids"));
        var present = map.Span.ToArray().Distinct().Order().ToArray();
        Assert.Contains((ushort)0 /* road */, present);
        Assert.Contains((ushort)10 /* sky */, present);
        Assert.All(present, v => Assert.InRange(v, 0, 18));
    }
}
