namespace ActorLog.Cli.Chaos;

/// <summary>
/// The checker's verdict on a <see cref="ChaosHistory"/>. The first group must be 0 for a correct log; the
/// second should be 0; the rest are counts that describe the run (losing unacknowledged records is allowed).
/// Unverified: acknowledged records of partitions that could not be read to their end, and not read.
/// </summary>
public sealed record CheckResult(
    // must be 0
    long AckedMissing,
    long Duplicated,
    long OutOfOrder,
    long OffsetGaps,
    long Foreign,
    // should be 0
    long AckedAtOtherOffset,
    // counts
    long Sent,
    long Acked,
    long Failed,
    IReadOnlyDictionary<string, long> FailedByError,
    long Indeterminate,
    long RecordsRead,
    long UnackedPresent,
    long Unverified,
    IReadOnlyList<string> Examples)
{
    /// <summary>True when nothing acknowledged was lost, duplicated, reordered or left a hole, and nothing unknown appeared.</summary>
    public bool Valid => AckedMissing == 0 && Duplicated == 0 && OutOfOrder == 0 && OffsetGaps == 0 && Foreign == 0;
}
