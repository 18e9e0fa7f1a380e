namespace SegFuse;

/// <summary>
/// Bad input from the user: a file, folder or option that cannot be used as given.
/// The command line prints it as one line <c>error: &lt;subject&gt;: &lt;reason&gt;</c> and exits with code 2.
/// </summary>
public sealed class SegFuseInputException : Exception
{
    /// <summary>Creates the error for <paramref name="subject"/> (a file path or an option such as <c>--labels</c>).</summary>
    public SegFuseInputException(string subject, string reason, Exception? inner = null)
        : base($"{subject}: {reason}", inner)
    {
        Subject = subject;
        Reason = reason;
    }

    /// <summary>The file, folder or option the error is about.</summary>
    public string Subject { get; }

    /// <summary>What is wrong with it, in one line.</summary>
    public string Reason { get; }
}
