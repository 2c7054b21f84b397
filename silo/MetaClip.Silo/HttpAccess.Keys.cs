using System.Security.Cryptography;
using System.Text;

/// <summary>
/// The keys of <see cref="HttpAccess"/>, and their files read again when they change (a rotated Kubernetes secret): each
/// key file is looked at every <see cref="KeyFilePoll"/>; when one changes, every source is read again and the new keys
/// replace the old at once. A key file that cannot be read, holds no key or a key too short keeps the old keys (a
/// warning names the file, never a key).
/// </summary>
internal sealed partial class HttpAccess
{
    /// <summary>How often the key files are looked at.</summary>
    public static readonly TimeSpan KeyFilePoll = TimeSpan.FromSeconds(2);

    /// <summary>Looks at the key files until <paramref name="stopping"/>; returns at once when no key is given by a file.</summary>
    public async Task WatchKeyFilesAsync(ILogger logger, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (_keys.Files.Count == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(KeyFilePoll);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                ReloadIfChanged(logger);
            }
        }
        catch (OperationCanceledException)
        {
            // The silo stops.
        }
    }

    /// <summary>Reads the keys again when a key file's content changed.</summary>
    private void ReloadIfChanged(ILogger logger)
    {
        var current = _keys;
        bool changed = false;
        foreach (var (file, digest) in current.Files)
        {
            changed |= !digest.SequenceEqual(KeySet.Digest(KeySet.TryRead(file)));
        }

        if (!changed)
        {
            return;
        }

        try
        {
            var keys = KeySet.Load(_section, requireKeyInFiles: true);
            _keys = keys;
            LogKeysReloaded(logger, keys.Viewers.Length, keys.Operators.Length);
        }
        catch (InvalidOperationException e)
        {
            // Keep the old keys; look again next time only when a file changes again.
            _keys = current with { Files = current.Files.ToDictionary(f => f.Key, f => KeySet.Digest(KeySet.TryRead(f.Key)), StringComparer.Ordinal) };
            LogKeysKept(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP: a key file changed; now {Viewers} viewer keys and {Operators} operator keys")]
    private static partial void LogKeysReloaded(ILogger logger, int viewers, int operators);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HTTP: a key file changed but cannot be used, so the keys stay as they were: {Reason}")]
    private static partial void LogKeysKept(ILogger logger, string reason);

    /// <summary>The SHA-256 hashes of the viewer and operator keys, and the digest of each key file they were read from.</summary>
    private sealed record KeySet(byte[][] Viewers, byte[][] Operators, Dictionary<string, byte[]> Files)
    {
        private const int MinKeyLength = 16;

        /// <summary>
        /// The keys of configuration, the environment and key files. <paramref name="requireKeyInFiles"/>: a key file
        /// without any key is an error (when read again: an emptied file must not drop the keys).
        /// </summary>
        /// <exception cref="InvalidOperationException">A key is too short or a key file cannot be read (the message names the setting, never a key).</exception>
        public static KeySet Load(IConfigurationSection section, bool requireKeyInFiles)
        {
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            byte[][] viewers = Keys(section, "Viewer", "METACLIP_HTTP_VIEWER_KEYS", files, requireKeyInFiles);
            byte[][] operators = Keys(section, "Operator", "METACLIP_HTTP_OPERATOR_KEYS", files, requireKeyInFiles);
            return new KeySet(viewers, operators, files);
        }

        /// <summary>A key file's text, or null when it cannot be read now.</summary>
        public static string? TryRead(string file)
        {
            try
            {
                return File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        public static byte[] Digest(string? text) => text is null ? [] : SHA256.HashData(Encoding.UTF8.GetBytes(text));

        private static byte[][] Keys(IConfigurationSection section, string role, string variable, Dictionary<string, byte[]> files, bool requireKeyInFiles)
        {
            var sources = new List<(string Name, string? Text, bool IsFile)>
            {
                ($"{Section}:{role}Keys", section[$"{role}Keys"], false),
                (variable, Environment.GetEnvironmentVariable(variable), false),
            };
            foreach (var (name, file) in new[] { ($"{Section}:{role}KeysFile", section[$"{role}KeysFile"]), (variable + "_FILE", Environment.GetEnvironmentVariable(variable + "_FILE")) })
            {
                if (string.IsNullOrWhiteSpace(file))
                {
                    continue;
                }

                string text;
                try
                {
                    text = File.ReadAllText(file);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new InvalidOperationException($"{name}: cannot read the key file {file} ({e.GetType().Name})", e);
                }

                files[file] = Digest(text);
                sources.Add(($"{name} ({file})", text, true));
            }

            var hashes = new List<byte[]>();
            foreach (var (name, text, isFile) in sources)
            {
                string[] keys = (text ?? "").Split([',', ';', ' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
                if (isFile && requireKeyInFiles && keys.Length == 0)
                {
                    throw new InvalidOperationException($"{name}: the key file holds no key");
                }

                foreach (string key in keys)
                {
                    if (key.Length < MinKeyLength)
                    {
                        throw new InvalidOperationException($"{name}: a key is shorter than {MinKeyLength} characters; use long random keys (openssl rand -hex 32)");
                    }

                    hashes.Add(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
                }
            }

            return [.. hashes];
        }
    }
}
