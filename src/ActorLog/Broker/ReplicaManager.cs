using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using ActorLog.Common;
using ActorLog.Configuration;
using ActorLog.Gateway;
using ActorLog.Metadata;
using ActorLog.Partition;

namespace ActorLog.Broker;

/// <summary>
/// One per broker: starts and stops this broker's replicas as the replicated cluster metadata says,
/// tells each replica its role and epoch, and routes partition messages (from the sharded entity or from
/// other brokers' followers) to the local replica.
/// </summary>
public sealed class ReplicaManager : ReceiveActor, IWithTimers
{
    public const string Name = "replica-manager";

    private sealed record StillUnreachable(Member Member);

    private sealed record Reconcile
    {
        public static readonly Reconcile Instance = new();
    }

    private readonly ActorLogSettings _settings;
    private readonly IActorRef _controller;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<TopicPartition, IActorRef> _replicas = new();
    private readonly Dictionary<TopicPartition, ReplicaManagerProtocol.AssignmentChanged> _sent = new();
    private readonly HashSet<TopicPartition> _deleting = new();
    private readonly HashSet<UniqueAddress> _unreachable = new();
    private ClusterMetadata _metadata = ClusterMetadata.Empty;
    private bool _metadataSeen;

    public ReplicaManager(ActorLogSettings settings, IActorRef controller)
    {
        _settings = settings;
        _controller = controller;

        Receive<Changed>(c => c.Key.Equals(MetadataKey.Key), c => ApplyIfNewer(MetadataKey.ValueOf(c.Get(MetadataKey.Key))));
        // The controller's direct push after each write (faster than gossip for brokers outside its majority).
        Receive<ClusterMetadata>(ApplyIfNewer);
        Receive<Reconcile>(_ => Apply(_metadata));
        Receive<ClusterEvent.MemberRemoved>(m => BrokerLost(m.Member));
        Receive<ClusterEvent.MemberDowned>(m => BrokerLost(m.Member));
        // Leaders drop an unreachable follower from the ISR at once instead of after replication.lag-time-max,
        // so acks=all does not stall for seconds when a follower's broker dies (it rejoins once caught up).
        Receive<ClusterEvent.UnreachableMember>(m =>
        {
            if (!_settings.ElectOnUnreachable) return;
            _unreachable.Add(m.Member.UniqueAddress);
            Timers.StartSingleTimer(("unreachable", m.Member.UniqueAddress), new StillUnreachable(m.Member), _settings.UnreachableGrace);
        });
        Receive<ClusterEvent.ReachableMember>(m => _unreachable.Remove(m.Member.UniqueAddress));
        Receive<StillUnreachable>(s =>
        {
            if (_unreachable.Contains(s.Member.UniqueAddress)) BrokerLost(s.Member);
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.IReachabilityEvent>(_ => { });
        Receive<Terminated>(OnTerminated);
        Receive<IPartitionMessage>(Route);
        Receive<GatewayProtocol.ResolveReplica>(r => Sender.Tell(new GatewayProtocol.ReplicaLocation(r.Partition,
            LiveReplica(r.Partition)?.Path.ToSerializationFormatWithAddress(((ExtendedActorSystem)Context.System).Provider.DefaultAddress))));
    }

    public static Props Props(ActorLogSettings settings, IActorRef controller) =>
        Akka.Actor.Props.Create(() => new ReplicaManager(settings, controller));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        DistributedData.Get(Context.System).Replicator.Tell(Dsl.Subscribe(MetadataKey.Key, Self));
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberRemoved), typeof(ClusterEvent.MemberDowned), typeof(ClusterEvent.UnreachableMember),
            typeof(ClusterEvent.ReachableMember));
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    private void BrokerLost(Member member)
    {
        _unreachable.Remove(member.UniqueAddress);
        if (BrokerDirectory.BrokerIdOf(member) is not { } id || id == _settings.BrokerId) return;
        foreach (var replica in _replicas.Values) replica.Tell(new ReplicaManagerProtocol.BrokerDown(id));
    }

    private void ApplyIfNewer(ClusterMetadata metadata)
    {
        if (_metadataSeen && _metadata.IsNewerThan(metadata)) return;
        Apply(metadata);
    }

    private void Apply(ClusterMetadata metadata)
    {
        if (_metadataSeen && metadata.ControllerEpoch > _metadata.ControllerEpoch)
            foreach (var replica in _replicas.Values) replica.Tell(new ReplicaManagerProtocol.ControllerChanged(metadata.ControllerEpoch));
        _metadata = metadata;
        _metadataSeen = true;
        var assigned = new HashSet<TopicPartition>();
        foreach (var topic in metadata.Topics.Values)
            foreach (var p in topic.Partitions)
            {
                if (!p.Replicas.Contains(_settings.BrokerId)) continue;
                var tp = new TopicPartition(topic.Name, p.Partition);
                assigned.Add(tp);
                if (_deleting.Contains(tp)) continue; // recreated topic: wait for the old journal to be deleted
                var replica = GetOrStart(tp);
                var change = new ReplicaManagerProtocol.AssignmentChanged(p, topic.Config);
                // A change of the topic's settings alone (retention, altered) goes to the replica too.
                if (_sent.TryGetValue(tp, out var last) && last.Partition.LeaderEpoch == p.LeaderEpoch
                    && last.Partition.Leader == p.Leader && last.Partition.Isr.SequenceEqual(p.Isr) && last.Config == topic.Config) continue;
                _sent[tp] = change;
                replica.Tell(change);
            }
        foreach (var (tp, replica) in _replicas)
            if (!assigned.Contains(tp) && _deleting.Add(tp))
            {
                _sent.Remove(tp);
                replica.Tell(new ReplicaManagerProtocol.DeletePartition());
            }
    }

    /// <summary>
    /// Partitions whose replica ran before in this broker process: their next instance tells the controller so, and
    /// leads only at a new epoch (LeaderEpochClaims). All of them after this manager itself restarted.
    /// </summary>
    private readonly HashSet<TopicPartition> _ranBefore = new();
    private bool _managerRestarted;

    protected override void PostRestart(Exception reason)
    {
        _managerRestarted = true;
        base.PostRestart(reason);
    }

    private IActorRef GetOrStart(TopicPartition tp)
    {
        if (_replicas.TryGetValue(tp, out var existing)) return existing;
        var replica = Context.ActorOf(ReplicaActor.Props(tp, _settings, _controller, _managerRestarted || _ranBefore.Contains(tp)), ChildName(tp));
        Context.Watch(replica);
        _replicas[tp] = replica;
        _sent.Remove(tp);
        return replica;
    }

    private static string ChildName(TopicPartition tp) => Uri.EscapeDataString(tp.EntityId);

    private void OnTerminated(Terminated t)
    {
        var tp = _replicas.FirstOrDefault(kv => kv.Value.Equals(t.ActorRef)).Key;
        if (tp.Topic is null) return;
        _replicas.Remove(tp);
        _sent.Remove(tp);
        var wasDeleting = _deleting.Remove(tp);
        if (!wasDeleting) _ranBefore.Add(tp);
        if (!wasDeleting) _log.Warning("{0}: replica stopped unexpectedly; restarting it from its journal", tp);
        // Restart (after a journal failure) or start a recreated topic once the old replica is gone.
        Timers.StartSingleTimer(nameof(Reconcile), Reconcile.Instance, wasDeleting ? TimeSpan.Zero : TimeSpan.FromSeconds(1));
    }

    /// <summary>This broker's replica of the partition, unless there is none or it is being deleted.</summary>
    private IActorRef? LiveReplica(TopicPartition tp) => _replicas.TryGetValue(tp, out var replica) && !_deleting.Contains(tp) ? replica : null;

    private void Route(IPartitionMessage msg)
    {
        if (LiveReplica(msg.Partition) is { } replica)
        {
            replica.Forward(msg);
            return;
        }
        var p = _metadata.Find(msg.Partition);
        var error = p is not null
            ? new ErrorInfo(ErrorCode.NotLeaderOrFollower, $"Broker {_settings.BrokerId} holds no replica of {msg.Partition} (leader is broker {p.Leader})")
            : _metadataSeen
                ? new ErrorInfo(ErrorCode.UnknownTopicOrPartition, $"Unknown topic or partition {msg.Partition}")
                : new ErrorInfo(ErrorCode.LeaderNotAvailable, $"Broker {_settings.BrokerId} has not received the cluster metadata yet");
        PartitionErrors.TryReply(msg, Sender, error, p?.Leader ?? -1, p?.LeaderEpoch ?? -1);
    }
}
