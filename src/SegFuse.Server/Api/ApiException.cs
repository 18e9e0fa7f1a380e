using Microsoft.AspNetCore.Http;

namespace SegFuse.Server.Api;

/// <summary>An answer with an error: the HTTP status, a stable code and one line saying what is wrong.</summary>
internal sealed class ApiException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    /// <summary>Seconds after which retrying makes sense (429), or null.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiException NotFound(string what) => new(StatusCodes.Status404NotFound, "not_found", $"{what} does not exist");

    public static ApiException BadRequest(string code, string message) => new(StatusCodes.Status400BadRequest, code, message);

    public static ApiException Invalid(string message) => new(StatusCodes.Status422UnprocessableEntity, "invalid_submission", message);

    public static ApiException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, "too_large", $"the upload is larger than the competition's limit of {limit} bytes");
}
