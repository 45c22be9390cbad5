using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using ActorLog.Broker;
using ActorLog.Common;
using ActorLog.Controller;
using ActorLog.Groups;
using ActorLog.Groups.Admin;
using ActorLog.Metadata;
using ActorLog.Partition;
using ActorLog.Serialization;
using static ActorLog.Gateway.GatewayProtocol;

namespace ActorLog.Gateway;

/// <summary>
/// A broker's entry point for clients (at /user/gateway): metadata from this broker's replica of the
/// cluster metadata, admin commands to the controller singleton, and partition requests. A request for a
/// partition this broker holds a replica of goes straight to that replica (clients send to the leader's
/// broker, from metadata), so a new leader serves at once after a failover, without waiting for the
/// shard to move; anything else goes into the shard region, which delivers it to the leader's broker.
/// Answers go straight back to the client (requests are forwarded, keeping the client as sender).
/// </summary>
public sealed class GatewayActor : ReceiveActor
{
    public const string Name = "gateway";

    private static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(3);

    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private ClusterMetadata _metadata = ClusterMetadata.Empty;

    private readonly GroupSettings _groupSettings;
    private readonly int _brokerId;

    public GatewayActor(int brokerId, IActorRef controller, IActorRef partitionRegion, IActorRef replicaManager, IActorRef groupRegion,
        GroupSettings groupSettings)
    {
        _groupSettings = groupSettings;
        _brokerId = brokerId;
        Receive<Changed>(c => c.Key.Equals(MetadataKey.Key), c => Update(MetadataKey.ValueOf(c.Get(MetadataKey.Key))));
        Receive<ClusterMetadata>(Update);
        Receive<GetMetadata>(m =>
        {
            if (!Refused(e => new MetadataResult(Array.Empty<BrokerInfo>(), -1, Array.Empty<TopicMetadata>(), e))) OnGetMetadata(m);
        });
        Receive<ControllerProtocol.IControllerCommand>(c =>
        {
            if (RefusalOf(c) is not { } refusal || !Refused(refusal)) controller.Forward(c);
        });
        Receive<DescribeTopic>(d =>
        {
            if (!Refused(e => new TopicDescription(d.Name, null, Array.Empty<PartitionDescription>(), e))) OnDescribe(d, partitionRegion);
        });
        Receive<IGroupMessage>(m => OnGroupRequest(m, controller, groupRegion));
        // The controller's answer to our EnsureOffsetsTopic: the metadata brings the topic anyway.
        Receive<ControllerProtocol.TopicResult>(_ => { });
        Receive<GroupProtocol.ListGroups>(_ => OnListGroups(controller, partitionRegion, groupRegion));
        // Only this broker's own replica: a client asks the broker it will send to (the partition's leader).
        Receive<ResolveReplica>(r =>
        {
            if (HoldsReplica(r.Partition, brokerId)) replicaManager.Forward(r);
            else Sender.Tell(new ReplicaLocation(r.Partition, null));
        });
        Receive<IPartitionMessage>(m =>
        {
            if (HoldsReplica(m.Partition, brokerId)) replicaManager.Forward(m);
            else partitionRegion.Forward(m);
        });
    }

    /// <summary>
    /// While this broker is not Up (or leaving gracefully) in the cluster, answers the sender with
    /// <paramref name="answer"/> carrying BrokerNotAvailable, so the client asks another broker. Until then this
    /// broker's metadata may be any age (a restarted broker starts from its durable copy, and one whose join is stuck
    /// gets nothing newer until its watchdog restarts it), and the controller singleton is out of its reach, so an admin
    /// command would wait out the client's whole attempt. Kafka's brokers likewise serve no metadata until they have
    /// caught up with the cluster's.
    /// </summary>
    private bool Refused(Func<ErrorInfo, IActorLogMessage> answer)
    {
        var status = _cluster.SelfMember.Status;
        if (status is MemberStatus.Up or MemberStatus.Leaving) return false;
        var state = status switch
        {
            MemberStatus.Joining or MemberStatus.WeaklyUp => "still joining the cluster",
            MemberStatus.Removed => "not a member of the cluster",
            _ => "leaving the cluster",
        };
        Sender.Tell(answer(new ErrorInfo(ErrorCode.BrokerNotAvailable, $"Broker {_brokerId} is {state}; ask another broker")));
        return true;
    }

    /// <summary>The error answer of a client's admin command; null for the commands brokers send the controller themselves.</summary>
    private static Func<ErrorInfo, IActorLogMessage>? RefusalOf(ControllerProtocol.IControllerCommand command) => command switch
    {
        ControllerProtocol.ITopicCommand => e => new ControllerProtocol.TopicResult(null, e),
        ControllerProtocol.ElectPreferredLeaders => e => new ControllerProtocol.ElectPreferredLeadersResult(
            Array.Empty<ControllerProtocol.PartitionElection>(), e),
        _ => null,
    };

    private bool HoldsReplica(TopicPartition tp, int brokerId) => _metadata.Find(tp)?.Replicas.Contains(brokerId) == true;

    public static Props Props(int brokerId, IActorRef controller, IActorRef partitionRegion, IActorRef replicaManager, IActorRef groupRegion,
        GroupSettings groupSettings) =>
        Akka.Actor.Props.Create(() => new GatewayActor(brokerId, controller, partitionRegion, replicaManager, groupRegion, groupSettings));

    /// <summary>
    /// To the group's coordinator (the "group" shard region). The offsets topic is created by the controller at
    /// the first group request; until it exists the answer is CoordinatorNotAvailable, which clients retry.
    /// </summary>
    private void OnGroupRequest(IGroupMessage request, IActorRef controller, IActorRef groupRegion)
    {
        if (GroupErrors.ValidateGroupId(request.GroupId) is { } invalid)
        {
            GroupErrors.Reply(request, Sender, invalid);
            return;
        }
        if (!OffsetsTopicExists(controller))
        {
            GroupErrors.Reply(request, Sender, new ErrorInfo(ErrorCode.CoordinatorNotAvailable,
                $"The offsets topic {OffsetsTopic.Name} is being created; retry shortly"));
            return;
        }
        groupRegion.Forward(request);
    }

    private void OnListGroups(IActorRef controller, IActorRef partitionRegion, IActorRef groupRegion)
    {
        if (!OffsetsTopicExists(controller))
        {
            Sender.Tell(new GroupProtocol.ListGroupsResult(Array.Empty<GroupProtocol.GroupListing>(), null));
            return;
        }
        GroupLister.ListAsync(_metadata.Topics[OffsetsTopic.Name].Partitions.Count, partitionRegion, groupRegion).PipeTo(Sender);
    }

    private bool OffsetsTopicExists(IActorRef controller)
    {
        if (_metadata.Topics.ContainsKey(OffsetsTopic.Name)) return true;
        controller.Tell(new ControllerProtocol.EnsureOffsetsTopic(_groupSettings.OffsetsTopicPartitions));
        return false;
    }

    /// <summary>Distributed Data and the controller's direct push both deliver metadata; the newer value wins.</summary>
    private void Update(ClusterMetadata metadata)
    {
        if (!_metadata.IsNewerThan(metadata)) _metadata = metadata;
    }

    protected override void PreStart() =>
        DistributedData.Get(Context.System).Replicator.Tell(Dsl.Subscribe(MetadataKey.Key, Self));

    private void OnGetMetadata(GetMetadata request)
    {
        var topics = request.Topics is null
            ? _metadata.Topics.Values.ToList()
            : request.Topics.Where(_metadata.Topics.ContainsKey).Select(t => _metadata.Topics[t]).ToList();
        Sender.Tell(new MetadataResult(BrokerDirectory.Describe(_cluster), BrokerDirectory.ControllerBrokerId(_cluster), topics, null));
    }

    private void OnDescribe(DescribeTopic request, IActorRef region)
    {
        if (!_metadata.Topics.TryGetValue(request.Name, out var topic))
        {
            var error = TopicValidation.ValidateName(request.Name)
                ?? new ErrorInfo(ErrorCode.UnknownTopicOrPartition, $"Unknown topic '{request.Name}'");
            Sender.Tell(new TopicDescription(request.Name, null, Array.Empty<PartitionDescription>(), error));
            return;
        }
        Describe(topic, region).PipeTo(Sender);
    }

    /// <summary>Asks every partition's leader for its live state (log start and end, high watermark, ISR) in parallel.</summary>
    private static async Task<TopicDescription> Describe(TopicMetadata topic, IActorRef region)
    {
        var states = await Task.WhenAll(topic.Partitions.Select(async p =>
        {
            if (p.IsOffline) return null;
            try
            {
                var state = await region.Ask<PartitionProtocol.PartitionState>(
                    new PartitionProtocol.GetPartitionState(new TopicPartition(topic.Name, p.Partition)), DescribeTimeout);
                return state.Error is null ? state : null;
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return null;
            }
        }));
        var partitions = topic.Partitions.Select((p, i) => states[i] is { } s
            ? new PartitionDescription(p.Partition, p.Leader, s.LeaderEpoch, p.Replicas, s.InSyncReplicas, s.LogEndOffset, s.HighWatermark)
            {
                LogStartOffset = s.LogStartOffset,
                LogSizeBytes = s.LogSizeBytes,
            }
            : new PartitionDescription(p.Partition, p.Leader, p.LeaderEpoch, p.Replicas, p.Isr, -1, -1) { LogStartOffset = -1, LogSizeBytes = -1 }).ToList();
        return new TopicDescription(topic.Name, topic.Config, partitions, null);
    }
}
