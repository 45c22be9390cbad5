using Akka.Actor;
using Akka.Cluster.Sharding;
using ActorLog.Common;

namespace ActorLog.Partition;

/// <summary>
/// The sharded entity of a partition, placed by the controller on the leader's broker (external shard
/// allocation). It holds no state: it hands every request to this broker's replica of the partition,
/// which alone writes the partition's journal here. So a shard move or passivation never loses a leader's
/// state, and the leader role can switch by epoch before the shard placement follows.
/// </summary>
public sealed class PartitionEntity : ReceiveActor
{
    public const string TypeName = "partition";

    public PartitionEntity(IActorRef replicaManager)
    {
        ReceiveAny(msg => replicaManager.Forward(msg));
    }

    public static Props Props(IActorRef replicaManager) => Akka.Actor.Props.Create(() => new PartitionEntity(replicaManager));
}

/// <summary>One shard per partition, so each partition's placement is the controller's to set.</summary>
public sealed class PartitionMessageExtractor : IMessageExtractor
{
    public string? EntityId(object message) => message is IPartitionMessage p ? p.Partition.EntityId : null;

    public object? EntityMessage(object message) => message;

#pragma warning disable CS0618 // the obsolete overload is still called by sharding internals
    public string? ShardId(object message) => EntityId(message);
#pragma warning restore CS0618

    public string ShardId(string entityId, object? messageHint = null) => entityId;

    public static string ShardIdOf(TopicPartition tp) => tp.EntityId;
}
