using SegFuse.Labels;

namespace SegFuse.Core.Tests;

public class LabelSetTests
{
    [Fact]
    public void Cityscapes_has_the_34_label_ids_and_19_evaluated()
    {
        var set = LabelSet.Load("cityscapes");
        Assert.Equal(34, set.Classes.Count);
        Assert.Equal(Enumerable.Range(0, 34), set.Classes.Select(c => c.Id));
        Assert.Equal(19, set.Evaluated.Count);
        Assert.Equal(Enumerable.Range(0, 19), set.Evaluated.Select(c => c.TrainId!.Value));
        Assert.Equal("road", set[7].Name);
        Assert.Equal(new Rgb(128, 64, 128), set[7].Color);
        Assert.True(set[26].HasInstances);
        Assert.True(set[29].IgnoreInEval); // caravan
        Assert.Equal(12794.0202738185, set[26].AvgInstanceSize);
    }

    [Fact]
    public void Shared_colours_decode_to_the_evaluated_label()
    {
        var set = LabelSet.Load("cityscapes");
        Assert.True(set.TryGetIdByColor(new Rgb(153, 153, 153), out int id));
        Assert.Equal(17, id); // pole, not polegroup
        Assert.True(set.TryGetIdByColor(new Rgb(0, 0, 0), out id));
        Assert.Equal(0, id);
    }

    [Theory]
    [InlineData("cityscapes-trainids", 20, 19)]
    [InlineData("ade20k", 151, 150)]
    [InlineData("voc", 22, 21)]
    public void Built_in_sets_have_their_sizes(string name, int classes, int evaluated)
    {
        var set = LabelSet.Load(name);
        Assert.Equal(classes, set.Classes.Count);
        Assert.Equal(evaluated, set.Evaluated.Count);
    }

    [Fact]
    public void Ade20k_uses_its_challenge_rules_and_palette()
    {
        var set = LabelSet.Load("ade20k");
        Assert.Equal(ScoringRules.Ade20k, set.Rules);
        Assert.True(set[0].IgnoreInEval);
        Assert.Equal("wall", set[1].Name);
        Assert.Equal(new Rgb(120, 120, 120), set[1].Color);
        Assert.Equal("flag", set[150].Name);
    }

    [Fact]
    public void Unknown_name_is_an_input_error_naming_the_option()
    {
        var e = Assert.Throws<SegFuseInputException>(() => LabelSet.Load("kitti-foo"));
        Assert.Equal("--labels", e.Subject);
        Assert.Contains("cityscapes", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_users_json_file_loads()
    {
        string path = Path.Combine(Path.GetTempPath(), $"set-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"name":"mine","ignore":255,"classes":[{"id":0,"name":"a","color":[1,2,3]},{"id":2,"name":"b","color":[4,5,6],"category":"x"},{"id":255,"name":"void","color":[0,0,0]}]}""");
        try
        {
            var set = LabelSet.Load(path);
            Assert.Equal("mine", set.Name);
            Assert.Equal(2, set.Evaluated.Count);
            Assert.False(set.Contains(1));
            Assert.True(set.Contains(255));
            Assert.Equal("x", set[2].Category);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_json_file_with_duplicate_ids_is_rejected()
    {
        using var stream = new MemoryStream("""{"classes":[{"id":1,"name":"a","color":[1,2,3]},{"id":1,"name":"b","color":[4,5,6]}]}"""u8.ToArray());
        var e = Assert.Throws<SegFuseInputException>(() => LabelSet.Parse(stream, "x.json"));
        Assert.Contains("twice", e.Reason, StringComparison.Ordinal);
    }
}
