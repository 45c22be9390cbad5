namespace ActorLog.Hosting;

/// <summary>
/// What a broker is told on its command line. Null means "not given here": the environment, the config
/// file and then hocon/actorlog.conf decide.
/// </summary>
public sealed record BrokerOptions
{
    public int? BrokerId { get; init; }
    public string? Host { get; init; }
    public int? Port { get; init; }
    public IReadOnlyList<string>? Seeds { get; init; }
    public string? DataDir { get; init; }
    public string? ConfigFile { get; init; }

    /// <summary>Extra HOCON with the highest precedence (tests use it to tune timings).</summary>
    public string? ExtraHocon { get; init; }
}
