using Microsoft.Extensions.Logging;

namespace MetaClip.Client.Cluster;

/// <summary>The logger of Orleans' TLS connection middleware in a client: records each failure's reason in <see cref="TlsHandshakeFailures"/>.</summary>
internal sealed class TlsHandshakeRecorder(TlsHandshakeFailures failures) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel) && exception is not null)
        {
            failures.Record(exception.GetBaseException().Message.ReplaceLineEndings(" "));
        }
    }
}
