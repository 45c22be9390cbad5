using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using ActorLog.Broker;
using ActorLog.Configuration;
using ActorLog.Gateway;
using ActorLog.Metadata;
using static ActorLog.Controller.ControllerProtocol;

namespace ActorLog.Controller;

/// <summary>
/// The cluster-singleton controller: topics, replica assignment, leaders and epochs, ISR. Its state is the
/// replicated <see cref="ClusterMetadata"/> (durable on every broker): it reads it from a majority before it
/// acts (so a moved or restarted controller continues where the last one stopped), and every change is a
/// majority write before anyone is told. Commands run one at a time (Ready → Writing → Ready), others wait
/// in the stash. Elections are in ControllerActor.Elections.cs, topic commands in ControllerActor.Topics.cs.
/// </summary>
public sealed partial class ControllerActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    public const string SingletonName = "controller";

    private const string LocalRead = "local";
    private const string MajorityRead = "majority";

    private sealed record RetryLoad
    {
        public static readonly RetryLoad Instance = new();
    }

    private sealed record WriteDone(long Write, bool Success, string? Failure);

    /// <summary>The correlation of one send of a metadata write: a write may be sent again when the members change.</summary>
    private sealed record WriteAttempt(long Write, int Attempt);

    private sealed record ResendWrite(long Write)
    {
        /// <summary>After a member change, so the replicator has applied it too before the write picks its targets.</summary>
        public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(200);
    }

    private sealed record RecordBroker(int BrokerId);

    private readonly ActorLogSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly ClusterView _view = new();

    /// <summary>Per partition, the (epoch, broker incarnation) this controller gave its leadership to (LeaderEpochClaims).</summary>
    private readonly Dictionary<Common.TopicPartition, (int Epoch, long Incarnation)> _grantedTo = new();
    private ClusterMetadata _metadata = ClusterMetadata.Empty;
    private IReadOnlySet<int> _knownBrokers = new HashSet<int>();
    private string? _lastLoadWait;
    private bool _localCopyRead;
    private long _writes;

    public ControllerActor(ActorLogSettings settings)
    {
        _settings = settings;
        Loading();
    }

    public static Props Props(ActorLogSettings settings) => Akka.Actor.Props.Create(() => new ControllerActor(settings));

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, ClusterView.Events);
        // First this broker's own (durable) copy: it names the brokers a majority must be counted among.
        _replicator.Tell(Dsl.Get(MetadataKey.Key, ReadLocal.Instance, LocalRead));
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    /// <summary>
    /// Waits for the latest metadata. A majority read is only trusted once a majority of the brokers named in
    /// the metadata are up: after a full restart the first broker alone would otherwise count as a majority of
    /// one and act on its own, possibly older, copy (and its write would then win over newer ones).
    /// </summary>
    private void Loading()
    {
        Receive<GetSuccess>(g => Equals(g.Request, LocalRead), g => OnLocalCopy(MetadataKey.ValueOf(g.Get(MetadataKey.Key))));
        Receive<NotFound>(n => Equals(n.Request, LocalRead), _ => OnLocalCopy(ClusterMetadata.Empty));
        Receive<GetSuccess>(g => Equals(g.Request, MajorityRead), g => Loaded(MetadataKey.ValueOf(g.Get(MetadataKey.Key))));
        Receive<NotFound>(n => Equals(n.Request, MajorityRead), _ => Loaded(ClusterMetadata.Empty));
        Receive<GetFailure>(_ =>
        {
            _log.Warning("Controller: no majority answered the metadata read; retrying");
            Timers.StartSingleTimer(nameof(RetryLoad), RetryLoad.Instance, TimeSpan.FromSeconds(1));
        });
        Receive<RetryLoad>(_ => TryMajorityRead());
        Receive<ClusterEvent.IClusterDomainEvent>(e =>
        {
            _view.Apply(e);
            TryMajorityRead();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void OnLocalCopy(ClusterMetadata local)
    {
        _knownBrokers = local.KnownBrokers.Concat(local.Topics.Values.SelectMany(t => t.Partitions).SelectMany(p => p.Replicas)).ToHashSet();
        _localCopyRead = true;
        TryMajorityRead();
    }

    private void TryMajorityRead()
    {
        // A read is outstanding (its guard timer runs), or the local copy is not known yet.
        if (!_localCopyRead || (Timers.IsTimerActive(nameof(RetryLoad)) && _lastLoadWait is null)) return;
        var live = _view.LiveBrokers().Keys.ToHashSet();
        var needed = _knownBrokers.Count / 2 + 1;
        var liveKnown = _knownBrokers.Count(live.Contains);
        if (_knownBrokers.Count > 0 && liveKnown < needed)
        {
            var wait = $"Controller on broker {_settings.BrokerId}: waiting for {needed} of brokers [{string.Join(",", _knownBrokers.Order())}] " +
                $"to be up before reading the metadata ({liveKnown} up)";
            if (wait != _lastLoadWait) _log.Info(wait);
            _lastLoadWait = wait;
            return;
        }
        _lastLoadWait = null;
        _replicator.Tell(Dsl.Get(MetadataKey.Key, new ReadMajority(_settings.MetadataWriteTimeout), MajorityRead));
        Timers.StartSingleTimer(nameof(RetryLoad), RetryLoad.Instance, _settings.MetadataWriteTimeout + TimeSpan.FromSeconds(1));
    }

    private void Loaded(ClusterMetadata metadata)
    {
        Timers.Cancel(nameof(RetryLoad));
        _metadata = metadata;
        var next = metadata.NextControllerEpoch().WithBrokers(_view.LiveBrokers().Keys);
        _log.Info("Controller on broker {0}: loaded metadata version {1} ({2} topics) from a majority; taking controller epoch {3}",
            _settings.BrokerId, metadata.Version, metadata.Topics.Count, next.ControllerEpoch);
        // Claim the epoch with a majority write before acting, so nothing an earlier controller wrote can outrank us.
        Write(next, $"controller epoch {next.ControllerEpoch}", ok =>
        {
            if (ok) Started();
            else
            {
                Become(Loading);
                Timers.StartSingleTimer(nameof(RetryLoad), RetryLoad.Instance, TimeSpan.FromSeconds(1));
            }
        });
    }

    /// <summary>Runs once the epoch claim is written (Write has pushed it to the brokers and unstashes after this).</summary>
    private void Started()
    {
        Self.Tell(new Elect("controller started"));
        // Shard locations are not durable: point every shard at its leader again.
        Self.Tell(PlaceAllShards.Instance);
        if (_settings.LeaderRebalanceDelay is not null)
            Timers.StartPeriodicTimer(nameof(RebalanceTick), RebalanceTick.Instance, TimeSpan.FromSeconds(1));
    }

    /// <summary>Orders metadata values by (controller epoch, version) rather than wall-clock time (see <see cref="ClusterMetadata.Timestamp"/>).</summary>
    private static readonly Clock<ClusterMetadata> MetadataClock = (_, value) => value.Timestamp;

    private void Ready()
    {
        Receive<CreateTopic>(OnCreateTopic);
        Receive<DeleteTopic>(OnDeleteTopic);
        Receive<AlterTopicConfig>(OnAlterTopicConfig);
        Receive<AddPartitions>(OnAddPartitions);
        Receive<AlterIsr>(OnAlterIsr);
        Receive<ClaimLeaderEpoch>(OnClaimLeaderEpoch);
        Receive<ElectPreferredLeaders>(OnElectPreferred);
        Receive<EnsureOffsetsTopic>(OnEnsureOffsetsTopic);
        Receive<Elect>(e => ElectLeaders(e.Reason));
        Receive<RebalanceTick>(_ => OnRebalanceTick());
        Receive<RecordBroker>(OnRecordBroker);
        Receive<PlaceAllShards>(_ => MoveShards(_metadata.Topics.Values.SelectMany(t => t.Partitions
            .Select(p => (new Common.TopicPartition(t.Name, p.Partition), p.Leader))), () => { }));
        Receive<ClusterEvent.IClusterDomainEvent>(OnClusterEvent);
        Receive<GetSuccess>(_ => { });
        Receive<NotFound>(_ => { });
        Receive<GetFailure>(_ => { });
        Receive<RetryLoad>(_ => { });
        // Answers to a write's earlier sends, after another send's answer completed it.
        Receive<IUpdateResponse>(_ => { });
        Receive<WriteDone>(_ => { });
        Receive<ResendWrite>(_ => { });
        Receive<GroupLocationsDone>(OnGroupLocationsDone);
    }

    private void OnClusterEvent(ClusterEvent.IClusterDomainEvent e)
    {
        _view.Apply(e);
        var reason = e switch
        {
            ClusterEvent.MemberUp m => $"{m.Member.Address} up",
            ClusterEvent.MemberDowned m => $"{m.Member.Address} downed",
            ClusterEvent.MemberRemoved m => $"{m.Member.Address} removed",
            // Acting on reachability, not removal, is what makes failover take seconds (docs/design.md).
            ClusterEvent.UnreachableMember => null, // after the grace, below
            ClusterEvent.ReachableMember m => $"{m.Member.Address} reachable again",
            _ => null,
        };
        if (reason is not null) Self.Tell(new Elect(reason));
        if (e is ClusterEvent.UnreachableMember u && _settings.ElectOnUnreachable)
            Timers.StartSingleTimer(("unreachable", u.Member.UniqueAddress), new Elect(
                $"{u.Member.Address} unreachable for {_settings.UnreachableGrace.TotalMilliseconds:0} ms"), _settings.UnreachableGrace);
        if (e is ClusterEvent.MemberUp up && BrokerDirectory.BrokerIdOf(up.Member) is { } id && !_metadata.KnownBrokers.Contains(id))
            Self.Tell(new RecordBroker(id));
    }

    /// <summary>Adds a broker that joined for the first time to the set a future controller counts a majority in.</summary>
    private void OnRecordBroker(RecordBroker record)
    {
        if (_metadata.KnownBrokers.Contains(record.BrokerId)) return;
        Write(_metadata.WithBrokers(new[] { record.BrokerId }), $"broker {record.BrokerId} joined", ok =>
        {
            if (!ok) Timers.StartSingleTimer(("record-broker", record.BrokerId), record, TimeSpan.FromSeconds(1));
        });
    }

    /// <summary>
    /// Writes the whole metadata to a majority; the continuation runs before the next command. A majority write picks
    /// the members it must reach when it is sent, so one sent while a broker was dying and another joining waited its
    /// whole timeout for the dead one (an election after a kill took ~12 s): when members come or go meanwhile, the
    /// same value is sent again to the members as they are now. Any send's success means a majority holds it; only the
    /// latest send's failure counts.
    /// </summary>
    private void Write(ClusterMetadata next, string what, Action<bool> then)
    {
        var self = _cluster.SelfUniqueAddress;
        var timeout = _settings.MetadataWriteTimeout;
        var write = ++_writes;
        var attempt = 0;
        void Send() => _replicator.Tell(Dsl.Update(MetadataKey.Key, new LWWRegister<ClusterMetadata>(self, ClusterMetadata.Empty, MetadataClock),
            new WriteMajority(timeout), new WriteAttempt(write, ++attempt), register => register.WithValue(self, next, MetadataClock)));
        Send();
        RecordGrants(_metadata, next);
        _metadata = next;
        Become(() =>
        {
            Receive<UpdateSuccess>(u => u.Request is WriteAttempt a && a.Write == write, _ => Self.Tell(new WriteDone(write, true, null)));
            Receive<IUpdateFailure>(f => f.Request is WriteAttempt a && a.Write == write && a.Attempt == attempt,
                f => Self.Tell(new WriteDone(write, false, f.ToString())));
            Receive<IUpdateResponse>(_ => { });
            Receive<ClusterEvent.IClusterDomainEvent>(e =>
            {
                if (e is ClusterEvent.MemberUp or ClusterEvent.MemberRemoved or ClusterEvent.IReachabilityEvent)
                    Timers.StartSingleTimer(nameof(ResendWrite), new ResendWrite(write), ResendWrite.Delay);
                Stash.Stash();
            });
            Receive<ResendWrite>(r => r.Write == write, _ => Send());
            Receive<ResendWrite>(_ => { });
            Receive<WriteDone>(done => done.Write == write, done =>
            {
                Timers.Cancel(nameof(ResendWrite));
                if (!done.Success) _log.Warning("Controller: metadata write '{0}' failed: {1}", what, done.Failure);
                else PushMetadata();
                Become(Ready);
                then(done.Success);
                Stash.UnstashAll();
            });
            Receive<WriteDone>(_ => { });
            ReceiveAny(_ => Stash.Stash());
        });
    }

    /// <summary>
    /// Remembers which broker incarnation each new (leader, epoch) went to, so that a replica instance starting on it
    /// can lead at that epoch without another bump (LeaderEpochClaims). Before the write is confirmed: a grant
    /// recorded for a write that then fails only makes a later claim skip a bump for an epoch nobody led at.
    /// </summary>
    private void RecordGrants(ClusterMetadata before, ClusterMetadata after)
    {
        foreach (var topic in after.Topics.Values)
            foreach (var p in topic.Partitions)
            {
                var tp = new Common.TopicPartition(topic.Name, p.Partition);
                var old = before.Find(tp);
                if (old is not null && old.Leader == p.Leader && old.LeaderEpoch == p.LeaderEpoch) continue;
                if (p.Leader >= 0 && _view.IncarnationOf(p.Leader) is { } incarnation) _grantedTo[tp] = (p.LeaderEpoch, incarnation);
                else _grantedTo.Remove(tp);
            }
    }

    /// <summary>
    /// Sends the metadata just written straight to every live broker's replica manager and gateway. Distributed
    /// Data would bring it too, but a broker outside the write's majority only hears of it at the next gossip;
    /// a new leader should not wait for that. Receivers ignore versions older than what they have.
    /// </summary>
    private void PushMetadata()
    {
        foreach (var address in _view.LiveBrokers().Values)
        {
            Context.ActorSelection(BrokerDirectory.ReplicaManagerPath(address)).Tell(_metadata);
            Context.ActorSelection(new RootActorPath(address) / "user" / GatewayActor.Name).Tell(_metadata);
        }
    }
}
