using System.Text;

namespace MetaClip.Client.Tests.Dashboard;

/// <summary>A writer that keeps what is written (thread-safe) and tells when a line starting with a prefix is written.</summary>
internal sealed class LineSignal(string prefix) : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly TaskCompletionSource<string> _line = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>The first line that starts with the prefix.</summary>
    public Task<string> Line => _line.Task;

    public override void Write(char value)
    {
        lock (_text)
        {
            _text.Append(value);
            if (value == '\n')
            {
                string[] lines = _text.ToString().Split('\n');
                if (lines.Length > 1 && lines[^2].StartsWith(prefix, StringComparison.Ordinal))
                {
                    _line.TrySetResult(lines[^2]);
                }
            }
        }
    }

    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }
}
