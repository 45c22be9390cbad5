namespace ActorLog.Cli.Chaos;

/// <summary>
/// Judges a chaos run's history against what a replicated log with acks=all and an idempotent, ordered
/// producer promises. Pure: no cluster, no clock; the unit tests feed it synthetic histories.
/// <list type="bullet">
/// <item>acked missing: an acknowledged number not found in its partition (an acknowledged write was lost); in a
/// partition that could not be read to its end such a number acknowledged beyond what was read is unverified instead</item>
/// <item>duplicated: a number read more than once, anywhere (a retry was written twice)</item>
/// <item>out of order: in a partition, in offset order, a number below one read before it (first occurrences only,
/// so a duplicate counts as duplicated, not also as out of order); the producer numbers each partition's records in
/// increasing order and the client keeps that order through retries</item>
/// <item>offset gaps: places where a partition's read offsets are not 0, 1, 2, ... up to its high watermark</item>
/// <item>foreign: a value that is not a number, a number never sent, or one read in another partition than it was sent to</item>
/// <item>acked at other offset: found in its partition, but not at the offset its acknowledgement named</item>
/// </list>
/// </summary>
public static class HistoryChecker
{
    /// <summary>How many violations are described in <see cref="CheckResult.Examples"/>.</summary>
    public const int MaxExamples = 20;

    public static CheckResult Check(ChaosHistory history)
    {
        var examples = new List<string>();
        void Example(string text)
        {
            if (examples.Count < MaxExamples) examples.Add(text);
        }

        var sentPartition = new Dictionary<long, int>(history.Sent.Count);
        foreach (var s in history.Sent) sentPartition[s.Number] = s.Partition;

        // Where each number was read: (partition, offset) of every occurrence.
        var readAt = new Dictionary<long, List<(int Partition, long Offset)>>(history.Read.Count);
        long duplicated = 0, foreign = 0, outOfOrder = 0, offsetGaps = 0;
        foreach (var partition in history.Read.GroupBy(r => r.Partition).OrderBy(g => g.Key))
        {
            var ordered = partition.OrderBy(r => r.Offset).ToList();
            long expected = 0;
            long? highest = null;
            foreach (var r in ordered)
            {
                if (r.Offset != expected)
                {
                    offsetGaps++;
                    Example(r.Offset > expected
                        ? $"offset gap: partition {r.Partition} has no offsets {expected}..{r.Offset - 1}"
                        : $"offset gap: partition {r.Partition} has offset {r.Offset} more than once");
                }
                expected = r.Offset + 1;

                if (r.Number is not { } number)
                {
                    foreign++;
                    Example($"foreign: partition {r.Partition} offset {r.Offset} holds a value that is not a record number");
                    continue;
                }
                if (!sentPartition.TryGetValue(number, out var sentTo) || sentTo != r.Partition)
                {
                    foreign++;
                    Example(sentPartition.ContainsKey(number)
                        ? $"foreign: number {number} read in partition {r.Partition} offset {r.Offset} was sent to partition {sentTo}"
                        : $"foreign: number {number} read in partition {r.Partition} offset {r.Offset} was never sent");
                }
                if (readAt.TryGetValue(number, out var seen))
                {
                    if (seen.Count == 1)
                    {
                        duplicated++;
                        Example($"duplicated: number {number} at partition {seen[0].Partition} offset {seen[0].Offset} and partition {r.Partition} offset {r.Offset}");
                    }
                    seen.Add((r.Partition, r.Offset));
                    continue;
                }
                readAt[number] = new List<(int, long)> { (r.Partition, r.Offset) };
                if (highest is { } h && number < h)
                {
                    outOfOrder++;
                    Example($"out of order: partition {r.Partition} offset {r.Offset} holds number {number} after number {h}");
                }
                highest = Math.Max(highest ?? long.MinValue, number);
            }
            if (!history.Unreadable.Contains(partition.Key) && history.HighWatermarks.TryGetValue(partition.Key, out var hw) && expected < hw)
            {
                offsetGaps++;
                Example($"offset gap: partition {partition.Key} read up to offset {expected - 1} but its high watermark is {hw}");
            }
        }
        // A partition with a high watermark above 0 but nothing read is one gap too.
        foreach (var (partition, hw) in history.HighWatermarks.OrderBy(kv => kv.Key))
        {
            if (hw <= 0 || history.Unreadable.Contains(partition) || history.Read.Any(r => r.Partition == partition)) continue;
            offsetGaps++;
            Example($"offset gap: partition {partition} has high watermark {hw} but nothing was read");
        }

        long ackedMissing = 0, ackedAtOtherOffset = 0, unverified = 0;
        // How far each partition was read: in an unreadable partition, only what lies beyond is unverified.
        var readEnd = history.Read.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.Max(r => r.Offset) + 1);
        var acked = new HashSet<long>(history.Acked.Count);
        foreach (var a in history.Acked.OrderBy(a => a.Number))
        {
            acked.Add(a.Number);
            var found = readAt.TryGetValue(a.Number, out var places) ? places.Where(p => p.Partition == a.Partition).ToList() : [];
            if (found.Count == 0 && history.Unreadable.Contains(a.Partition) && a.Offset >= readEnd.GetValueOrDefault(a.Partition))
                unverified++;
            else if (found.Count == 0)
            {
                ackedMissing++;
                Example($"acked missing: number {a.Number} acknowledged at partition {a.Partition} offset {a.Offset} ({a.AckedAt.TotalSeconds:0.000} s) was not read");
            }
            else if (found.All(p => p.Offset != a.Offset))
            {
                ackedAtOtherOffset++;
                Example($"acked at other offset: number {a.Number} acknowledged at partition {a.Partition} offset {a.Offset}, read at offset {found[0].Offset}");
            }
        }

        var failedByError = history.Failed.GroupBy(f => f.Error).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.Count());
        var failed = new HashSet<long>(history.Failed.Select(f => f.Number));
        var unackedPresent = readAt.Keys.LongCount(n => !acked.Contains(n) && sentPartition.ContainsKey(n));
        var indeterminate = history.Sent.LongCount(s => !acked.Contains(s.Number) && !failed.Contains(s.Number));

        return new CheckResult(ackedMissing, duplicated, outOfOrder, offsetGaps, foreign, ackedAtOtherOffset,
            history.Sent.Count, acked.Count, failed.Count, failedByError, indeterminate, history.Read.Count, unackedPresent, unverified, examples);
    }
}
