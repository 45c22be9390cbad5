namespace ActorLog.Cli.Chaos;

/// <summary>
/// What the nemesis does to its victim. Kill: SIGKILL, restarted after the down time (a crash). Pause: SIGSTOP for
/// the down time, then SIGCONT (a long GC pause or a frozen VM: the broker goes silent with its connections open,
/// the others fail over, and it wakes up believing what it believed before; downed meanwhile, it exits and is
/// restarted). Mixed: either, at random.
/// </summary>
public enum ChaosFault
{
    Kill,
    Pause,
    Mixed,
}

/// <summary>One chaos run's parameters, as given on the command line (validated by <see cref="Validate"/>).</summary>
public sealed record ChaosSettings(
    int Brokers,
    int Partitions,
    TimeSpan Duration,
    TimeSpan KillInterval,
    TimeSpan DownTime,
    string DataDir,
    int Seed,
    int InFlight,
    int Rate,
    int MinKills,
    ChaosFault Fault = ChaosFault.Kill)
{
    public const string Topic = "chaos";
    public const int ReplicationFactor = 3;
    public const int MinInsyncReplicas = 2;

    /// <summary>How long a restarted broker may take to be up in the cluster again before the run reports it lost.</summary>
    public static readonly TimeSpan RestartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// How long the nemesis waits, once a restarted broker is up, for every partition to have all its replicas in
    /// sync and to acknowledge a write again; past it, the next kill goes ahead and the kill is reported.
    /// </summary>
    public static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A kill after which some partition took longer than this to acknowledge a write again is noted, even when it
    /// came within <see cref="HealthyTimeout"/>: failovers here take about a second and recovery well under 30 s, so
    /// it is a partition that stalled (session 18's seed 18 run hid a 62 s stall in its per-kill table).
    /// </summary>
    public static readonly TimeSpan SlowWritable = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long acknowledgements may keep arriving once the producer stops: a record is retried for up to the
    /// client's delivery timeout (60 s by default), plus a margin.
    /// </summary>
    public static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Kills the interval fits into the duration, each leaving time for the down time and the failover after it.</summary>
    public int PlannedKills => KillInterval <= TimeSpan.Zero ? 0
        : Math.Max(0, (int)Math.Floor((Duration - DownTime - TimeSpan.FromSeconds(2)) / KillInterval));

    public string? Validate() =>
        Brokers < 3 ? "--brokers must be at least 3 (the topic has replication factor 3)"
        : Partitions < 1 ? "--partitions must be at least 1"
        : Duration <= TimeSpan.Zero ? "--duration must be positive"
        : KillInterval <= TimeSpan.Zero ? "--kill-interval must be positive"
        : DownTime < TimeSpan.Zero ? "--down-time must not be negative"
        : InFlight < 1 ? "--in-flight must be at least 1"
        : Rate < 0 ? "--rate must not be negative"
        : MinKills < 0 ? "--min-kills must not be negative"
        : null;
}
