namespace SegFuse.Synthetic.Util;

/// <summary>
/// SplitMix64: a small, fast generator whose sequence is fixed by this code (unlike
/// <see cref="Random"/>, whose algorithm may change between runtimes), so a seed always gives one scene.
/// </summary>
internal sealed class Rng
{
    private ulong _state;

    public Rng(ulong seed) => _state = seed;

    public Rng(int seed, string stream)
        : this(Hash.Combine((ulong)(uint)seed, Hash.OfString(stream)))
    {
    }

    public ulong NextU64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextU64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double Range(double lo, double hi) => lo + ((hi - lo) * NextDouble());

    /// <summary>Uniform integer in [0, n).</summary>
    public int Int(int n) => (int)(NextDouble() * n);

    /// <summary>Uniform integer in [lo, hi] (both included).</summary>
    public int IntIncl(int lo, int hi) => lo + Int(hi - lo + 1);

    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Standard normal (Box–Muller).</summary>
    public double Normal()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public T Pick<T>(IReadOnlyList<T> items) => items[Int(items.Count)];

    /// <summary>A generator for a sub-stream, so adding draws in one place does not shift another.</summary>
    public Rng Fork(ulong salt) => new(Hash.Combine(NextU64(), salt));
}

/// <summary>Stateless integer hashing for per-cell and per-pixel randomness (thread-safe by construction).</summary>
internal static class Hash
{
    /// <summary>A 32-bit finaliser with low bias (lowbias32).</summary>
    public static uint Mix(uint x)
    {
        x ^= x >> 16;
        x *= 0x7FEB352DU;
        x ^= x >> 15;
        x *= 0x846CA68BU;
        x ^= x >> 16;
        return x;
    }

    public static uint Of(int a, int b) => Mix((uint)a ^ Mix((uint)b + 0x9E3779B9U));

    public static uint Of(int a, int b, int c) => Mix((uint)a ^ Mix((uint)b + 0x9E3779B9U ^ Mix((uint)c + 0x85EBCA77U)));

    public static uint Of(uint a, int b) => Mix(a ^ Mix((uint)b + 0x27D4EB2FU));

    public static ulong Combine(ulong a, ulong b)
    {
        ulong z = a ^ (b + 0x9E3779B97F4A7C15UL + (a << 6) + (a >> 2));
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static ulong OfString(string s)
    {
        ulong h = 1469598103934665603UL;
        foreach (char c in s)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h;
    }

    /// <summary>Uniform in [0, 1) from a hash.</summary>
    public static float Unit(uint h) => (h >> 8) * (1f / 16777216f);
}
