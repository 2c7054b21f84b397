using Microsoft.Extensions.Logging;

namespace MetaClip.Client.Cluster;

/// <summary>
/// Keeps the last TLS handshake failure of a client's gateway connections (Orleans logs it and retries): a command that
/// cannot reach the cluster says why in one line instead of only that no gateway answered. Nothing else is logged.
/// </summary>
internal sealed class TlsHandshakeFailures : ILoggerProvider
{
    private const string Category = "Orleans.Connections.Security";

    private string? _last;

    /// <summary>The last handshake failure's reason, or null.</summary>
    public string? Last => Volatile.Read(ref _last);

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith(Category, StringComparison.Ordinal) ? new TlsHandshakeRecorder(this) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    /// <summary>Keeps <paramref name="reason"/> as the last failure.</summary>
    public void Record(string reason) => Volatile.Write(ref _last, reason);
}
