using Akka.Actor;
using Akka.Configuration;

namespace ActorLog.Configuration;

/// <summary>The typed view of the <c>actorlog</c> HOCON section (defaults in hocon/actorlog.conf).</summary>
public sealed record ActorLogSettings(
    int BrokerId,
    string DataDir,
    int MaxMessageBytes,
    long LogCacheMaxBytes,
    long SnapshotAfterBytes,
    int DefaultMinInsyncReplicas,
    TimeSpan ReplicaLagTimeMax,
    TimeSpan IsrCheckInterval,
    TimeSpan FollowerKeepalive,
    long MaxUnackedRecords,
    TimeSpan MetadataWriteTimeout,
    TimeSpan DefaultFetchMaxWait,
    bool ElectOnUnreachable,
    TimeSpan UnreachableGrace,
    TimeSpan? LeaderRebalanceDelay,
    bool CrashDetection,
    TimeSpan CrashProbeTimeout)
{
    public static ActorLogSettings Create(ActorSystem system) => Create(system.Settings.Config.GetConfig("actorlog"));

    public static ActorLogSettings Create(Config c)
    {
        if (c is null || c.IsEmpty) throw new ConfigurationException("The 'actorlog' configuration section is missing");
        return new ActorLogSettings(
            c.GetInt("broker-id"),
            c.GetString("data-dir"),
            c.GetInt("log.max-message-bytes"),
            CacheMaxBytes(c),
            ReadSnapshotAfterBytes(c),
            c.GetInt("topic-defaults.min-insync-replicas"),
            c.GetTimeSpan("replication.lag-time-max"),
            c.GetTimeSpan("replication.isr-check-interval"),
            c.GetTimeSpan("replication.follower-keepalive"),
            c.GetLong("replication.max-unacked-records"),
            c.GetTimeSpan("replication.metadata-write-timeout"),
            c.GetTimeSpan("fetch.default-max-wait"),
            c.GetBoolean("controller.elect-on-unreachable"),
            c.GetTimeSpan("controller.unreachable-grace"),
            OffOrDuration(c, "controller.leader-rebalance-delay"),
            c.GetBoolean("crash-detection.enabled"),
            c.GetTimeSpan("crash-detection.probe-timeout"));
    }

    private static long CacheMaxBytes(Config c)
    {
        var bytes = c.GetByteSize("log.cache-max-bytes") ?? throw new ConfigurationException("actorlog.log.cache-max-bytes is missing");
        if (bytes < 0) throw new ConfigurationException($"actorlog.log.cache-max-bytes must be 0 or more, got {bytes}");
        return bytes;
    }

    /// <summary>log.snapshot-after-bytes: a byte size, or off (0).</summary>
    private static long ReadSnapshotAfterBytes(Config c)
    {
        var text = c.GetString("log.snapshot-after-bytes")?.Trim();
        if (text is null or "") throw new ConfigurationException("actorlog.log.snapshot-after-bytes is missing");
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase)) return 0;
        long? parsed;
        try { parsed = c.GetByteSize("log.snapshot-after-bytes"); }
        catch (Exception) { parsed = null; }
        if (parsed is not { } bytes) throw new ConfigurationException($"actorlog.log.snapshot-after-bytes must be a size (e.g. 64MiB) or off, got '{text}'");
        if (bytes <= 0) throw new ConfigurationException($"actorlog.log.snapshot-after-bytes must be above 0 (or off), got {bytes}");
        return bytes;
    }

    /// <summary>A duration that may also be "off" (null).</summary>
    private static TimeSpan? OffOrDuration(Config c, string key)
    {
        var text = c.GetString(key)?.Trim();
        return text is null or "" || text.Equals("off", StringComparison.OrdinalIgnoreCase) ? null : c.GetTimeSpan(key);
    }
}
