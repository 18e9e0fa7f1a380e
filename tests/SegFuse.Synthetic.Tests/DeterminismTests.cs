namespace SegFuse.Synthetic.Tests;

public class DeterminismTests
{
    [Fact]
    public void Same_options_give_identical_frames()
    {
        var a = Fixtures.Generate(Fixtures.Small(6.0, frames: 6, seed: 11));
        var b = Fixtures.Generate(Fixtures.Small(6.0, frames: 6, seed: 11));
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Bgr, b[i].Bgr);
            Assert.Equal(a[i].Gt, b[i].Gt);
            Assert.Equal(a[i].Pred, b[i].Pred);
            Assert.Equal(a[i].Bw, b[i].Bw);
            Assert.Equal(a[i].Fw, b[i].Fw);
            Assert.Equal(a[i].OccBw, b[i].OccBw);
        }

        var ta = new SyntheticSequence(Fixtures.Small(seed: 11)).Telemetry;
        var tb = new SyntheticSequence(Fixtures.Small(seed: 11)).Telemetry;
        Assert.Equal(ta, tb);
    }

    [Fact]
    public void Another_seed_gives_another_scene()
    {
        var a = Fixtures.Generate(Fixtures.Small(6.0, frames: 2, seed: 1));
        var b = Fixtures.Generate(Fixtures.Small(6.0, frames: 2, seed: 2));
        Assert.NotEqual(a[0].Bgr, b[0].Bgr);
        Assert.NotEqual(a[0].Gt, b[0].Gt);
        Assert.NotEqual(a[0].Pred, b[0].Pred);
    }

    [Fact]
    public void Frames_do_not_depend_on_disposing_or_keeping_earlier_frames()
    {
        // Frames handed back are reused for later ones; the content must not change because of it.
        var kept = Fixtures.Generate(Fixtures.Small(3.0, frames: 5, seed: 4));
        var seq = new SyntheticSequence(Fixtures.Small(3.0, frames: 5, seed: 4));
        var held = new List<SyntheticFrame>();
        while (seq.TryRead(out var f))
        {
            held.Add(f);
        }

        for (int i = 0; i < held.Count; i++)
        {
            Assert.Equal(kept[i].Bgr, held[i].Bgr.ToArray());
            Assert.Equal(kept[i].Pred, held[i].Prediction.Span.ToArray());
            held[i].Dispose();
        }
    }

    [Fact]
    public void A_disposed_frame_cannot_be_read()
    {
        var seq = new SyntheticSequence(Fixtures.Small(frames: 2));
        Assert.True(seq.TryRead(out var f));
        f.Dispose();
        Assert.Throws<ObjectDisposedException>(() => f.GroundTruth);
    }
}
