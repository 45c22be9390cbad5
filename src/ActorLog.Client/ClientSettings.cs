using Akka.Configuration;
using ActorLog.Configuration;

namespace ActorLog.Client;

/// <summary>Client tuning, from <c>actorlog.client</c> in hocon/actorlog.conf.</summary>
public sealed record ClientSettings(
    TimeSpan ConnectTimeout,
    TimeSpan RequestTimeout,
    TimeSpan DeliveryTimeout,
    int MaxInFlightPerPartition,
    int BatchMaxBytes,
    TimeSpan MetadataMaxAge)
{
    public static ClientSettings Default { get; } = FromConfig(DefaultConfig.Load());

    public static ClientSettings FromConfig(Config config)
    {
        var c = config.GetConfig("actorlog.client");
        return new ClientSettings(
            c.GetTimeSpan("connect-timeout"),
            c.GetTimeSpan("request-timeout"),
            c.GetTimeSpan("delivery-timeout"),
            c.GetInt("max-in-flight-per-partition"),
            c.GetInt("batch-max-bytes"),
            c.GetTimeSpan("metadata-max-age"));
    }
}
