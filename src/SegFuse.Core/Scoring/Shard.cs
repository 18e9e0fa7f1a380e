using System.Globalization;

namespace SegFuse.Scoring;

/// <summary>
/// One of <see cref="Count"/> deterministic slices of a data set: frame pairs sorted by key, every
/// Count-th pair starting at <see cref="Index"/> (0-based, like Kubernetes' JOB_COMPLETION_INDEX).
/// Interleaving keeps shards of mixed image sizes balanced.
/// </summary>
/// <param name="Index">The slice, 0 ≤ Index &lt; Count.</param>
/// <param name="Count">Number of slices.</param>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>Parses <c>K/N</c>.</summary>
    /// <exception cref="SegFuseInputException">Not of the form K/N with 0 ≤ K &lt; N.</exception>
    public static Shard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && k < n)
        {
            return new Shard(k, n);
        }

        throw new SegFuseInputException("--shard", $"'{text}' is not K/N with 0 <= K < N (K is 0-based, e.g. 0/4 .. 3/4)");
    }

    /// <summary>The pairs of this slice, in order.</summary>
    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> all)
    {
        ArgumentNullException.ThrowIfNull(all);
        var list = new List<T>((all.Count / Count) + 1);
        for (int i = Index; i < all.Count; i += Count)
        {
            list.Add(all[i]);
        }

        return list;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Index}/{Count}";
}
