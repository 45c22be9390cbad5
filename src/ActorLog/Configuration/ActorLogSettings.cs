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
    long SnapshotAfterBatches,
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
    TimeSpan CrashProbeTimeout,
    TimeSpan? StuckJoinTimeout,
    TimeSpan? UnseenGossipTimeout,
    long DefaultRetentionMs,
    long DefaultRetentionBytes,
    TimeSpan RetentionCheckInterval,
    long OffsetsCleaningMinBytes)
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
            ReadSnapshotAfterBatches(c),
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
            c.GetTimeSpan("crash-detection.probe-timeout"),
            OffOrDuration(c, "membership.stuck-join-timeout") is { } stuck ? TimeSpan.FromMilliseconds(Positive(stuck, "membership.stuck-join-timeout")) : null,
            OffOrDuration(c, "membership.unseen-gossip-timeout") is { } unseen ? TimeSpan.FromMilliseconds(Positive(unseen, "membership.unseen-gossip-timeout")) : null,
            OffOrDuration(c, "topic-defaults.retention") is { } retention ? Positive(retention, "topic-defaults.retention") : -1,
            OffOrSize(c, "topic-defaults.retention-bytes"),
            TimeSpan.FromMilliseconds(Positive(c.GetTimeSpan("log.retention-check-interval"), "log.retention-check-interval")),
            OffOrSize(c, "groups.offsets-cleaning-min-bytes"));
    }

    private static long Positive(TimeSpan t, string key) =>
        t > TimeSpan.Zero ? (long)t.TotalMilliseconds : throw new ConfigurationException($"actorlog.{key} must be above 0 (or off), got {t}");

    /// <summary>A setting's text, null when it is "off"; an empty value is a mistake, not "off".</summary>
    private static string? UnlessOff(Config c, string key)
    {
        var text = c.GetString(key)?.Trim();
        if (text is null or "") throw new ConfigurationException($"actorlog.{key} is missing");
        return text.Equals("off", StringComparison.OrdinalIgnoreCase) ? null : text;
    }

    /// <summary>A byte size that may also be "off" (-1).</summary>
    private static long OffOrSize(Config c, string key)
    {
        if (UnlessOff(c, key) is not { } text) return -1;
        long? parsed;
        try { parsed = c.GetByteSize(key); }
        catch (Exception) { parsed = null; }
        if (parsed is not { } bytes || bytes < 0) throw new ConfigurationException($"actorlog.{key} must be a size (e.g. 10GiB) or off, got '{text}'");
        return bytes;
    }

    private static long CacheMaxBytes(Config c)
    {
        var bytes = c.GetByteSize("log.cache-max-bytes") ?? throw new ConfigurationException("actorlog.log.cache-max-bytes is missing");
        if (bytes < 0) throw new ConfigurationException($"actorlog.log.cache-max-bytes must be 0 or more, got {bytes}");
        return bytes;
    }

    /// <summary>log.snapshot-after-bytes: a byte size, or off (0).</summary>
    private static long ReadSnapshotAfterBytes(Config c) => OffOrSize(c, "log.snapshot-after-bytes") switch
    {
        -1 => 0,
        0 => throw new ConfigurationException("actorlog.log.snapshot-after-bytes must be above 0 (or off), got 0"),
        var bytes => bytes,
    };

    /// <summary>log.snapshot-after-batches: a count above 0, or off (0).</summary>
    private static long ReadSnapshotAfterBatches(Config c)
    {
        const string key = "log.snapshot-after-batches";
        if (UnlessOff(c, key) is not { } text) return 0;
        return long.TryParse(text, out var batches) && batches > 0
            ? batches
            : throw new ConfigurationException($"actorlog.{key} must be a number of batches above 0 (or off), got '{text}'");
    }

    /// <summary>A duration that may also be "off" (null).</summary>
    private static TimeSpan? OffOrDuration(Config c, string key)
    {
        var text = c.GetString(key)?.Trim();
        return text is null or "" || text.Equals("off", StringComparison.OrdinalIgnoreCase) ? null : c.GetTimeSpan(key);
    }
}
