namespace ActorLog.Cli.Chaos;

/// <summary>
/// One nemesis kill (or pause, <paramref name="Paused"/>: RestartedAt is then when it was resumed): the victim,
/// what it led and whether it ran the controller at that moment, and when it was killed, restarted, seen up again,
/// when every partition had all its replicas in sync again (by the metadata) and when every partition had
/// acknowledged a write after the restart (times since the run started).
/// <paramref name="Problem"/>: the broker did not come back (the run fails); <paramref name="Note"/>: the cluster did
/// not get healthy again in time (reported; an availability finding, not a correctness one).
/// </summary>
public sealed record KillRecord(
    int Number,
    int BrokerId,
    int Pid,
    bool WasController,
    IReadOnlyList<int> LedPartitions,
    TimeSpan KilledAt,
    TimeSpan? RestartedAt,
    TimeSpan? UpAt,
    TimeSpan? InSyncAt,
    TimeSpan? WritableAt,
    string? Problem,
    string? Note,
    bool Paused = false);
