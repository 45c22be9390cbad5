using Akka.Actor;
using Akka.Configuration;

namespace ActorLog.Groups;

/// <summary>The typed view of <c>actorlog.groups</c> (defaults and the reason for each in hocon/actorlog.conf).</summary>
public sealed record GroupSettings(
    int OffsetsTopicPartitions,
    TimeSpan DefaultSessionTimeout,
    TimeSpan MinSessionTimeout,
    TimeSpan MaxSessionTimeout,
    TimeSpan HeartbeatInterval,
    TimeSpan CommitTimeout)
{
    public static readonly GroupSettings Default = Create(Configuration.DefaultConfig.Load().GetConfig("actorlog.groups"));

    public static GroupSettings Create(ActorSystem system) => Create(system.Settings.Config.GetConfig("actorlog.groups"));

    public static GroupSettings Create(Config c)
    {
        if (c is null || c.IsEmpty) throw new ConfigurationException("The 'actorlog.groups' configuration section is missing");
        var settings = new GroupSettings(
            c.GetInt("offsets-topic-partitions"),
            c.GetTimeSpan("default-session-timeout"),
            c.GetTimeSpan("min-session-timeout"),
            c.GetTimeSpan("max-session-timeout"),
            c.GetTimeSpan("heartbeat-interval"),
            c.GetTimeSpan("commit-timeout"));
        if (settings.OffsetsTopicPartitions < 1)
            throw new ConfigurationException($"actorlog.groups.offsets-topic-partitions must be at least 1, got {settings.OffsetsTopicPartitions}");
        if (settings.MinSessionTimeout > settings.MaxSessionTimeout)
            throw new ConfigurationException("actorlog.groups.min-session-timeout is larger than max-session-timeout");
        return settings;
    }

    /// <summary>The session timeout a member asked for (0 = the default), or null when it is outside [min, max].</summary>
    public TimeSpan? SessionTimeoutFor(int requestedMs)
    {
        if (requestedMs == 0) return DefaultSessionTimeout;
        var requested = TimeSpan.FromMilliseconds(requestedMs);
        return requested < MinSessionTimeout || requested > MaxSessionTimeout ? null : requested;
    }
}
