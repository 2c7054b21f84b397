using System.Reflection;
using System.Runtime.Loader;
using MetaClip.Grains.Placement;
using Microsoft.Extensions.Configuration;
using Orleans.Serialization;

namespace MetaClip.Grains.Hosting;

/// <summary>
/// The training-job grain lives in <c>MetaClip.Training.Grains</c>, which brings TorchSharp and libtorch. A silo
/// that trains loads it at start-up as a plugin (its own load context, sharing the host's assemblies); any other
/// silo never touches it, so the CPU curation image need not even ship it.
/// </summary>
public static class TrainingPlugin
{
    public const string AssemblyName = "MetaClip.Training.Grains";

    /// <summary>Whether the silo metadata (<c>Orleans:Metadata</c>) makes this silo one that trains.</summary>
    public static bool Trains(IConfiguration metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var values = metadata.GetChildren().Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal);
        return AcceleratorPlacement.CanTrain(values);
    }

    /// <summary>Whether the training assembly is loaded in this process (a health check reports it).</summary>
    public static bool IsLoaded => AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == AssemblyName);

    /// <summary>Whether TorchSharp is loaded in this process.</summary>
    public static bool TorchLoaded => AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "TorchSharp");

    /// <summary>
    /// Registers the training grains: from the assembly already in the process (tests, an application that references
    /// it), else from <paramref name="location"/> (the dll or its folder; default <c>training/</c> beside the silo).
    /// </summary>
    public static void Add(ISiloBuilder silo, string? location)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var assembly = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == AssemblyName)
            ?? (PluginLoadContext.HostHas(AssemblyName) ? Assembly.Load(new AssemblyName(AssemblyName)) : Load(location));
        silo.Services.AddSerializer(serializer => serializer.AddAssembly(assembly));
    }

    private static Assembly Load(string? location)
    {
        string path = location ?? Path.Combine(AppContext.BaseDirectory, "training");
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, AssemblyName + ".dll");
        }

        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"this silo trains (its metadata has {AcceleratorPlacement.AcceleratorKey}={AcceleratorPlacement.Gpu} or {AcceleratorPlacement.TrainingKey}={AcceleratorPlacement.Accept}) " +
                $"but the training plugin is not at {path}: build grains/MetaClip.Training.Grains and set MetaClip:TrainingPlugin (MetaClip__TrainingPlugin) to its {AssemblyName}.dll");
        }

        var context = new PluginLoadContext(Path.GetFullPath(path));
        return context.LoadFromAssemblyPath(Path.GetFullPath(path));
    }

    /// <summary>Loads the plugin's own dependencies from its folder; anything the host has comes from the host.</summary>
    private sealed class PluginLoadContext(string pluginPath) : AssemblyLoadContext("MetaClip.Training", isCollectible: false)
    {
        private static readonly HashSet<string> HostAssemblies = [.. ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFileNameWithoutExtension).OfType<string>()];

        private readonly AssemblyDependencyResolver _resolver = new(pluginPath);

        /// <summary>Whether the host application itself has the assembly (it references it: tests, an all-in-one host).</summary>
        public static bool HostHas(string name) => HostAssemblies.Contains(name);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is string name && HostAssemblies.Contains(name))
            {
                return null; // the host's copy: one Orleans, one set of grain interfaces
            }

            return _resolver.ResolveAssemblyToPath(assemblyName) is string path ? LoadFromAssemblyPath(path) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
            _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is string path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }
}
