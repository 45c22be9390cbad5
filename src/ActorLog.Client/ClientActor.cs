using Akka.Actor;
using Akka.Event;
using Akka.Remote;
using ActorLog.Client.Produce;
using ActorLog.Common;
using ActorLog.Gateway;
using ActorLog.Log;
using ActorLog.Metadata;
using ActorLog.Partition;
using ActorLog.Partitioning;
using static ActorLog.Client.ClientProtocol;

namespace ActorLog.Client;

/// <summary>
/// The thin client actor: keeps the cluster metadata, the gateways of the brokers, and per-partition
/// produce accumulators. A partition sends at once while it has fewer than max-in-flight batches out;
/// otherwise records gather into the next batch, so batches grow with load without a linger delay.
/// Retriable errors (leader moved, not enough replicas yet) refresh the metadata and resend until the
/// delivery timeout.
/// </summary>
internal sealed partial class ClientActor : ReceiveActor, IWithTimers
{
    private sealed record MetadataArrived(GatewayProtocol.MetadataResult? Result, Exception? Failure, IActorRef? From);

    private sealed record GatewayResolved(int BrokerId, IActorRef? Gateway);

    private sealed record BootstrapResolved(string Address, IActorRef? Gateway);

    private sealed record RetryTick
    {
        public static readonly RetryTick Instance = new();
    }

    private readonly ClientSettings _settings;
    private readonly ProduceIntake _intake;
    private readonly List<string> _bootstrap;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<PartitionKey, Accumulator> _accumulators = new();
    private readonly Dictionary<int, IActorRef> _gateways = new();
    private readonly HashSet<int> _resolving = new();
    private readonly Dictionary<string, int> _sticky = new();
    private readonly Dictionary<TopicPartition, (int Leader, int Epoch, long AtMs)> _leaderHints = new();
    private readonly List<(ClientProtocol.ProduceRecord Request, long SinceMs)> _waitingForMetadata = new();
    private readonly List<IActorRef> _metadataWaiters = new();
    private GatewayProtocol.MetadataResult _metadata = new(Array.Empty<BrokerInfo>(), -1, Array.Empty<TopicMetadata>(), null);
    private Dictionary<string, TopicMetadata> _topics = new();
    private IActorRef? _bootstrapGateway;
    private bool _refreshing;
    private long _lastRefreshMs = long.MinValue / 2;

    /// <summary>How often metadata is asked again while a partition has no usable leader.</summary>
    private const long MetadataRetryMs = 250;

    /// <summary>A batch unanswered for this long makes the client check the metadata for a new leader (every as often).</summary>
    private const long SlowBatchRefreshMs = 500;

    /// <summary>How long a leader named in an answer is preferred over older metadata.</summary>
    private const long LeaderHintTtlMs = 5000;

    /// <summary>How long a metadata request may take before another broker is asked.</summary>
    private static readonly TimeSpan MetadataRequestTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long a record waits for an unknown topic to appear before it fails with UnknownTopicOrPartition.</summary>
    private const long UnknownTopicWaitMs = 2000;

    public ClientActor(ClientSettings settings, IReadOnlyList<string> bootstrap, IActorRef bootstrapGateway, ProduceIntake intake)
    {
        _settings = settings;
        _intake = intake;
        _bootstrap = bootstrap.ToList();
        _bootstrapGateway = bootstrapGateway;

        Receive<ProduceIntake.Drain>(_ => OnDrain());
        Receive<PartitionProtocol.ProduceResult>(OnProduceResult);
        Receive<ReplicaResolved>(OnReplicaResolved);
        Receive<Terminated>(OnReplicaTerminated);
        Receive<RefreshMetadata>(_ => { _metadataWaiters.Add(Sender); StartRefresh(); });
        Receive<MetadataArrived>(OnMetadata);
        Receive<GatewayResolved>(OnGatewayResolved);
        Receive<BootstrapResolved>(OnBootstrapResolved);
        Receive<GetRoute>(OnGetRoute);
        Receive<GatewayFailed>(f => { ForgetGateway(f.Gateway); StartRefresh(); });
        Receive<DisassociatedEvent>(e => OnConnectionLost(e.RemoteAddress));
        Receive<GetAnyGateway>(get =>
        {
            if (AnyGateway(get.Except) is { } gateway)
            {
                Sender.Tell(gateway);
                return;
            }
            if (get.Except is { Count: > 0 })
            {
                // Every known gateway refused this call: looking for more would find the same brokers.
                Sender.Tell(new Status.Failure(new ActorLogException(ErrorCode.BrokerNotAvailable, "No other broker is known")));
                return;
            }
            Rediscover();
            Sender.Tell(new Status.Failure(new ActorLogException(ErrorCode.BrokerNotAvailable, "No broker is reachable")));
        });
        Receive<DescribeState>(_ => Sender.Tell(Describe()));
        Receive<RetryTick>(_ =>
        {
            ExpireUnanswered();
            foreach (var key in _accumulators.Keys.ToList()) TrySend(key);
            if (_waitingForMetadata.Count > 0 && NowMs - _lastRefreshMs >= MetadataRetryMs) StartRefresh();
            // A leader that died takes its answers with it: while a batch waits unusually long, ask whether the
            // partition has a new leader (a killed broker's requests would otherwise wait for the request timeout).
            if (NowMs - _lastRefreshMs >= SlowBatchRefreshMs && _accumulators.Values.Any(a => a.Sent.Any(b => NowMs - b.SentTo.AtMs >= SlowBatchRefreshMs)))
                StartRefresh();
            // Nothing failing says a topic grew: refresh now and then anyway (Kafka's metadata.max.age.ms).
            if (NowMs - _lastRefreshMs >= (long)_settings.MetadataMaxAge.TotalMilliseconds) StartRefresh();
        });
    }

    public static Props Props(ClientSettings settings, IReadOnlyList<string> bootstrap, IActorRef bootstrapGateway, ProduceIntake intake) =>
        Akka.Actor.Props.Create(() => new ClientActor(settings, bootstrap, bootstrapGateway, intake));

    public ITimerScheduler Timers { get; set; } = null!;

    private static long NowMs => Environment.TickCount64;

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(nameof(RetryTick), RetryTick.Instance, TimeSpan.FromMilliseconds(100));
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        StartRefresh();
        // After a restart: records handed over while the old instance failed are still in the intake.
        if (!_intake.IsEmpty) Self.Tell(ProduceIntake.Drain.Instance);
    }

    /// <summary>A failure of ours: no caller may wait for a record this instance forgot; the intake stays open.</summary>
    protected override void PreRestart(Exception reason, object message) => FailForgotten();

    protected override void PostStop()
    {
        FailForgotten();
        _intake.Close();
    }

    private void FailForgotten()
    {
        var error = ProduceIntake.ClientClosed();
        foreach (var acc in _accumulators.Values)
            foreach (var p in acc.Queue.Concat(acc.Retry.Values.Concat(acc.Sent).SelectMany(b => b.Records)))
                p.Request.Delivery.Fail(error);
        foreach (var (r, _) in _waitingForMetadata) r.Delivery.Fail(error);
    }

    private string Describe() =>
        $"gateways [{string.Join(",", _gateways.Keys.Order())}], resolving [{string.Join(",", _resolving)}], refreshing {_refreshing}, " +
        $"brokers [{string.Join(",", _metadata.Brokers.Select(b => $"{b.Id}:{b.Status}"))}], waiting for metadata {_waitingForMetadata.Count}, " +
        $"leaders [{string.Join(",", _metadata.Topics.SelectMany(t => t.Partitions.Select(p => $"{t.Name}/{p.Partition}->{p.Leader}")))}], " +
        $"routes [{DescribeRoutes()}], " +
        string.Join("; ", _accumulators.Select(a => $"{a.Key.Partition}/{a.Key.Acks}: queued {a.Value.Queue.Count}, retry {a.Value.Retry.Count}, " +
            $"sent {a.Value.Sent.Count}, in flight {a.Value.InFlight}, retries in flight {a.Value.RetriesInFlight}"));

    /// <summary>A gateway of a broker that was up at the last metadata refresh (any one, so a dead broker is not asked
    /// every time); the bootstrap one until then. None of <paramref name="except"/>.</summary>
    private IActorRef? AnyGateway(IReadOnlySet<IActorRef>? except = null)
    {
        var known = _gateways.Count == 0
            ? _bootstrapGateway is { } bootstrap ? [bootstrap] : Array.Empty<IActorRef>()
            : _gateways.Values.ToArray();
        var candidates = except is { Count: > 0 } ? known.Where(g => !except.Contains(g)).ToArray() : known;
        return candidates.Length == 0 ? null : candidates[Random.Shared.Next(candidates.Length)];
    }

    private void ForgetGateway(IActorRef gateway)
    {
        if (gateway.Equals(_bootstrapGateway)) _bootstrapGateway = null;
        foreach (var id in _gateways.Where(g => g.Value.Equals(gateway)).Select(g => g.Key).ToList()) _gateways.Remove(id);
    }

    private void StartRefresh()
    {
        if (_refreshing) return;
        var gateway = AnyGateway();
        if (gateway is null)
        {
            Rediscover();
            FailWaiting(new ErrorInfo(ErrorCode.BrokerNotAvailable, $"No broker of {string.Join(",", _bootstrap)} is reachable"));
            return;
        }
        _refreshing = true;
        _lastRefreshMs = NowMs;
        gateway.Ask<GatewayProtocol.MetadataResult>(new GatewayProtocol.GetMetadata(null), MetadataRequestTimeout)
            .PipeTo(Self, success: r => new MetadataArrived(r, null, gateway), failure: e => new MetadataArrived(null, e, gateway));
    }

    private void OnMetadata(MetadataArrived arrived)
    {
        _refreshing = false;
        if (arrived.Result?.Error is { } refusal)
        {
            OnMetadataRefused(arrived.From, refusal);
            return;
        }
        if (arrived.Result is null)
        {
            _log.Warning("Metadata request failed: {0}", arrived.Failure?.Message);
            // That broker may be gone: forget it and try another known one.
            if (arrived.From is not null) ForgetGateway(arrived.From);
            if (AnyGateway() is not null) StartRefresh();
            else
            {
                ResolveAll();
                Rediscover();
                FailWaiting(new ErrorInfo(ErrorCode.BrokerNotAvailable, $"No broker answered a metadata request: {arrived.Failure?.Message}"));
            }
            return;
        }
        _metadata = arrived.Result;
        _topics = _metadata.Topics.ToDictionary(t => t.Name);
        // Brokers that left or are unreachable: stop sending there until they are up again.
        foreach (var id in _gateways.Keys.Where(id => !_metadata.Brokers.Any(b => b.Id == id && b.Status == "up")).ToList())
            _gateways.Remove(id);
        ResolveAll();
        foreach (var waiter in _metadataWaiters) waiter.Tell(_metadata);
        _metadataWaiters.Clear();
        ResendToNewLeaders();
        var waiting = _waitingForMetadata.ToList();
        _waitingForMetadata.Clear();
        foreach (var (request, since) in waiting) Dispatch(request, since);
        foreach (var key in _accumulators.Keys.ToList()) TrySend(key);
    }

    /// <summary>
    /// A broker not up in the cluster (restarting, or its join stuck) refuses to answer from its metadata, which may be
    /// any age. Another gateway is asked at once; with none, this one again at the next retry (the records waiting for
    /// metadata keep waiting), as it answers at once and asking it in a loop would flood it while it joins.
    /// </summary>
    private void OnMetadataRefused(IActorRef? from, ErrorInfo refusal)
    {
        _log.Info("{0}", refusal.Message);
        if (from is not null && _gateways.Values.Any(g => !g.Equals(from)))
        {
            ForgetGateway(from);
            StartRefresh();
            return;
        }
        foreach (var waiter in _metadataWaiters) waiter.Tell(new Status.Failure(new ActorLogException(refusal)));
        _metadataWaiters.Clear();
    }

    private void FailWaiting(ErrorInfo error)
    {
        foreach (var (request, _) in _waitingForMetadata) request.Delivery.Fail(new ActorLogException(error));
        _waitingForMetadata.Clear();
        foreach (var waiter in _metadataWaiters) waiter.Tell(new Status.Failure(new ActorLogException(error)));
        _metadataWaiters.Clear();
    }

    /// <summary>Looks up the gateway of every broker we do not have yet.</summary>
    private void ResolveAll()
    {
        foreach (var broker in _metadata.Brokers)
        {
            // Status first: a restarted broker is listed twice for a while (the old incarnation down, the new one up).
            if (broker.Status != "up" || _gateways.ContainsKey(broker.Id) || !_resolving.Add(broker.Id)) continue;
            var id = broker.Id;
            Context.ActorSelection($"akka.tcp://actorlog@{broker.Host}:{broker.Port}/user/{GatewayActor.Name}")
                .ResolveOne(_settings.ConnectTimeout)
                .PipeTo(Self, success: r => new GatewayResolved(id, r), failure: _ => new GatewayResolved(id, null));
        }
    }

    /// <summary>Addresses being resolved by <see cref="Rediscover"/>.</summary>
    private readonly HashSet<string> _rediscovering = new();

    /// <summary>
    /// No gateway is left: every broker known timed out or went away (all restarting, or Akka.Remote gating their
    /// addresses after a failed association), or the last metadata listed none of them up. Nothing else would look
    /// for one again, so the client resolves the gateway of every bootstrap address and every broker it has known, and
    /// takes the first that answers as its way back in; the refreshes that follow find the rest. Called again at each
    /// refresh that finds no gateway (one resolution per address at a time).
    /// </summary>
    private void Rediscover()
    {
        foreach (var address in _bootstrap.Concat(_metadata.Brokers.Select(b => $"{b.Host}:{b.Port}")).Distinct())
        {
            if (!_rediscovering.Add(address)) continue;
            Context.ActorSelection($"akka.tcp://actorlog@{address}/user/{GatewayActor.Name}")
                .ResolveOne(_settings.ConnectTimeout)
                .PipeTo(Self, success: r => new BootstrapResolved(address, r), failure: _ => new BootstrapResolved(address, null));
        }
    }

    private void OnBootstrapResolved(BootstrapResolved resolved)
    {
        _rediscovering.Remove(resolved.Address);
        if (resolved.Gateway is null || AnyGateway() is not null) return;
        _log.Info("Broker at {0} answers again; refreshing the metadata through it", resolved.Address);
        _bootstrapGateway = resolved.Gateway;
        StartRefresh();
    }

    private void OnGatewayResolved(GatewayResolved resolved)
    {
        _resolving.Remove(resolved.BrokerId);
        if (resolved.Gateway is null) return;
        _gateways[resolved.BrokerId] = resolved.Gateway;
        foreach (var key in _accumulators.Keys.ToList()) TrySend(key);
    }

    private void OnGetRoute(GetRoute request)
    {
        if (request.Refresh) StartRefresh();
        if (!_topics.TryGetValue(request.Partition.Topic, out var topic))
        {
            Sender.Tell(new Route(null, 0, new ErrorInfo(ErrorCode.UnknownTopicOrPartition, $"Unknown topic '{request.Partition.Topic}'")));
            return;
        }
        if (request.Partition.Partition < 0 || request.Partition.Partition >= topic.Partitions.Count)
        {
            Sender.Tell(new Route(null, topic.Partitions.Count, new ErrorInfo(ErrorCode.UnknownTopicOrPartition,
                $"Topic '{topic.Name}' has partitions 0..{topic.Partitions.Count - 1}; there is no partition {request.Partition.Partition}")));
            return;
        }
        var (leader, _) = LeaderOf(request.Partition, topic.Partitions[request.Partition.Partition]);
        Sender.Tell(_gateways.TryGetValue(leader, out var gateway)
            ? new Route(LeaderTarget(request.Partition, leader, gateway), topic.Partitions.Count, null)
            : new Route(null, topic.Partitions.Count, Blocked(request.Partition, topic, leader)));
    }
}
