using System.Security.Cryptography;
using System.Text;

namespace SegFuse.Server.Competitions;

/// <summary>
/// Team tokens: 32 random bytes shown once to the host (base64url with a <c>sft_</c> prefix); the database keeps
/// only their SHA-256, so a copy of the database does not let anyone submit.
/// </summary>
internal static class TeamTokens
{
    public const string Prefix = "sft_";

    public static string NewToken() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Whether <paramref name="token"/> has the shape of a token (so that junk is refused before any lookup).</summary>
    public static bool LooksValid(string? token) =>
        token is { Length: > 4 and < 200 } && token.StartsWith(Prefix, StringComparison.Ordinal) && token.AsSpan(Prefix.Length).IndexOfAnyExcept(UrlSafe) < 0;

    private static readonly System.Buffers.SearchValues<char> UrlSafe =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
