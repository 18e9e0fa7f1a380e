using System.Text.Json.Nodes;
using SegFuse.Fusion;
using SegFuse.Fusion.Tests.Support;
using SegFuse.IO;

namespace SegFuse.Cli.Tests.Fusion;

/// <summary><c>segfuse fuse</c>, <c>tune</c> and <c>tc</c> end to end on a generated sample folder.</summary>
public class FuseCliTests
{
    private static SampleFixture Sample => SampleFixture.Get(96, 64, 60, seed: 3);

    [Fact]
    public void Fuse_writes_one_map_per_frame_with_the_prediction_names_and_reports_what_it_did()
    {
        var s = Sample;
        using var tmp = new TempDir();
        var result = CliRunner.Run("fuse", "--video", s.Video, "--pred", s.Pred, "--labels", "cityscapes-trainids", "--flow", s.FlowBw, "--flow-other", s.FlowFw, "--out", tmp.Combine("fused"));
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("fused 60 frames", result.LastLine);
        Assert.Equal(Directory.GetFiles(s.Pred).Select(Path.GetFileName).Order(), Directory.GetFiles(tmp.Combine("fused")).Select(Path.GetFileName).Order());
        Assert.Contains("fuse: 60/60 frames", result.Error);
    }

    [Fact]
    public void Tune_writes_parameters_that_fuse_applies()
    {
        var s = Sample;
        using var tmp = new TempDir();
        string paramsFile = tmp.Combine("params.json");
        string[] common = ["--video", s.Video, "--pred", s.Pred, "--labels", "cityscapes-trainids", "--flow", s.FlowBw, "--flow-other", s.FlowFw];
        var tune = CliRunner.Run(["tune", .. common, "--gt", s.Gt, "--split", s.Split, "--rounds", "1", "--out", paramsFile]);
        Assert.Equal(0, tune.ExitCode);
        Assert.Contains("per-frame", tune.Out);
        Assert.Contains("mIoU", tune.Out);
        Assert.Contains("person", tune.Out);
        var json = JsonNode.Parse(File.ReadAllText(paramsFile))!.AsObject();
        double tuned = json["tuning"]!["tunedMiou"]!.GetValue<double>(), defaults = json["tuning"]!["defaultMiou"]!.GetValue<double>();
        Assert.True(tuned >= defaults, $"tuned {tuned} < default {defaults}");
        var loaded = FusionParameters.Load(paramsFile);

        // The tuned parameters change the result unless the search kept the defaults.
        var withParams = CliRunner.Run(["fuse", .. common, "--params", paramsFile, "--out", tmp.Combine("tuned")]);
        var plain = CliRunner.Run(["fuse", .. common, "--out", tmp.Combine("default")]);
        Assert.Equal(0, withParams.ExitCode);
        Assert.Equal(0, plain.ExitCode);
        bool same = Directory.GetFiles(tmp.Combine("tuned")).All(f => File.ReadAllBytes(f).SequenceEqual(File.ReadAllBytes(tmp.Combine("default", Path.GetFileName(f)))));
        Assert.Equal(loaded.ToJson().ToJsonString() == new FusionParameters().ToJson().ToJsonString(), same);

        // --method overrides the file's method.
        var causal = CliRunner.Run(["fuse", .. common, "--params", paramsFile, "--method", "causal", "--out", tmp.Combine("causal")]);
        Assert.Contains("method causal", causal.LastLine);
    }

    [Fact]
    public void Tc_reports_the_masked_and_unmasked_figures()
    {
        var s = Sample;
        using var tmp = new TempDir();
        var result = CliRunner.Run("tc", "--pred", s.Pred, "--labels", "cityscapes-trainids", "--flow", s.FlowBw, "--flow-direction", "backward", "--flow-other", s.FlowFw, "--video", s.Video, "--json", tmp.Combine("tc.json"));
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"TC masked\s+\d+\.\d\d", result.Out);
        Assert.Matches(@"TC unmasked\s+\d+\.\d\d", result.Out);
        var json = JsonNode.Parse(File.ReadAllText(tmp.Combine("tc.json")))!;
        Assert.InRange(json["tc"]!.GetValue<double>(), 0.2, 1);
        Assert.InRange(json["tcMasked"]!.GetValue<double>(), 0.2, 1);
        Assert.Equal(59, json["pairs"]!.GetValue<int>());

        var forward = CliRunner.Run("tc", "--pred", s.Gt, "--labels", "cityscapes-trainids", "--flow", s.FlowFw, "--flow-direction", "forward");
        Assert.Equal(0, forward.ExitCode);
        Assert.Contains("59 frame pairs", forward.Out);
    }

    [Fact]
    public void Fuse_in_slices_and_resume()
    {
        var s = Sample;
        using var tmp = new TempDir();
        string[] common = ["--video", s.Video, "--pred", s.Pred, "--labels", "cityscapes-trainids", "--flow", s.FlowBw, "--flow-other", s.FlowFw];
        Assert.Equal(0, CliRunner.Run(["fuse", .. common, "--out", tmp.Combine("whole")]).ExitCode);
        Assert.Equal(0, CliRunner.Run(["fuse", .. common, "--range", "0:25", "--out", tmp.Combine("sliced")]).ExitCode);
        var second = CliRunner.Run(["fuse", .. common, "--range", "25:", "--out", tmp.Combine("sliced")]);
        Assert.Equal(0, second.ExitCode);
        Assert.StartsWith("fused 35 frames", second.LastLine);
        Assert.Equal(60, Directory.GetFiles(tmp.Combine("sliced")).Length);

        File.Delete(tmp.Combine("sliced", FrameFiles.NameOf(40, ".png")));
        var resumed = CliRunner.Run(["fuse", .. common, "--resume", "--out", tmp.Combine("sliced")]);
        Assert.Equal(0, resumed.ExitCode);
        Assert.StartsWith("fused 1 frames (59 already done", resumed.LastLine);
    }
}
