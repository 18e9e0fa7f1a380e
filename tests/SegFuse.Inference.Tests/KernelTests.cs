using SegFuse.Inference.Segment;

namespace SegFuse.Inference.Tests;

public class KernelTests
{
    // Widths whose remainders exercise every tier: 8-wide, 4-wide and scalar (and rows shorter than a vector).
    public static TheoryData<int> Widths => new() { 1, 3, 4, 7, 8, 13, 15, 16, 29, 1280 };

    [Theory]
    [MemberData(nameof(Widths))]
    public void Vectorised_argmax_equals_the_scalar_first_maximum(int width)
    {
        var random = new Random(width);
        const int Classes = 7;
        int stride = width + 3; // rows apart by more than their width, as class planes are
        // Few distinct values so that ties are common: the first class with the maximum must win.
        var values = Enumerable.Range(0, Classes * stride).Select(_ => (float)random.Next(0, 4)).ToArray();
        values[(3 * stride) + (width / 2)] = float.NaN;
        var best = new float[width];
        var index = new int[width];
        Argmax.Rows(values.AsSpan(0, ((Classes - 1) * stride) + width), stride, Classes, index, best);

        for (int x = 0; x < width; x++)
        {
            int expected = 0;
            for (int c = 1; c < Classes; c++)
            {
                if (values[(c * stride) + x] > values[(expected * stride) + x])
                {
                    expected = c;
                }
            }

            Assert.Equal(expected, index[x]);
            Assert.Equal(values[(expected * stride) + x], best[x]);
        }
    }

    [Theory]
    [InlineData(4, 32)]
    [InlineData(5, 17)]
    [InlineData(7, 7)]
    public void Bilinear_taps_use_half_pixel_centres_and_clamp_at_the_edges(int source, int destination)
    {
        for (int d = 0; d < destination; d++)
        {
            var (i0, i1, w) = Postprocess.BilinearTap(d, source, destination);
            double s = Math.Clamp(((d + 0.5) * source / destination) - 0.5, 0, source - 1);
            Assert.Equal(s, i0 + w, 5);
            Assert.InRange(w, 0f, 1f);
            Assert.True(i1 == i0 + 1 || (i1 == i0 && w == 0), $"taps {i0},{i1} weight {w}");
        }

        Assert.Equal((0, 0, 0f), Postprocess.BilinearTap(0, source, destination * 2));
    }

    [Fact]
    public void A_staged_folder_appears_only_on_commit_and_keeps_other_files_of_an_existing_destination()
    {
        using var dir = new TempDir();
        string target = dir.File("a/b/out");
        using (var staged = new StagedFolder(target))
        {
            File.WriteAllText(Path.Combine(staged.StagingPath, "1.txt"), "x");
            Assert.False(Directory.Exists(target));
        }

        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        using (var staged = new StagedFolder(target))
        {
            File.WriteAllText(Path.Combine(staged.StagingPath, "1.txt"), "one");
            staged.Commit();
        }

        File.WriteAllText(Path.Combine(target, "keep.txt"), "k");
        using (var staged = new StagedFolder(target))
        {
            File.WriteAllText(Path.Combine(staged.StagingPath, "1.txt"), "two");
            staged.Commit();
        }

        Assert.Equal("two", File.ReadAllText(Path.Combine(target, "1.txt")));
        Assert.True(File.Exists(Path.Combine(target, "keep.txt")));
        Assert.Equal(["a"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }
}
