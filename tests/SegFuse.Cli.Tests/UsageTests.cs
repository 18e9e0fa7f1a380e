namespace SegFuse.Cli.Tests;

public class UsageTests
{
    [Fact]
    public void Help_lists_the_command_and_exits_zero()
    {
        var r = CliRunner.Run("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("SegFuse", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_command_is_a_usage_error_with_exit_code_2()
    {
        var r = CliRunner.Run("no-such-command");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: ", r.Error, StringComparison.Ordinal);
    }
}
