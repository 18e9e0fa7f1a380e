using System.Text.Json.Nodes;
using OpenCvSharp;
using SegFuse.IO;
using SegFuse.Labels;

namespace SegFuse.Cli.Tests.Scoring;

/// <summary>The same predictions stored as ids, train ids and palette colours score the same; ADE20K's figures reach the CLI's outputs.</summary>
public class ScoreEncodingTests
{
    [Fact]
    public void Ids_trainids_and_colour_predictions_give_the_same_scores()
    {
        using var dir = new TempDir();
        var fx = CityscapesFixture.Create(dir.Path, seed: 9, frames: 4, Enumerable.Range(0, 34).ToArray(), [], [(30, 20)]);
        var set = LabelSet.Load("cityscapes");
        // Re-store each prediction as train ids and as colours. Ids without a train id become 255 -> 0 (unlabeled),
        // so compare against the ids version of the same mapping.
        foreach (var city in Directory.GetDirectories(dir.Combine("pred")))
        {
            foreach (var file in Directory.GetFiles(city))
            {
                var map = LabelPng.Read(file, set);
                var mapped = new LabelMap(map.Width, map.Height);
                var train = new LabelMap(map.Width, map.Height);
                for (int i = 0; i < map.Span.Length; i++)
                {
                    var c = set[map.Span[i]];
                    bool hasTrain = c.TrainId is >= 0 and < 255;
                    train.Span[i] = (ushort)(hasTrain ? c.TrainId!.Value : 255);
                    mapped.Span[i] = (ushort)(hasTrain ? c.Id : 0);
                }

                string rel = Path.GetRelativePath(dir.Combine("pred"), file);
                Directory.CreateDirectory(Path.GetDirectoryName(dir.Combine("ids", rel))!);
                Directory.CreateDirectory(Path.GetDirectoryName(dir.Combine("train", rel))!);
                Directory.CreateDirectory(Path.GetDirectoryName(dir.Combine("color", rel))!);
                LabelPng.Write(dir.Combine("ids", rel), mapped);
                LabelPng.Write(dir.Combine("train", rel), train);
                using var color = LabelPng.ToColorMat(mapped, set);
                Cv2.ImWrite(dir.Combine("color", rel), color);
            }
        }

        string Score(string folder, string encoding)
        {
            string json = dir.Combine(folder + ".json");
            var r = CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred", dir.Combine(folder), "--pred-encoding", encoding, "--json", json);
            Assert.True(r.ExitCode == 0, r.Error);
            return File.ReadAllText(json);
        }

        string ids = Score("ids", "ids");
        Assert.Equal(ids, Score("train", "trainids"));
        Assert.Equal(ids, Score("color", "color"));
    }

    [Fact]
    public void An_unknown_colour_names_the_file_and_pixel()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("gt"));
        Directory.CreateDirectory(dir.Combine("pred"));
        CityscapesFixture.Save(dir.Combine("gt", "000001.png"), new[,] { { 0, 0 }, { 0, 0 } }, MatType.CV_8UC1);
        using (var rgb = new Mat(2, 2, MatType.CV_8UC3, new Scalar(128, 64, 128)))
        {
            rgb.Set(1, 0, new Vec3b(1, 2, 3));
            Cv2.ImWrite(dir.Combine("pred", "000001.png"), rgb);
        }

        var r = CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred", dir.Combine("pred"), "--layout", "frames", "--labels", "cityscapes-trainids", "--pred-encoding", "color");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("000001.png: colour (3,2,1) at pixel (0,1) is not in the cityscapes-trainids palette", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Ade20k_score_is_printed_and_written()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("gt"));
        Directory.CreateDirectory(dir.Combine("pred"));
        CityscapesFixture.Save(dir.Combine("gt", "ADE_val_00000001.png"), new[,] { { 1, 1, 1, 0 }, { 2, 2, 0, 0 } }, MatType.CV_8UC1);
        CityscapesFixture.Save(dir.Combine("pred", "ADE_val_00000001.png"), new[,] { { 1, 1, 0, 3 }, { 2, 1, 2, 3 } }, MatType.CV_8UC1);
        string json = dir.Combine("ade.json");
        var r = CliRunner.Run("score", "--gt", dir.Combine("gt"), "--pred", dir.Combine("pred"), "--layout", "frames", "--labels", "ade20k", "--json", json);
        Assert.True(r.ExitCode == 0, r.Error);
        double expected = ((3.0 / 5) + (1.0 / 150)) / 2;
        var root = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(expected, root["score"]!.GetValue<double>(), 12);
        Assert.Equal(0.0, root["classScores"]!["sky"]!.GetValue<double>());
        Assert.Contains("ADE20K challenge score", r.Out, StringComparison.Ordinal);
    }
}
