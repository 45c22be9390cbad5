using Akka.Actor;
using ActorLog.Common;
using ActorLog.Groups.Offsets;
using ActorLog.Partition;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Groups.Admin;

/// <summary>
/// Lists groups the way Kafka's brokers know them: from the offsets topic. Every partition is read to its high
/// watermark and folded per group (a group exists while it has a group record or committed offsets); each group's
/// coordinator is then asked for its state. Reading the topic costs in proportion to its length, which its cleaning
/// (decision 33) keeps to about twice the groups' live records.
/// </summary>
public static class GroupLister
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static async Task<ListGroupsResult> ListAsync(int offsetsPartitions, IActorRef partitionRegion, IActorRef groupRegion)
    {
        var groups = new Dictionary<string, GroupOffsets>(StringComparer.Ordinal);
        try
        {
            for (var p = 0; p < offsetsPartitions; p++)
                if (await ReadPartition(new TopicPartition(OffsetsTopic.Name, p), partitionRegion, groups) is { } error)
                    return new ListGroupsResult(Array.Empty<GroupListing>(), error);
            var live = groups.Values.Where(g => !g.IsEmpty).Select(g => g.GroupId).Order(StringComparer.Ordinal).ToList();
            var described = await Task.WhenAll(live.Select(id => groupRegion.Ask<GroupDescription>(new DescribeGroup(id), AskTimeout)));
            return new ListGroupsResult(described.Where(d => d.Error is null).Select(d => new GroupListing(d.GroupId, d.State)).ToArray(), null);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return new ListGroupsResult(Array.Empty<GroupListing>(),
                new ErrorInfo(ErrorCode.RequestTimedOut, $"Listing groups: no answer in {AskTimeout.TotalSeconds} s ({e.Message})"));
        }
    }

    /// <summary>
    /// Folds one partition from its log start (read again from the new start when the log's cleaning moves it while
    /// it is read: the partition's groups are folded anew, as a coordinator's load is).
    /// </summary>
    private static async Task<ErrorInfo?> ReadPartition(TopicPartition tp, IActorRef region, Dictionary<string, GroupOffsets> groups)
    {
        var partitionGroups = new Dictionary<string, GroupOffsets>(StringComparer.Ordinal);
        var offset = 0L;
        var attempts = 0;
        while (true)
        {
            var result = await region.Ask<PartitionProtocol.FetchResult>(new PartitionProtocol.Fetch(tp, offset, 1024 * 1024, 0), AskTimeout);
            if (result.Error is { Code: ErrorCode.OffsetOutOfRange } && result.LogStartOffset > offset && ++attempts <= 20)
            {
                partitionGroups.Clear();
                offset = result.LogStartOffset;
                continue;
            }
            if (result.Error is { } error)
            {
                if (!error.Code.IsRetriable() || ++attempts > 20) return error;
                await Task.Delay(250);
                continue;
            }
            foreach (var (record, version) in OffsetsRecordCodec.Read(result.Batches, offset))
            {
                if (!partitionGroups.TryGetValue(record.GroupId, out var group)) partitionGroups[record.GroupId] = group = new GroupOffsets(record.GroupId);
                group.Apply(record, version);
            }
            var next = result.Batches.Count == 0 ? offset : Math.Max(offset, result.Batches[^1].NextOffset);
            if (next >= result.HighWatermark || next == offset)
            {
                foreach (var (id, group) in partitionGroups) groups[id] = group;
                return null;
            }
            offset = next;
        }
    }
}
