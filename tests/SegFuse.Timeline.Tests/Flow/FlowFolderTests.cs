using SegFuse.IO;
using SegFuse.Timeline.Flow;

namespace SegFuse.Timeline.Tests.Flow;

public sealed class FlowFolderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string MakeFolder(string name, IEnumerable<int> frames, int width = 8, int height = 6, string ext = ".flo")
    {
        string dir = _dir.Sub(name);
        foreach (int i in frames)
        {
            var f = new FlowField(width, height);
            f.Span.Fill(i);
            FlowFile.Write(Path.Combine(dir, FrameFiles.NameOf(i, ext)), f);
        }

        return dir;
    }

    [Fact]
    public void Backward_folder_needs_frames_1_to_n_minus_1()
    {
        var folder = FlowFolder.Open(MakeFolder("b", Enumerable.Range(1, 9)), FlowDirection.Backward);
        folder.EnsureComplete(10);
        Assert.Empty(folder.Missing(10));
        Assert.Null(folder.PathOf(0));
        Assert.Equal(FlowFormat.Flo, folder.Format);
        Assert.Equal(9, folder.Read(9, 8, 6, FlowScale.None)!.Span[0]);
    }

    [Fact]
    public void Forward_folder_needs_frames_0_to_n_minus_2()
    {
        var folder = FlowFolder.Open(MakeFolder("f", Enumerable.Range(1, 9)), FlowDirection.Forward);
        Assert.Equal([0], folder.Missing(10));
        var e = Assert.Throws<SegFuseInputException>(() => folder.EnsureComplete(10));
        Assert.Contains("frame 0", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_frame_error_names_the_first_missing_index()
    {
        string dir = MakeFolder("m", Enumerable.Range(1, 20).Where(i => i is not (7 or 12)));
        var folder = FlowFolder.Open(dir, FlowDirection.Backward);
        var e = Assert.Throws<SegFuseInputException>(() => folder.EnsureComplete(21));
        Assert.Equal(dir, e.Subject);
        Assert.Contains("frame 7,", e.Reason, StringComparison.Ordinal);
        Assert.Contains("2 frames missing", e.Reason, StringComparison.Ordinal);
        Assert.Equal([7, 12], folder.Missing(21));
    }

    [Fact]
    public void Size_mismatch_is_an_error_without_flow_scale_and_resized_with_it()
    {
        var folder = FlowFolder.Open(MakeFolder("s", [1], width: 8, height: 6), FlowDirection.Backward);
        var e = Assert.Throws<SegFuseInputException>(() => folder.Read(1, 16, 12, FlowScale.None));
        Assert.EndsWith("000001.flo", e.Subject, StringComparison.Ordinal);
        Assert.Contains("--flow-scale", e.Reason, StringComparison.Ordinal);

        var auto = folder.Read(1, 16, 12, FlowScale.Auto)!;
        Assert.Equal((16, 12), (auto.Width, auto.Height));
        Assert.Equal((2f, 2f), auto[5, 5]);

        var two = folder.Read(1, 16, 12, FlowScale.Parse("2"))!;
        Assert.Equal((2f, 2f), two[3, 3]);
        Assert.Throws<SegFuseInputException>(() => folder.Read(1, 24, 18, FlowScale.Parse("2")));
    }

    [Fact]
    public void Flo_files_win_over_png_visualisations_in_one_folder()
    {
        string dir = MakeFolder("mix", [1, 2]);
        File.WriteAllBytes(Path.Combine(dir, "000001.png"), [1, 2, 3]);
        var folder = FlowFolder.Open(dir, FlowDirection.Backward);
        Assert.Equal(FlowFormat.Flo, folder.Format);
        Assert.Equal(2, folder.Count);
    }

    [Fact]
    public void Empty_or_absent_folder_is_an_input_error()
    {
        Assert.Contains("no flow files", Assert.Throws<SegFuseInputException>(() => FlowFolder.Open(_dir.Sub("empty"), FlowDirection.Forward)).Reason, StringComparison.Ordinal);
        Assert.Contains("no such folder", Assert.Throws<SegFuseInputException>(() => FlowFolder.Open(_dir.File("nope"), FlowDirection.Forward)).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none", true, false, 0)]
    [InlineData("auto", false, true, 0)]
    [InlineData("2", false, false, 2)]
    [InlineData("0.5", false, false, 0.5)]
    public void Flow_scale_parses(string text, bool none, bool auto, double factor)
    {
        var s = FlowScale.Parse(text);
        Assert.Equal(none, s.IsNone);
        Assert.Equal(auto, s.IsAuto);
        Assert.Equal(factor, s.Factor);
    }

    [Fact]
    public void Flow_scale_rejects_nonsense()
    {
        Assert.Equal("--flow-scale", Assert.Throws<SegFuseInputException>(() => FlowScale.Parse("-1")).Subject);
        Assert.Throws<SegFuseInputException>(() => FlowScale.Parse("big"));
    }
}
