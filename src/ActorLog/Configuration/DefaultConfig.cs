using Akka.Configuration;

namespace ActorLog.Configuration;

/// <summary>Loads hocon/actorlog.conf, embedded in this assembly, so every host starts from the same defaults.</summary>
public static class DefaultConfig
{
    public const string ResourceName = "ActorLog.actorlog.conf";

    private static readonly Lazy<string> Text = new(() =>
    {
        using var stream = typeof(DefaultConfig).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static string Hocon => Text.Value;

    public static Config Load() => ConfigurationFactory.ParseString(Text.Value);
}
