using System.Runtime.InteropServices;

namespace MetaClip.Engine.Storage;

/// <summary>
/// What kind of file a local path names, asked of the kernel without opening it: opening a named pipe (FIFO) to read
/// waits for a writer, so a pipe among a snapshot's files would stop a job for good. .NET tells a pipe, a socket or a
/// device from a regular file in no public API (<see cref="FileInfo"/> says <c>Normal</c> for all of them).
/// </summary>
internal static unsafe partial class LocalFileType
{
    private const int AtCurrentFolder = -100; // AT_FDCWD
    private const uint StatxType = 0x1; // STATX_TYPE
    private const int StatxModeOffset = 28; // struct statx is laid out alike on every Linux architecture
    private const int FileTypeMask = 0xF000, RegularFile = 0x8000; // S_IFMT, S_IFREG

    /// <summary>
    /// Whether <paramref name="path"/> (links followed) is a regular file; null where that cannot be asked (not Linux, or
    /// the call fails: the read that follows then names what is wrong).
    /// </summary>
    public static bool? IsRegularFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        byte* buffer = stackalloc byte[256];
        int result;
        try
        {
            result = Statx(AtCurrentFolder, path, 0, StatxType, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            // A C library without statx (glibc before 2.28): not asked.
            return null;
        }

        if (result != 0)
        {
            return null;
        }

        ushort mode = *(ushort*)(buffer + StatxModeOffset);
        return (mode & FileTypeMask) == RegularFile;
    }

    /// <summary>
    /// Refuses a local path that is not a regular file (a named pipe, a socket, a device) before it is opened to be read:
    /// a pipe would keep the reader waiting for a writer for good.
    /// </summary>
    /// <exception cref="IOException">The path names no regular file.</exception>
    public static void ThrowIfNotRegular(string path)
    {
        if (IsRegularFile(path) == false && !Directory.Exists(path))
        {
            throw new IOException($"{path}: not a regular file (a named pipe, socket or device): it cannot be read to its end");
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int folder, string path, int flags, uint mask, byte* buffer);
}
