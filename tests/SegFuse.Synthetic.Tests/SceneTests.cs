using SegFuse.Synthetic.Scene;
using Xunit.Abstractions;

namespace SegFuse.Synthetic.Tests;

[Collection("drive")]
public class SceneTests(DriveFixture drive, ITestOutputHelper output)
{
    [Fact]
    public void A_drive_shows_the_classes_of_a_street()
    {
        var counts = drive.For(1).GtPixels;
        long total = counts.Sum();
        output.WriteLine(string.Join(", ", counts.Select((c, i) => $"{i}:{100.0 * c / total:0.00}%")));
        foreach (int c in new[] { TrainIds.Road, TrainIds.Sidewalk, TrainIds.Building, TrainIds.Pole, TrainIds.TrafficLight, TrainIds.TrafficSign, TrainIds.Vegetation, TrainIds.Sky, TrainIds.Person, TrainIds.Car })
        {
            Assert.True(counts[c] > total / 2000, $"class {c} covers only {counts[c]} pixels");
        }

        Assert.True(counts[TrainIds.Road] > total / 5);
        Assert.True(counts[TrainIds.Sky] < total / 3);
    }

    [Fact]
    public void Road_users_move_and_are_never_inside_each_other_or_the_ego_car()
    {
        var scene = new StreetScene(1, 0, 10, 320, 180);
        var actors = scene.Traffic.Actors;
        output.WriteLine($"{actors.Count} road users, {scene.Traffic.Rejected} candidates dropped for touching");
        Assert.True(actors.Count > 50);
        Assert.Contains(actors, a => a.Kind == ObjectKind.Car && a.At(0) != a.At(1));
        Assert.Contains(actors, a => a.Kind == ObjectKind.Person && a.At(0) != a.At(1));
        Assert.Contains(actors, a => a.Kind == ObjectKind.Cyclist);

        Span<(double X, double Z)> ego = stackalloc (double, double)[3];
        for (double t = 0; t <= 10; t += 0.1)
        {
            scene.Ego.Footprint(t, ego);
            for (int i = 0; i < actors.Count; i++)
            {
                var (x, _, z) = actors[i].At(t);
                foreach (var (ex, ez) in ego)
                {
                    double dx = Math.Max(Math.Abs(ex - x) - actors[i].HalfX, 0), dz = Math.Max(Math.Abs(ez - z) - actors[i].HalfZ, 0);
                    Assert.True((dx * dx) + (dz * dz) >= 1.0, $"actor {i} touches the ego car at {t:0.0} s");
                }

                for (int j = i + 1; j < actors.Count; j++)
                {
                    var (x2, _, z2) = actors[j].At(t);
                    bool overlap = Math.Abs(x - x2) < actors[i].HalfX + actors[j].HalfX && Math.Abs(z - z2) < actors[i].HalfZ + actors[j].HalfZ;
                    Assert.False(overlap, $"actors {i} and {j} overlap at {t:0.0} s");
                }
            }
        }
    }

    [Fact]
    public void Split_is_contiguous_train_val_test()
    {
        var parts = Enumerable.Range(0, 300).Select(i => SyntheticSequence.SplitOf(i, 300)).ToList();
        Assert.Equal(150, parts.Count(p => p == SplitPart.Train));
        Assert.Equal(60, parts.Count(p => p == SplitPart.Val));
        Assert.Equal(90, parts.Count(p => p == SplitPart.Test));
        Assert.Equal(parts.OrderBy(p => p).ToList(), parts);
        Assert.Equal(SplitPart.Test, SyntheticSequence.SplitOf(1, 2));
    }

    [Theory]
    [InlineData(8, 96, 20, "--size")]
    [InlineData(160, 96, 1, "--frames")]
    public void Bad_options_name_the_option(int width, int height, int frames, string option)
    {
        var e = Assert.Throws<SegFuseInputException>(() => new SyntheticSequence(new SyntheticOptions { Width = width, Height = height, Frames = frames }));
        Assert.Equal(option, e.Subject);
    }

    [Theory]
    [InlineData("1280x720", 1280, 720)]
    [InlineData("64X48", 64, 48)]
    public void Size_parses(string text, int width, int height) => Assert.Equal((width, height), SyntheticOptions.ParseSize(text));

    [Theory]
    [InlineData("1280")]
    [InlineData("x720")]
    [InlineData("-5x10")]
    public void Bad_size_is_an_input_error(string text) => Assert.Equal("--size", Assert.Throws<SegFuseInputException>(() => SyntheticOptions.ParseSize(text)).Subject);
}
