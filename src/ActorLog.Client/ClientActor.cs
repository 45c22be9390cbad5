using Akka.Actor;
using Akka.Event;
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
internal sealed class ClientActor : ReceiveActor, IWithTimers
{
    private sealed record MetadataArrived(GatewayProtocol.MetadataResult? Result, Exception? Failure, IActorRef? From);

    private sealed record GatewayResolved(int BrokerId, IActorRef? Gateway);

    private sealed record BatchDone(PartitionKey Key, SentBatch Batch, PartitionProtocol.ProduceResult? Result, Exception? Failure);

    /// <summary>A batch once sequenced: it keeps its producer id and sequence through every retry.</summary>
    private sealed record SentBatch(PartitionProtocol.Produce Message, List<Pending> Records, bool IsRetry, ErrorInfo? LastError = null)
    {
        /// <summary>The leader (broker id, epoch) it was sent to and when: a leader change in the metadata resends it.</summary>
        public (int Broker, int Epoch, long AtMs) SentTo { get; init; } = (-1, -1, 0);
    }

    private sealed record RetryTick
    {
        public static readonly RetryTick Instance = new();
    }

    private readonly record struct PartitionKey(TopicPartition Partition, Acks Acks);

    private sealed record Pending(ClientProtocol.ProduceRecord Request, int Size);

    /// <summary>
    /// One partition's produce state. Batches are numbered per (producer id, partition) as Kafka's idempotent
    /// producer does, so the leader drops a retried batch it already has and refuses one that overtook an
    /// earlier batch: retries neither duplicate nor reorder records.
    /// </summary>
    private sealed class Accumulator
    {
        public readonly LinkedList<Pending> Queue = new();
        public readonly SortedDictionary<int, SentBatch> Retry = new();
        public readonly HashSet<SentBatch> Sent = new(ReferenceEqualityComparer.Instance);
        public int InFlight;
        public int RetriesInFlight;
        public long RetryNotBeforeMs;
        public long ProducerId = NewProducerId();
        public int NextSequence;

        /// <summary>Why records cannot be sent now (no leader, partition offline): the error they expire with.</summary>
        public ErrorInfo? BlockedBy;

        /// <summary>After a batch fails for good its sequence is a gap: continue under a new producer id.</summary>
        public void ResetProducer()
        {
            ProducerId = NewProducerId();
            NextSequence = 0;
            var pending = Retry.Values.ToList();
            Retry.Clear();
            foreach (var b in pending)
            {
                Retry[NextSequence] = b with { Message = b.Message with { Batch = b.Message.Batch.WithProducer(ProducerId, NextSequence) } };
                NextSequence += b.Records.Count;
            }
        }

        private static long NewProducerId() => Random.Shared.NextInt64(1, long.MaxValue);
    }

    private readonly ClientSettings _settings;
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

    public ClientActor(ClientSettings settings, IReadOnlyList<string> bootstrap, IActorRef bootstrapGateway)
    {
        _settings = settings;
        _bootstrap = bootstrap.ToList();
        _bootstrapGateway = bootstrapGateway;

        Receive<ClientProtocol.ProduceRecord>(OnProduce);
        Receive<BatchDone>(OnBatchDone);
        Receive<RefreshMetadata>(_ => { _metadataWaiters.Add(Sender); StartRefresh(); });
        Receive<MetadataArrived>(OnMetadata);
        Receive<GatewayResolved>(OnGatewayResolved);
        Receive<GetRoute>(OnGetRoute);
        Receive<GatewayFailed>(f => { ForgetGateway(f.Gateway); StartRefresh(); });
        Receive<GetAnyGateway>(_ => Sender.Tell(AnyGateway() ?? (object)new Status.Failure(
            new ActorLogException(ErrorCode.BrokerNotAvailable, "No broker is reachable"))));
        Receive<DescribeState>(_ => Sender.Tell(Describe()));
        Receive<RetryTick>(_ =>
        {
            foreach (var key in _accumulators.Keys.ToList()) TrySend(key);
            if (_waitingForMetadata.Count > 0 && NowMs - _lastRefreshMs >= MetadataRetryMs) StartRefresh();
            // A leader that died takes its answers with it: while a batch waits unusually long, ask whether the
            // partition has a new leader (a killed broker's requests would otherwise wait for the request timeout).
            if (NowMs - _lastRefreshMs >= SlowBatchRefreshMs && _accumulators.Values.Any(a => a.Sent.Any(b => NowMs - b.SentTo.AtMs >= SlowBatchRefreshMs)))
                StartRefresh();
        });
    }

    public static Props Props(ClientSettings settings, IReadOnlyList<string> bootstrap, IActorRef bootstrapGateway) =>
        Akka.Actor.Props.Create(() => new ClientActor(settings, bootstrap, bootstrapGateway));

    public ITimerScheduler Timers { get; set; } = null!;

    private static long NowMs => Environment.TickCount64;

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(nameof(RetryTick), RetryTick.Instance, TimeSpan.FromMilliseconds(100));
        StartRefresh();
    }

    protected override void PostStop()
    {
        var error = new ActorLogException(ErrorCode.BrokerNotAvailable, "The client was closed before the record was acknowledged");
        // Also on a restart after a failure of ours: no caller may wait for a record this actor forgot.
        foreach (var acc in _accumulators.Values)
            foreach (var p in acc.Queue.Concat(acc.Retry.Values.Concat(acc.Sent).SelectMany(b => b.Records)))
                p.Request.Completion.TrySetException(error);
        foreach (var (r, _) in _waitingForMetadata) r.Completion.TrySetException(error);
    }

    private string Describe() =>
        $"gateways [{string.Join(",", _gateways.Keys.Order())}], resolving [{string.Join(",", _resolving)}], refreshing {_refreshing}, " +
        $"brokers [{string.Join(",", _metadata.Brokers.Select(b => $"{b.Id}:{b.Status}"))}], waiting for metadata {_waitingForMetadata.Count}, " +
        $"leaders [{string.Join(",", _metadata.Topics.SelectMany(t => t.Partitions.Select(p => $"{t.Name}/{p.Partition}->{p.Leader}")))}], " +
        string.Join("; ", _accumulators.Select(a => $"{a.Key.Partition}/{a.Key.Acks}: queued {a.Value.Queue.Count}, retry {a.Value.Retry.Count}, " +
            $"sent {a.Value.Sent.Count}, in flight {a.Value.InFlight}, retries in flight {a.Value.RetriesInFlight}"));

    /// <summary>A gateway of a broker that was up at the last metadata refresh (any one, so a dead broker is not asked
    /// every time); the bootstrap one until then.</summary>
    private IActorRef? AnyGateway() =>
        _gateways.Count == 0 ? _bootstrapGateway : _gateways.Values.ElementAt(Random.Shared.Next(_gateways.Count));

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
        if (arrived.Result is null)
        {
            _log.Warning("Metadata request failed: {0}", arrived.Failure?.Message);
            // That broker may be gone: forget it and try another known one.
            if (arrived.From is not null) ForgetGateway(arrived.From);
            if (AnyGateway() is not null) StartRefresh();
            else
            {
                ResolveAll();
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

    private void FailWaiting(ErrorInfo error)
    {
        foreach (var (request, _) in _waitingForMetadata) request.Completion.TrySetException(new ActorLogException(error));
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
            ? new Route(gateway, topic.Partitions.Count, null)
            : new Route(null, topic.Partitions.Count, Blocked(request.Partition, topic, leader)));
    }

    private void OnProduce(ClientProtocol.ProduceRecord request) => Dispatch(request, null);

    /// <param name="waitingSinceMs">When the record started waiting for its topic to appear in the metadata.</param>
    private void Dispatch(ClientProtocol.ProduceRecord request, long? waitingSinceMs)
    {
        if (!_topics.TryGetValue(request.Topic, out var topic))
        {
            // A topic just created reaches every broker's metadata within moments; only then is it unknown.
            if (waitingSinceMs is { } since && NowMs - since >= UnknownTopicWaitMs)
            {
                request.Completion.TrySetException(new ActorLogException(ErrorCode.UnknownTopicOrPartition, $"Unknown topic '{request.Topic}'"));
                return;
            }
            _waitingForMetadata.Add((request, waitingSinceMs ?? NowMs));
            StartRefresh();
            return;
        }
        var count = topic.Partitions.Count;
        int partition;
        if (request.Partition is { } explicitPartition)
        {
            if (explicitPartition < 0 || explicitPartition >= count)
            {
                request.Completion.TrySetException(new ActorLogException(ErrorCode.UnknownTopicOrPartition,
                    $"Topic '{topic.Name}' has partitions 0..{count - 1}; there is no partition {explicitPartition}"));
                return;
            }
            partition = explicitPartition;
        }
        else if (request.Record.Key is { } key) partition = KafkaPartitioner.PartitionForKey(key, count);
        else partition = StickyPartition(topic.Name, count);

        var size = request.Record.SizeInBytes;
        if (size > topic.Config.MaxMessageBytes)
        {
            request.Completion.TrySetException(new ActorLogException(ErrorCode.RecordTooLarge,
                $"A record of {size} bytes is larger than max.message.bytes = {topic.Config.MaxMessageBytes} of topic {topic.Name}"));
            return;
        }
        var pk = new PartitionKey(new TopicPartition(topic.Name, partition), request.Acks);
        if (!_accumulators.TryGetValue(pk, out var acc)) _accumulators[pk] = acc = new Accumulator();
        acc.Queue.AddLast(new Pending(request, size));
        TrySend(pk);
    }

    /// <summary>Kafka's sticky partitioner for records without a key: one partition until its batch is sent.</summary>
    private int StickyPartition(string topic, int count)
    {
        if (!_sticky.TryGetValue(topic, out var p) || p >= count) _sticky[topic] = p = Random.Shared.Next(count);
        return p;
    }

    private void TrySend(PartitionKey key)
    {
        if (!_accumulators.TryGetValue(key, out var acc)) return;
        ExpireOverdue(key, acc);
        if ((acc.Queue.Count == 0 && acc.Retry.Count == 0) || acc.RetryNotBeforeMs > NowMs) return;
        if (!_topics.TryGetValue(key.Partition.Topic, out var topic) || key.Partition.Partition >= topic.Partitions.Count) return;
        var (leader, epoch) = LeaderOf(key.Partition, topic.Partitions[key.Partition.Partition]);
        if (!_gateways.TryGetValue(leader, out var gateway))
        {
            // No leader, or its broker is not up (leaving, restarting): the controller will elect or it will return.
            acc.BlockedBy = Blocked(key.Partition, topic, leader);
            ResolveAll();
            if (NowMs - _lastRefreshMs >= MetadataRetryMs) StartRefresh();
            return;
        }
        acc.BlockedBy = null;
        // Retries first, in sequence order; new batches only once no retry is outstanding.
        while (acc.Retry.Count > 0 && acc.InFlight < _settings.MaxInFlightPerPartition)
        {
            var (sequence, retry) = acc.Retry.First();
            acc.Retry.Remove(sequence);
            acc.RetriesInFlight++;
            Send(key, acc, gateway, retry with { IsRetry = true, SentTo = (leader, epoch, NowMs) });
        }
        while (acc.Queue.Count > 0 && acc.Retry.Count == 0 && acc.RetriesInFlight == 0 && acc.InFlight < _settings.MaxInFlightPerPartition)
        {
            var records = new List<Pending>();
            var bytes = 0;
            while (acc.Queue.First is { } node && (records.Count == 0 || bytes + node.Value.Size <= Math.Min(_settings.BatchMaxBytes, topic.Config.MaxMessageBytes)))
            {
                records.Add(node.Value);
                bytes += node.Value.Size;
                acc.Queue.RemoveFirst();
            }
            if (_sticky.TryGetValue(key.Partition.Topic, out var sticky) && sticky == key.Partition.Partition) _sticky.Remove(key.Partition.Topic);
            // acks=0 gets no answer, so it cannot take part in sequencing.
            var idempotent = key.Acks != Acks.None;
            var batch = new RecordBatch(0, -1, idempotent ? acc.ProducerId : -1, idempotent ? acc.NextSequence : -1,
                records.Select(p => p.Request.Record).ToArray());
            var produce = new PartitionProtocol.Produce(key.Partition, (short)key.Acks, (int)_settings.RequestTimeout.TotalMilliseconds, batch);
            if (idempotent) acc.NextSequence += records.Count;
            Send(key, acc, gateway, new SentBatch(produce, records, false) { SentTo = (leader, epoch, NowMs) });
        }
    }

    private void Send(PartitionKey key, Accumulator acc, IActorRef gateway, SentBatch batch)
    {
        if (key.Acks == Acks.None)
        {
            gateway.Tell(batch.Message, ActorRefs.NoSender);
            foreach (var p in batch.Records) p.Request.Completion.TrySetResult(new DeliveryResult(key.Partition.Topic, key.Partition.Partition, -1));
            return;
        }
        acc.InFlight++;
        acc.Sent.Add(batch);
        gateway.Ask<PartitionProtocol.ProduceResult>(batch.Message, _settings.RequestTimeout + TimeSpan.FromSeconds(1))
            .PipeTo(Self, success: r => new BatchDone(key, batch, r, null), failure: e => new BatchDone(key, batch, null, e));
    }

    /// <summary>
    /// The partition's leader: from the metadata, unless a broker's recent answer named a newer one (its hint
    /// outlives a metadata copy that has not caught up yet, but only briefly, in case the topic was recreated).
    /// </summary>
    private (int Leader, int Epoch) LeaderOf(TopicPartition tp, PartitionMetadata p)
    {
        if (_leaderHints.TryGetValue(tp, out var hint))
        {
            if (hint.Epoch > p.LeaderEpoch && NowMs - hint.AtMs < LeaderHintTtlMs) return (hint.Leader, hint.Epoch);
            _leaderHints.Remove(tp);
        }
        return (p.Leader, p.LeaderEpoch);
    }

    private ErrorInfo Blocked(TopicPartition tp, TopicMetadata topic, int leader)
    {
        var p = topic.Partitions[tp.Partition];
        return leader < 0
            ? new ErrorInfo(ErrorCode.LeaderNotAvailable, $"{tp} is offline: no in-sync replica of [{string.Join(",", p.Isr)}] is alive" +
                (topic.Config.UncleanLeaderElection ? "" : " (unclean leader election is off for the topic)"))
            : new ErrorInfo(ErrorCode.LeaderNotAvailable, $"the leader of {tp}, broker {leader}, is not reachable");
    }

    /// <summary>
    /// Batches waiting on a leader that the metadata now says was replaced are sent again to the new one. The
    /// producer id and sequence stay, so a batch the old leader had already replicated is answered with its
    /// original offsets instead of being written twice; a late answer from the old leader is ignored.
    /// </summary>
    private void ResendToNewLeaders()
    {
        foreach (var (key, acc) in _accumulators)
        {
            if (acc.Sent.Count == 0 || !_topics.TryGetValue(key.Partition.Topic, out var topic) || key.Partition.Partition >= topic.Partitions.Count)
                continue;
            var (leader, epoch) = LeaderOf(key.Partition, topic.Partitions[key.Partition.Partition]);
            foreach (var batch in acc.Sent.Where(b => b.SentTo.Broker != leader && epoch > b.SentTo.Epoch).ToList())
            {
                acc.Sent.Remove(batch);
                acc.InFlight--;
                if (batch.IsRetry) acc.RetriesInFlight--;
                var error = new ErrorInfo(ErrorCode.NotLeaderOrFollower, $"leadership of {key.Partition} moved from broker {batch.SentTo.Broker} to {leader}");
                acc.Retry[batch.Message.Batch.BaseSequence] = batch with { LastError = error };
                acc.RetryNotBeforeMs = 0;
                _log.Debug("{0}: resending {1} record(s) to new leader {2} (epoch {3})", key.Partition, batch.Records.Count, leader, epoch);
            }
        }
    }

    private void OnBatchDone(BatchDone done)
    {
        if (!_accumulators.TryGetValue(done.Key, out var acc) || !acc.Sent.Remove(done.Batch))
            return; // sent before a restart: its records were failed then
        acc.InFlight--;
        if (done.Batch.IsRetry) acc.RetriesInFlight--;
        var tp = done.Key.Partition;
        var records = done.Batch.Records;
        if (done.Result is { Error: null } ok)
        {
            for (var i = 0; i < records.Count; i++)
                records[i].Request.Completion.TrySetResult(new DeliveryResult(tp.Topic, tp.Partition, ok.BaseOffset + i));
        }
        else
        {
            var error = done.Result?.Error ?? new ErrorInfo(ErrorCode.RequestTimedOut, $"No answer from the leader of {tp}: {done.Failure?.Message}");
            // KIP-951: a broker that is not the leader names the one it knows; go there without a metadata round trip.
            if (done.Result is { LeaderHint: >= 0 } hinted && hinted.LeaderEpochHint > done.Batch.SentTo.Epoch)
                _leaderHints[tp] = (hinted.LeaderHint, hinted.LeaderEpochHint, NowMs);
            var expired = records.Min(r => r.Request.DeadlineMs) <= NowMs;
            if (error.Code.IsRetriable() && !expired)
            {
                var sequence = done.Batch.Message.Batch.BaseSequence;
                acc.Retry[sequence < 0 ? -1 - acc.Retry.Count : sequence] = done.Batch with { LastError = error };
                acc.RetryNotBeforeMs = NowMs + (error.Code == ErrorCode.OutOfOrderSequenceNumber ? 0 : 100);
                if (error.Code is not (ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend or ErrorCode.OutOfOrderSequenceNumber))
                    StartRefresh();
                _log.Debug("{0}: retrying {1} record(s) after {2}", tp, records.Count, error);
            }
            else
            {
                if (expired && error.Code.IsRetriable())
                    error = new ErrorInfo(ErrorCode.RequestTimedOut, $"{tp}: not acknowledged within the delivery timeout (last error {error})");
                foreach (var p in records) p.Request.Completion.TrySetException(new ActorLogException(error));
                if (done.Batch.Message.Batch.BaseSequence >= 0) acc.ResetProducer();
            }
        }
        TrySend(done.Key);
    }

    /// <summary>Fails records past their delivery timeout: unsent ones, and retries that could not be sent in time.</summary>
    private static void ExpireOverdue(PartitionKey key, Accumulator acc)
    {
        var now = NowMs;
        var timedOut = new ActorLogException(ErrorCode.RequestTimedOut, $"{key.Partition}: the record was not acknowledged within the delivery timeout" +
            (acc.BlockedBy is null ? "" : $"; {acc.BlockedBy.Message}"));
        while (acc.Queue.First is { } node && node.Value.Request.DeadlineMs <= now)
        {
            acc.Queue.RemoveFirst();
            node.Value.Request.Completion.TrySetException(timedOut);
        }
        var expired = acc.Retry.Where(r => r.Value.Records.Min(p => p.Request.DeadlineMs) <= now).ToList();
        if (expired.Count == 0) return;
        foreach (var (sequence, batch) in expired)
        {
            acc.Retry.Remove(sequence);
            var error = batch.LastError is null ? timedOut
                : new ActorLogException(ErrorCode.RequestTimedOut, $"{key.Partition}: not acknowledged within the delivery timeout; last error {batch.LastError}");
            foreach (var p in batch.Records) p.Request.Completion.TrySetException(error);
        }
        // Their sequence numbers are gaps now: later batches continue under a new producer id.
        acc.ResetProducer();
    }
}
