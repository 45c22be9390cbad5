using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.DistributedData;
using Akka.Event;
using ActorLog.Common;
using ActorLog.Groups.Offsets;
using ActorLog.Metadata;
using ActorLog.Partition;

namespace ActorLog.Groups.Coordinator;

/// <summary>
/// The coordinator of one consumer group: a sharded entity (type <c>group</c>, id = group id) placed by the
/// controller on the broker leading the group's <c>__consumer_offsets</c> partition. Membership is in memory;
/// committed offsets are records in that partition, written through this broker's replica with acks=all and
/// rebuilt from it on (re)load. Placement can lag a failover, so every request first asks the local replica
/// whether it leads (and at which epoch): otherwise the answer is NotCoordinator and the client retries.
/// Behaviours: Ready → CheckingLeadership → (Loading) → handling, with Writing while records are on their way
/// (loading in GroupCoordinator.Loading.cs, writing in GroupCoordinator.Writing.cs, requests in GroupCoordinator.Requests.cs).
/// Requests are handled one at a time; others wait in the stash.
/// </summary>
public sealed partial class GroupCoordinator : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    public const string TypeName = "group";

    /// <summary>How often sessions are checked; small against the shortest session timeout.</summary>
    private static readonly TimeSpan SessionCheckInterval = TimeSpan.FromMilliseconds(250);

    private sealed record SessionTick
    {
        public static readonly SessionTick Instance = new();
    }

    private readonly string _groupId;
    private readonly TopicPartition _offsetsPartition;
    private readonly GroupSettings _settings;
    private readonly int _brokerId;
    private readonly IActorRef _replicaManager;
    private readonly IActorRef _offsetsLoader;
    private readonly IActorRef _partitionRegion;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private ConsumerGroup _group;
    private GroupOffsets _offsets;
    private ClusterMetadata _metadata = ClusterMetadata.Empty;
    private bool _metadataSeen;

    /// <summary>The offsets partition's leader epoch the state was loaded at; -1 = not loaded.</summary>
    private int _loadedEpoch = -1;

    /// <summary>The request being handled and who asked.</summary>
    private (IGroupMessage Request, IActorRef ReplyTo)? _current;

    public GroupCoordinator(string groupId, GroupSettings settings, int brokerId, IActorRef replicaManager, IActorRef offsetsLoader,
        IActorRef partitionRegion)
    {
        _offsetsLoader = offsetsLoader;
        _groupId = groupId;
        _offsetsPartition = OffsetsTopic.TopicPartitionFor(groupId, settings.OffsetsTopicPartitions);
        _settings = settings;
        _brokerId = brokerId;
        _replicaManager = replicaManager;
        _partitionRegion = partitionRegion;
        _group = new ConsumerGroup(groupId);
        _offsets = new GroupOffsets(groupId);
        Become(Ready);
    }

    public static Props Props(string groupId, GroupSettings settings, int brokerId, IActorRef replicaManager, IActorRef offsetsLoader,
        IActorRef partitionRegion) =>
        Akka.Actor.Props.Create(() => new GroupCoordinator(groupId, settings, brokerId, replicaManager, offsetsLoader, partitionRegion));

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    private static long NowMs => Environment.TickCount64;

    private string Owner => $"Group [{_groupId}] (coordinator on broker {_brokerId}, {_offsetsPartition})";

    protected override void PreStart()
    {
        var replicator = DistributedData.Get(Context.System).Replicator;
        replicator.Tell(Dsl.Subscribe(MetadataKey.Key, Self));
        // A subscriber hears of the current value only at the next notification tick; a request may come first.
        replicator.Tell(Dsl.Get(MetadataKey.Key, ReadLocal.Instance));
        Timers.StartPeriodicTimer(nameof(SessionTick), SessionTick.Instance, SessionCheckInterval);
    }

    private void Ready()
    {
        Receive<IGroupMessage>(request =>
        {
            _current = (request, Sender);
            // The local replica answers with its role and leader epoch (not leading: an error or a follower role).
            _replicaManager.Tell(new PartitionProtocol.GetPartitionState(_offsetsPartition));
            Become(CheckingLeadership);
        });
        Receive<SessionTick>(_ => ExpireSessions());
        ReceiveMetadata();
        // Late answers of an abandoned load or check.
        Receive<PartitionProtocol.PartitionState>(_ => { });
        Receive<OffsetsLoader.Loaded>(_ => { });
    }

    private void CheckingLeadership()
    {
        Receive<PartitionProtocol.PartitionState>(state =>
        {
            if (state.Error is not null || state.Role != "leader")
            {
                if (_loadedEpoch >= 0)
                    _log.Warning("{0}: this broker no longer leads the offsets partition ({1}); forgetting {2} member(s)",
                        Owner, state.Error?.Message ?? state.Role, _group.Members.Count);
                Unload();
                Finish(new ErrorInfo(ErrorCode.NotCoordinator,
                    $"Broker {_brokerId} is not the coordinator of group [{_groupId}]: it does not lead {_offsetsPartition}"));
                return;
            }
            if (_metadataSeen) Proceed(state);
            else _waitingState = state;
        });
        ReceiveMetadata(then: () =>
        {
            if (_waitingState is { } waiting) Proceed(waiting);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>A leadership answer that came before the first metadata: assignments need the partition counts.</summary>
    private PartitionProtocol.PartitionState? _waitingState;

    private void Proceed(PartitionProtocol.PartitionState state)
    {
        _waitingState = null;
        if (state.LeaderEpoch == _loadedEpoch) Handle();
        else StartLoading(state.LeaderEpoch, state.LogEndOffset);
    }

    /// <summary>Answers the current request with an error (or nothing) and takes the next one.</summary>
    private void Finish(ErrorInfo? error)
    {
        if (error is not null && _current is var (request, replyTo)) GroupErrors.Reply(request, replyTo, error);
        _current = null;
        Become(Ready);
        Stash.UnstashAll();
    }

    private void Reply(object answer)
    {
        _current?.ReplyTo.Tell(answer);
        Finish(null);
    }

    /// <summary>Forgets what was loaded: members rejoin and offsets are read again when this broker leads again.</summary>
    private void Unload()
    {
        _loadedEpoch = -1;
        _group = new ConsumerGroup(_groupId);
        _group.UpdatePartitionCounts(PartitionCounts(_metadata));
        _offsets = new GroupOffsets(_groupId);
    }

    /// <summary>The cluster metadata (partition counts of subscribed topics), in every behaviour.</summary>
    private void ReceiveMetadata(Action? then = null)
    {
        Receive<Changed>(c => c.Key.Equals(MetadataKey.Key), c => { OnMetadata(MetadataKey.ValueOf(c.Get(MetadataKey.Key))); then?.Invoke(); });
        Receive<GetSuccess>(g => g.Key.Equals(MetadataKey.Key), g => { OnMetadata(MetadataKey.ValueOf(g.Get(MetadataKey.Key))); then?.Invoke(); });
        Receive<NotFound>(_ => { OnMetadata(ClusterMetadata.Empty); then?.Invoke(); });
    }

    private void OnMetadata(ClusterMetadata metadata)
    {
        if (_metadataSeen && _metadata.IsNewerThan(metadata)) return;
        _metadata = metadata;
        _metadataSeen = true;
        if (_group.UpdatePartitionCounts(PartitionCounts(metadata)))
            _log.Info("{0}: partition counts of subscribed topics changed; group epoch {1}, target {2}", Owner, _group.GroupEpoch, _group.Target);
    }

    private static IReadOnlyDictionary<string, int> PartitionCounts(ClusterMetadata metadata) =>
        metadata.Topics.Values.ToDictionary(t => t.Name, t => t.Partitions.Count, StringComparer.Ordinal);

    private void ExpireSessions()
    {
        var expired = _group.ExpireSessions(NowMs);
        if (expired.Count > 0)
            _log.Warning("{0}: session expired for member(s) [{1}]; group epoch {2}, target {3}",
                Owner, string.Join(",", expired), _group.GroupEpoch, _group.Target);
    }

    /// <summary>Stops this entity once nothing is left of the group (no members, nothing in the log).</summary>
    private void PassivateIfEmpty()
    {
        if (_group.Members.Count == 0 && _offsets.IsEmpty) Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }
}
