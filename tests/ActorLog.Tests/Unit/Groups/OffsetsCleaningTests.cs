using ActorLog.Common;
using ActorLog.Groups.Offsets;
using ActorLog.Log;
using Xunit;
using Record = ActorLog.Log.Record;

namespace ActorLog.Tests.Unit.Groups;

/// <summary>
/// The offsets topic's cleaning (decision 33): <see cref="KeyedLogCleaner"/> folds a prefix of the log to its live records,
/// and a group folded from what is left plus the copies appended after newer records is the group folded from the whole log.
/// </summary>
public class OffsetsCleaningTests
{
    private static readonly TopicPartition A = new("orders", 0);
    private static readonly TopicPartition B = new("orders", 1);
    private static readonly TopicPartition C = new("audit", 0);

    private static OffsetsRecord Commit(string group, TopicPartition tp, long? offset) =>
        new OffsetCommitRecord(group, tp, offset is { } o ? new OffsetValue(o, $"m{o}", 1, 1000 + o) : null);

    private static RecordBatch Batch(long baseOffset, params OffsetsRecord[] records) =>
        new(baseOffset, 0, -1, -1, records.Select(r => OffsetsRecordCodec.Encode(r, 0)).ToArray());

    /// <summary>The log a cleaned log must fold like: commits, a group record, a reset (tombstone) and a group deleted.</summary>
    private static List<RecordBatch> History() => new()
    {
        Batch(0, new GroupRecord("g", "range"), Commit("g", A, 10), Commit("h", A, 1)),
        Batch(3, Commit("g", B, 5), Commit("g", A, 20)),
        Batch(5, Commit("g", C, 7), new GroupRecord("h", "sticky")),
        Batch(7, Commit("g", C, null), Commit("h", A, 2)),
        Batch(9, Commit("h", A, null), new GroupRecord("h", null)),
    };

    private static GroupOffsets Fold(string group, IReadOnlyList<RecordBatch> log, long from = 0)
    {
        var offsets = new GroupOffsets(group);
        offsets.ApplyBatches(log, from);
        return offsets;
    }

    private static void AssertSameGroup(GroupOffsets expected, GroupOffsets actual)
    {
        Assert.Equal(expected.GroupRecorded, actual.GroupRecorded);
        Assert.Equal(expected.Offsets.OrderBy(p => p.Key.ToString()), actual.Offsets.OrderBy(p => p.Key.ToString()));
    }

    /// <summary>Cleans [start, to) of the log, appends the copies at its end (after <paramref name="appendedMeanwhile"/>), drops the prefix.</summary>
    private static List<RecordBatch> Clean(List<RecordBatch> log, long to, IEnumerable<RecordBatch>? appendedMeanwhile = null,
        bool dropTombstones = true)
    {
        var cleaner = new KeyedLogCleaner();
        foreach (var batch in log) cleaner.Add(batch, log[0].BaseOffset, to);
        var result = log.Where(b => b.BaseOffset >= to).Concat(appendedMeanwhile ?? Array.Empty<RecordBatch>()).ToList();
        foreach (var copy in cleaner.Copies(1024 * 1024, dropTombstones)) result.Add(copy.Place(result[^1].NextOffset, 0, 0));
        return result;
    }

    [Fact]
    public void The_cleaner_keeps_the_latest_live_record_of_each_key_in_the_order_first_written()
    {
        var cleaner = new KeyedLogCleaner();
        foreach (var batch in History()) cleaner.Add(batch, 0, 11);
        Assert.Equal(11, cleaner.RecordsRead);
        Assert.Equal(6, cleaner.Keys); // g; h; g/A; g/B; g/C; h/A
        var copies = cleaner.Copies(1024 * 1024, dropTombstones: true).SelectMany(b => b.Records).ToList();
        // g's group record (offset 0), g/B (3), g/A (4): h's keys and g/C end in tombstones.
        Assert.Equal(new[] { 0L, 3L, 4L }, copies.Select(r => KeyedLogCleaner.OriginalOffset(r, -1)));
        Assert.Equal(new OffsetsRecord?[] { new GroupRecord("g", "range"), Commit("g", B, 5), Commit("g", A, 20) },
            copies.Select(OffsetsRecordCodec.Decode));
    }

    [Fact]
    public void A_range_is_folded_from_its_start_and_a_copy_keeps_its_first_original_offset()
    {
        var cleaner = new KeyedLogCleaner();
        // From 4 to 7: g/A = 20 (4), g/C = 7 (5), h = sticky (6).
        foreach (var batch in History()) cleaner.Add(batch, 4, 7);
        var copies = cleaner.Copies(1024 * 1024, dropTombstones: true).Single().Records;
        Assert.Equal(new[] { 4L, 5L, 6L }, copies.Select(r => KeyedLogCleaner.OriginalOffset(r, -1)));

        // Folded again at other offsets (a later pass), the copies keep the offsets they were first written at.
        var again = new KeyedLogCleaner();
        again.Add(new RecordBatch(500, 0, -1, -1, copies), 500, 503);
        Assert.Equal(new[] { 4L, 5L, 6L }, again.Copies(1024 * 1024, dropTombstones: true).Single().Records.Select(r => KeyedLogCleaner.OriginalOffset(r, -1)));
    }

    [Fact]
    public void Copies_are_split_into_batches_within_the_size_given()
    {
        var cleaner = new KeyedLogCleaner();
        var commits = Enumerable.Range(0, 100).Select(p => Commit("g", new TopicPartition("t", p), p)).ToArray();
        cleaner.Add(Batch(0, commits), 0, 100);
        var copies = cleaner.Copies(1000, dropTombstones: true);
        Assert.True(copies.Count > 1);
        Assert.All(copies, b => Assert.True(b.Payload.Length <= 1000, $"{b.Payload.Length} bytes"));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), copies.SelectMany(b => b.Records).Select(r => KeyedLogCleaner.OriginalOffset(r, -1)));
    }

    [Fact]
    public void Records_without_a_key_are_dropped_and_counted()
    {
        var cleaner = new KeyedLogCleaner();
        cleaner.Add(new RecordBatch(0, 0, -1, -1, new[] { new Record(null, new byte[] { 1 }, 0, Record.NoHeaders) }), 0, 1);
        Assert.Equal(1, cleaner.KeylessDropped);
        Assert.Empty(cleaner.Copies(1000, dropTombstones: false));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(9)]
    public void A_cleaned_log_folds_like_the_whole_log(long cleanTo)
    {
        var log = History();
        var cleaned = Clean(log, cleanTo);
        foreach (var group in new[] { "g", "h" }) AssertSameGroup(Fold(group, log), Fold(group, cleaned, cleaned[0].BaseOffset));
    }

    [Fact]
    public void Records_appended_while_a_pass_ran_win_over_its_older_copies()
    {
        var log = History();
        // While [0, 9) was folded: g/A moved on, g/B was reset away, h joined again. The copies land after them.
        var meanwhile = new[] { Batch(11, Commit("g", A, 30), Commit("g", B, null), new GroupRecord("h", "range")) };
        var cleaned = Clean(log, 9, meanwhile);
        var whole = log.Concat(meanwhile).ToList();
        foreach (var group in new[] { "g", "h" }) AssertSameGroup(Fold(group, whole), Fold(group, cleaned, cleaned[0].BaseOffset));
        Assert.Equal(30, Fold("g", cleaned, 9).Find(A)!.Offset);
        Assert.Null(Fold("g", cleaned, 9).Find(B));

        // A second pass over everything through the first pass's copies folds the same again (its tombstones can go).
        var end = cleaned[^1].NextOffset;
        var twice = Clean(cleaned, end, new[] { Batch(end, Commit("x", A, 1)) });
        Assert.Equal(end, twice[0].BaseOffset);
        foreach (var group in new[] { "g", "h" }) AssertSameGroup(Fold(group, whole), Fold(group, twice, twice[0].BaseOffset));
    }

    [Fact]
    public void A_pass_that_stops_short_of_older_copies_keeps_tombstones()
    {
        var log = History();
        // Pass 1 folds [0, 9) while g/A is reset away at offset 11: its copy of g/A (20) lands after the tombstone.
        var meanwhile = new[] { Batch(11, Commit("g", A, null)) };
        var cleaned = Clean(log, 9, meanwhile);
        var whole = log.Concat(meanwhile).ToList();
        // Pass 2 folds [9, 12): the tombstone, but not the copies after it. It copies the tombstone forward.
        var partial = Clean(cleaned, 12, dropTombstones: false);
        Assert.Null(Fold("g", partial, 12).Find(A));
        AssertSameGroup(Fold("g", whole), Fold("g", partial, 12));
        // Dropped there, the older copy's value would come back: only a pass through every older copy drops tombstones.
        Assert.Equal(20, Fold("g", Clean(cleaned, 12, dropTombstones: true), 12).Find(A)!.Offset);
        var full = Clean(partial, partial[^1].NextOffset, new[] { Batch(partial[^1].NextOffset, Commit("x", A, 1)) });
        AssertSameGroup(Fold("g", whole), Fold("g", full, full[0].BaseOffset));
        Assert.DoesNotContain(full.SelectMany(b => b.Records), r => r.Value is null);
    }

    [Fact]
    public void An_older_copy_does_not_bring_back_a_deleted_key()
    {
        var offsets = new GroupOffsets("g");
        offsets.Apply(Commit("g", A, null), 50);
        offsets.Apply(Commit("g", A, 10), 20); // a copy of offset 20's value, appended later
        Assert.Null(offsets.Find(A));
        offsets.Apply(new GroupRecord("g", null), 60);
        offsets.Apply(new GroupRecord("g", "range"), 0);
        Assert.False(offsets.GroupRecorded);
        // An acknowledged write is the newest there is.
        offsets.Apply(Commit("g", A, 70));
        Assert.Equal(70, offsets.Find(A)!.Offset);
    }
}
