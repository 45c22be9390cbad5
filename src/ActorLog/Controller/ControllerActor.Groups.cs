using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding.External;
using Akka.Event;
using ActorLog.Common;
using ActorLog.Groups;
using ActorLog.Groups.Coordinator;
using static ActorLog.Controller.ControllerProtocol;

namespace ActorLog.Controller;

/// <summary>
/// Consumer groups' share of the controller: it creates the internal offsets topic, and places each group shard
/// (one per offsets partition) on that partition's leader, as it places partition shards.
/// </summary>
public sealed partial class ControllerActor
{
    private sealed record GroupLocationsDone(Exception? Failure);

    private void OnEnsureOffsetsTopic(EnsureOffsetsTopic cmd)
    {
        if (_metadata.Topics.TryGetValue(OffsetsTopic.Name, out var existing))
        {
            Sender.Tell(new TopicResult(existing, null));
            return;
        }
        var (rf, minIsr) = OffsetsTopic.ReplicationFor(_view.LiveBrokers().Count);
        _log.Info("Controller: creating {0} ({1} partitions, replication factor {2}, min.insync.replicas {3})",
            OffsetsTopic.Name, cmd.Partitions, rf, minIsr);
        // Its records are the groups' state, read back whole when a group loads: retention must never drop them.
        OnCreateTopic(new CreateTopic(OffsetsTopic.Name, cmd.Partitions, rf, minIsr, 0, RetentionMs: -1, RetentionBytes: -1));
    }

    /// <summary>
    /// Points the group shard of each offsets partition among <paramref name="partitions"/> at its leader. Not
    /// waited for: a coordinator checks on every request that its broker leads the partition, so a late
    /// placement costs clients a retry (NotCoordinator), never a wrong answer.
    /// </summary>
    private void PlaceGroupShards(IEnumerable<(TopicPartition Partition, int Leader)> partitions)
    {
        var live = _view.LiveBrokers();
        var locations = partitions
            .Where(p => p.Partition.Topic == OffsetsTopic.Name && live.ContainsKey(p.Leader))
            .ToImmutableDictionary(p => GroupMessageExtractor.ShardIdOf(p.Partition.Partition), p => live[p.Leader]);
        if (locations.IsEmpty) return;
        ExternalShardAllocation.Get(Context.System).ClientFor(GroupCoordinator.TypeName).UpdateShardLocations(locations)
            .PipeTo(Self, success: _ => new GroupLocationsDone(null), failure: ex => new GroupLocationsDone(ex));
    }

    private void OnGroupLocationsDone(GroupLocationsDone done)
    {
        if (done.Failure is not null) _log.Warning("Controller: group shard locations not updated: {0}", done.Failure.Message);
    }
}
