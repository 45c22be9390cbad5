using Akka.Configuration;

namespace ActorLog.Metadata.Durable;

/// <summary>
/// The typed view of <c>akka.cluster.distributed-data.durable.sqlite</c> (defaults and comments in
/// hocon/actorlog.conf). The replicator hands its store the whole <c>durable</c> section.
/// </summary>
public sealed record SqliteDurableStoreSettings(string Path, TimeSpan? WriteBehindInterval)
{
    public const string Section = "sqlite";

    public static SqliteDurableStoreSettings Create(Config durable)
    {
        var sqlite = durable.GetConfig(Section);
        if (sqlite is null || sqlite.IsEmpty)
            throw new ConfigurationException($"akka.cluster.distributed-data.durable.{Section} is missing: the SQLite durable store needs its path");
        var path = sqlite.GetString("path", "");
        if (string.IsNullOrWhiteSpace(path))
            throw new ConfigurationException($"akka.cluster.distributed-data.durable.{Section}.path is empty: set the SQLite file for durable distributed data");
        return new SqliteDurableStoreSettings(System.IO.Path.GetFullPath(path), WriteBehind(sqlite));
    }

    /// <summary>null (the default, "off"): every change is on disk before it is acknowledged.</summary>
    private static TimeSpan? WriteBehind(Config sqlite)
    {
        var raw = sqlite.GetString("write-behind-interval", "off").Trim().ToLowerInvariant();
        if (raw is "" or "off" or "false" or "no") return null;
        var interval = sqlite.GetTimeSpan("write-behind-interval");
        if (interval <= TimeSpan.Zero)
            throw new ConfigurationException($"akka.cluster.distributed-data.durable.{Section}.write-behind-interval must be off or positive, got '{raw}'");
        return interval;
    }
}
