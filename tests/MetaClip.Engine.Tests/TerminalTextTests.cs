namespace MetaClip.Engine.Tests;

/// <summary>
/// Regression (a security review): <c>metaclip jobs</c> and <c>status</c> printed the cluster's text raw, so a job whose
/// id or paths held terminal escapes could clear or rewrite an operator's screen.
/// </summary>
public class TerminalTextTests
{
    [Theory]
    [InlineData("plain job 0123  in/snap -> out/é中🐕", "plain job 0123  in/snap -> out/é中🐕")]
    [InlineData("zz\u001b[2J\u001b[H\u001b[31mALL JOBS OK\u001b[0m", "zz\\u001B[2J\\u001B[H\\u001B[31mALL JOBS OK\\u001B[0m")]
    [InlineData("a\rb\nc\u0007d\u009be", "a\\u000Db\\u000Ac\\u0007d\\u009Be")]
    [InlineData("out/\u202Etxt.exe", "out/\\u202Etxt.exe")]
    public void Control_characters_are_shown_as_escapes_and_nothing_else_changes(string text, string shown) =>
        Assert.Equal(shown, TerminalText.Printable(text));
}
