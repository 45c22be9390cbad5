using System.Text;
using Akka.Actor;
using ActorLog.Client.Produce;
using ActorLog.Common;
using ActorLog.Controller;
using ActorLog.Gateway;
using ActorLog.Log;
using ActorLog.Metadata;
using ActorLog.Partition;
using static ActorLog.Client.ClientProtocol;

namespace ActorLog.Client;

/// <summary>
/// The .NET API of ActorLog: produce, fetch and topic admin against a broker cluster. Thread-safe; one
/// instance per process is enough. Concurrent ProduceAsync calls to the same partition are batched.
/// </summary>
public sealed partial class ActorLogClient : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly IActorRef _client;
    private readonly ProduceIntake _intake;

    private ActorLogClient(ActorSystem system, IActorRef client, ProduceIntake intake, ClientSettings settings)
    {
        _system = system;
        _client = client;
        _intake = intake;
        Settings = settings;
    }

    public ClientSettings Settings { get; }

    /// <summary>Connects to the first bootstrap broker that answers; fails within the connect timeout naming the addresses.</summary>
    public static async Task<ActorLogClient> ConnectAsync(string bootstrap, ClientSettings? settings = null, CancellationToken ct = default)
    {
        settings ??= ClientSettings.Default;
        var addresses = ClientConfig.ParseBootstrap(bootstrap);
        var bindHost = addresses.All(a => a.Host is "127.0.0.1" or "localhost") ? "127.0.0.1" : "0.0.0.0";
        var system = ActorSystem.Create("actorlog-client", ClientConfig.Build(bindHost));
        try
        {
            var attempts = addresses.Select(a => system
                .ActorSelection($"akka.tcp://actorlog@{a.Host}:{a.Port}/user/{GatewayActor.Name}")
                .ResolveOne(settings.ConnectTimeout, ct)).ToList();
            IActorRef? gateway = null, refusing = null;
            while (attempts.Count > 0 && gateway is null)
            {
                var done = await Task.WhenAny(attempts);
                attempts.Remove(done);
                if (!done.IsCompletedSuccessfully) continue;
                if (await ServesMetadataAsync(done.Result, ct)) gateway = done.Result;
                else refusing ??= done.Result;
            }
            // Only brokers not up in the cluster answered: the client starts from one and asks it again as it retries.
            gateway ??= refusing;
            if (gateway is null)
                throw new ActorLogException(ErrorCode.BrokerNotAvailable,
                    $"Cannot reach any bootstrap broker at {bootstrap} (tried for {settings.ConnectTimeout.TotalSeconds:0.#} s)");
            var intake = new ProduceIntake();
            var client = system.ActorOf(ClientActor.Props(settings, addresses.Select(a => $"{a.Host}:{a.Port}").ToList(), gateway, intake), "client");
            return new ActorLogClient(system, client, intake, settings);
        }
        catch
        {
            await system.Terminate();
            throw;
        }
    }

    /// <summary>
    /// Whether a bootstrap broker answers metadata: one still joining the cluster (restarting) refuses, and a client that
    /// started from it would know no other broker to ask, though the next bootstrap address may be up.
    /// </summary>
    private static async Task<bool> ServesMetadataAsync(IActorRef gateway, CancellationToken ct)
    {
        try
        {
            var metadata = await gateway.Ask<GatewayProtocol.MetadataResult>(new GatewayProtocol.GetMetadata(Array.Empty<string>()),
                BootstrapMetadataTimeout, ct);
            return metadata.Error is null;
        }
        catch (AskTimeoutException)
        {
            return false;
        }
    }

    private static readonly TimeSpan BootstrapMetadataTimeout = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan FetchAnswerSlack = TimeSpan.FromSeconds(5);

    /// <summary>Sends one record; completes once it is acknowledged as <paramref name="acks"/> says.</summary>
    public Task<DeliveryResult> ProduceAsync(string topic, byte[]? key, byte[]? value, IReadOnlyList<RecordHeader>? headers = null,
        Acks acks = Acks.All, int? partition = null)
    {
        var delivery = new TaskDelivery();
        Hand(topic, key, value, headers, acks, partition, delivery);
        return delivery.Task;
    }

    /// <summary>
    /// Sends one record and calls <paramref name="onDelivery"/> once it is acknowledged as <paramref name="acks"/> says,
    /// or has failed for good. Like a Kafka producer's delivery handler it runs on the client's own thread, in
    /// acknowledgement order: keep it short and never block in it. Cheaper than <see cref="ProduceAsync(string, byte[], byte[], IReadOnlyList{RecordHeader}, Acks, int?)"/>
    /// under load (no task and no thread hand-off per record).
    /// </summary>
    public void Produce(string topic, byte[]? key, byte[]? value, Action<DeliveryReport> onDelivery, IReadOnlyList<RecordHeader>? headers = null,
        Acks acks = Acks.All, int? partition = null) =>
        Hand(topic, key, value, headers, acks, partition, new CallbackDelivery(topic, onDelivery, _system.Log));

    private void Hand(string topic, byte[]? key, byte[]? value, IReadOnlyList<RecordHeader>? headers, Acks acks, int? partition, IDelivery delivery)
    {
        var record = new Record(key, value, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), headers ?? Record.NoHeaders);
        _intake.Add(new ProduceRecord(topic, partition, record, acks, delivery,
            Environment.TickCount64 + (long)Settings.DeliveryTimeout.TotalMilliseconds), _client);
    }

    public Task<DeliveryResult> ProduceAsync(string topic, string? key, string? value, Acks acks = Acks.All, int? partition = null) =>
        ProduceAsync(topic, key is null ? null : Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value),
            null, acks, partition);

    /// <summary>
    /// Reads records of one partition from <paramref name="offset"/>, below the high watermark. Waits up to
    /// <paramref name="maxWait"/> when there is nothing yet (long poll). Retries while the leader moves.
    /// </summary>
    public async Task<FetchedRecords> FetchAsync(string topic, int partition, long offset, TimeSpan? maxWait = null,
        int maxBytes = 1024 * 1024, CancellationToken ct = default)
    {
        var tp = new TopicPartition(topic, partition);
        return ToRecords(tp, offset, await FetchFromLeaderAsync(tp, offset, maxWait, maxBytes, offsetsOnly: false, ct));
    }

    /// <summary>
    /// The partition's offsets as its leader knows them now: the first it holds (retention moves it up) and the high
    /// watermark, the next offset a consumer can read (Kafka's ListOffsets for earliest and latest).
    /// </summary>
    public async Task<PartitionOffsets> OffsetsAsync(string topic, int partition, CancellationToken ct = default)
    {
        // An empty fetch that does not wait: its answer carries both, whether or not offset 0 is still in the log.
        var result = await FetchFromLeaderAsync(new TopicPartition(topic, partition), 0, TimeSpan.Zero, 1, offsetsOnly: true, ct);
        return new PartitionOffsets(result.LogStartOffset, result.HighWatermark);
    }

    /// <summary>The partition's high watermark, as its leader knows it now.</summary>
    public async Task<long> HighWatermarkAsync(string topic, int partition, CancellationToken ct = default) =>
        (await OffsetsAsync(topic, partition, ct)).HighWatermark;

    /// <param name="offsetsOnly">The caller wants the offsets in the answer: an offset out of the log's range is not an error then.</param>
    private async Task<PartitionProtocol.FetchResult> FetchFromLeaderAsync(TopicPartition tp, long offset, TimeSpan? maxWait, int maxBytes,
        bool offsetsOnly, CancellationToken ct)
    {
        // No wait given: the broker's fetch.default-max-wait applies (sent as -1); the client allows 5 s for it.
        var wait = maxWait ?? TimeSpan.FromSeconds(5);
        var waitMs = maxWait is null ? -1 : (int)wait.TotalMilliseconds;
        var deadline = DateTime.UtcNow + Settings.RequestTimeout + wait;
        var refresh = false;
        var metadataRefreshed = false;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var route = await RouteAsync(tp, refresh, ct);
            ErrorInfo? error = route.Error;
            if (route.Target is { } target)
            {
                try
                {
                    // A fetch is answered within its wait; a leader silent for a few seconds more has likely died,
                    // so ask the metadata again rather than wait out the whole request timeout (reads are safe to repeat).
                    var slack = Settings.RequestTimeout < FetchAnswerSlack ? Settings.RequestTimeout : FetchAnswerSlack;
                    var result = await target.Ask<PartitionProtocol.FetchResult>(
                        new PartitionProtocol.Fetch(tp, offset, maxBytes, waitMs), wait + slack, ct);
                    if (result.Error is null || (offsetsOnly && result.Error.Code == ErrorCode.OffsetOutOfRange)) return result;
                    error = result.Error;
                }
                catch (AskTimeoutException)
                {
                    error = new ErrorInfo(ErrorCode.RequestTimedOut, $"No answer to a fetch of {tp}");
                }
            }
            if (error is null || !error.Code.IsRetriable() || DateTime.UtcNow > deadline) throw new ActorLogException(error!);
            if (error.Code == ErrorCode.UnknownTopicOrPartition && route.Target is null)
            {
                // Our own copy of the metadata does not know the partition. The cluster's may be newer (a topic that
                // grew: a group coordinator hands out new partitions at once), so wait for a fresh copy, once, before giving up.
                if (metadataRefreshed) throw new ActorLogException(error);
                await RefreshMetadataAsync(ct);
                metadataRefreshed = true;
                continue;
            }
            refresh = true;
            await Task.Delay(100, ct);
        }
    }

    /// <summary>Where requests for the partition's leader go now: its replica actor once known, else its gateway.</summary>
    internal Task<Route> RouteAsync(TopicPartition tp, bool refresh = false, CancellationToken ct = default) =>
        _client.Ask<Route>(new GetRoute(tp, refresh), Settings.RequestTimeout, ct);

    private static FetchedRecords ToRecords(TopicPartition tp, long offset, PartitionProtocol.FetchResult result)
    {
        var records = new List<ConsumedRecord>();
        foreach (var batch in result.Batches)
            for (var i = 0; i < batch.Records.Count; i++)
            {
                var o = batch.BaseOffset + i;
                if (o < offset) continue; // a batch may start before the requested offset
                var r = batch.Records[i];
                records.Add(new ConsumedRecord(tp.Topic, tp.Partition, o, r.Key, r.Value, r.Timestamp, r.Headers));
            }
        return new FetchedRecords(tp.Topic, tp.Partition, result.HighWatermark, records) { LogStartOffset = result.LogStartOffset };
    }

    /// <summary>
    /// Creates a topic. 0 for min.insync.replicas or max.message.bytes, and null retention, take the brokers' defaults
    /// (actorlog.topic-defaults); retention of -1 keeps everything.
    /// </summary>
    public async Task<TopicMetadata> CreateTopicAsync(string name, int partitions, int replicationFactor, int minInsyncReplicas = 0,
        int maxMessageBytes = 0, CancellationToken ct = default, bool uncleanLeaderElection = false, long? retentionMs = null,
        long? retentionBytes = null)
    {
        var result = await AdminAsync<ControllerProtocol.TopicResult>(new ControllerProtocol.CreateTopic(name, partitions, replicationFactor,
            minInsyncReplicas, maxMessageBytes, uncleanLeaderElection, retentionMs, retentionBytes), ct);
        if (result.Error is not null) throw new ActorLogException(result.Error);
        await AwaitMetadata(m => m.Topics.Any(t => t.Name == name), ct);
        return result.Topic!;
    }

    /// <summary>
    /// Allows (or forbids again) electing a leader from outside the in-sync replicas for a topic: an offline
    /// partition comes back at once, losing the records only its lost in-sync replicas had.
    /// </summary>
    public Task<TopicMetadata> SetUncleanLeaderElectionAsync(string name, bool enabled, CancellationToken ct = default) =>
        AlterTopicConfigAsync(new ControllerProtocol.AlterTopicConfig(name, enabled), ct);

    /// <summary>
    /// Changes a topic's retention.ms and/or retention.bytes (null: unchanged; -1: no limit). Every replica applies it as
    /// soon as the change reaches it, then at every retention check (actorlog.log.retention-check-interval).
    /// </summary>
    public Task<TopicMetadata> SetRetentionAsync(string name, long? retentionMs, long? retentionBytes, CancellationToken ct = default) =>
        AlterTopicConfigAsync(new ControllerProtocol.AlterTopicConfig(name, null, retentionMs, retentionBytes), ct);

    /// <summary>Alters a topic's settings, then waits until this client's metadata shows them.</summary>
    private async Task<TopicMetadata> AlterTopicConfigAsync(ControllerProtocol.AlterTopicConfig alter, CancellationToken ct)
    {
        var result = await AdminAsync<ControllerProtocol.TopicResult>(alter, ct);
        if (result.Error is not null) throw new ActorLogException(result.Error);
        var config = result.Topic!.Config;
        await AwaitMetadata(m => m.Topics.Any(t => t.Name == alter.Name && t.Config == config), ct);
        return result.Topic;
    }

    /// <summary>
    /// Grows <paramref name="name"/> to <paramref name="totalPartitions"/> partitions (never shrinks: InvalidPartitions).
    /// Existing partitions and their records stay where they are. As in Kafka, keyed records produced from now on go to
    /// murmur2(key) % the new count, so a key's later records may land in another partition than its earlier ones;
    /// producers of other clients switch at their next metadata refresh (<see cref="ClientSettings.MetadataMaxAge"/>).
    /// Consumer groups subscribed to the topic are given the new partitions.
    /// </summary>
    public async Task<TopicMetadata> AddPartitionsAsync(string name, int totalPartitions, CancellationToken ct = default)
    {
        var result = await AdminAsync<ControllerProtocol.TopicResult>(new ControllerProtocol.AddPartitions(name, totalPartitions), ct);
        if (result.Error is not null) throw new ActorLogException(result.Error);
        await AwaitMetadata(m => m.Topics.Any(t => t.Name == name && t.Partitions.Count >= totalPartitions), ct);
        return result.Topic!;
    }

    /// <summary>Moves leadership to each partition's preferred replica where it is alive and in sync (all topics when null).</summary>
    public async Task<IReadOnlyList<ControllerProtocol.PartitionElection>> ElectPreferredLeadersAsync(string? topic = null, CancellationToken ct = default)
    {
        var result = await AdminAsync<ControllerProtocol.ElectPreferredLeadersResult>(new ControllerProtocol.ElectPreferredLeaders(topic), ct);
        if (result.Error is not null) throw new ActorLogException(result.Error);
        var moved = result.Partitions.Where(p => p.Outcome == PreferredOutcome.Elected).ToList();
        await AwaitMetadata(m => moved.All(e => m.Topics.Any(t => t.Name == e.Topic && t.Partitions[e.Partition].LeaderEpoch >= e.LeaderEpoch)), ct);
        return result.Partitions;
    }

    public async Task DeleteTopicAsync(string name, CancellationToken ct = default)
    {
        var result = await AdminAsync<ControllerProtocol.TopicResult>(new ControllerProtocol.DeleteTopic(name), ct);
        if (result.Error is not null) throw new ActorLogException(result.Error);
        await AwaitMetadata(m => m.Topics.All(t => t.Name != name), ct);
    }

    /// <summary>
    /// The controller answers after a majority write; the broker a client asks next may not have the change yet.
    /// Waits (briefly) until it does, so the next call sees what this one did.
    /// </summary>
    private async Task AwaitMetadata(Func<GatewayProtocol.MetadataResult, bool> done, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Settings.RequestTimeout;
        while (!done(await RefreshMetadataAsync(ct)) && DateTime.UtcNow < deadline) await Task.Delay(50, ct);
    }

    public async Task<GatewayProtocol.TopicDescription> DescribeTopicAsync(string name, CancellationToken ct = default)
    {
        var result = await AdminAsync<GatewayProtocol.TopicDescription>(new GatewayProtocol.DescribeTopic(name), ct, DescribeAttemptTimeout);
        if (result.Error is not null) throw new ActorLogException(result.Error);
        return result;
    }

    /// <summary>Fresh cluster metadata: brokers, the controller's broker, topics with leaders, epochs and ISR.</summary>
    public Task<GatewayProtocol.MetadataResult> RefreshMetadataAsync(CancellationToken ct = default) =>
        _client.Ask<GatewayProtocol.MetadataResult>(new RefreshMetadata(), Settings.RequestTimeout, ct);

    public async Task<IReadOnlyList<TopicMetadata>> ListTopicsAsync(CancellationToken ct = default) =>
        (await RefreshMetadataAsync(ct)).Topics;

    /// <summary>
    /// A broker answers a describe from its own metadata and its partitions' leaders, each asked for at most 3 s; no
    /// answer in 5 s means its gateway is gone (a broker killed, or restarted as a new incarnation, whose death the
    /// client has not heard of yet), so another is asked rather than the request timeout's half waited out.
    /// </summary>
    private static readonly TimeSpan DescribeAttemptTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Asks a live broker's gateway; one that does not answer within <paramref name="attemptTimeout"/> (by default half
    /// the request timeout: a controller's write may take seconds) is forgotten and another asked, until the request
    /// timeout has passed. One that refuses as not up in the cluster (BrokerNotAvailable: restarting, or its join
    /// stuck) is not asked again by this call; with no other broker left to ask, its refusal is the answer.
    /// </summary>
    private async Task<T> AdminAsync<T>(object request, CancellationToken ct, TimeSpan? attemptTimeout = null) where T : class, IAnswer
    {
        var perAttempt = attemptTimeout ?? TimeSpan.FromTicks(Settings.RequestTimeout.Ticks / 2);
        var deadline = DateTime.UtcNow + Settings.RequestTimeout;
        var refusing = new HashSet<IActorRef>();
        T? refused = null;
        while (true)
        {
            IActorRef gateway;
            try
            {
                gateway = await _client.Ask<IActorRef>(new GetAnyGateway(refusing), Settings.RequestTimeout, ct);
            }
            catch (ActorLogException) when (refused is not null)
            {
                return refused;
            }
            var left = deadline - DateTime.UtcNow;
            try
            {
                if (left <= TimeSpan.Zero) throw new AskTimeoutException("request timeout");
                var answer = await gateway.Ask<T>(request, left < perAttempt ? left : perAttempt, ct);
                if (answer.Error?.Code != ErrorCode.BrokerNotAvailable || deadline - DateTime.UtcNow <= RetryMargin) return answer;
                refused = answer;
                refusing.Add(gateway);
                continue;
            }
            catch (AskTimeoutException) when (deadline - DateTime.UtcNow > RetryMargin)
            {
                _client.Tell(new GatewayFailed(gateway));
                await RefreshMetadataAsync(ct);
            }
            catch (AskTimeoutException)
            {
                throw new ActorLogException(ErrorCode.RequestTimedOut,
                    $"No answer from the cluster within {Settings.RequestTimeout.TotalSeconds:0.#} s (is the controller running?)");
            }
        }
    }

    /// <summary>Less time than this left before the request timeout is not worth another broker.</summary>
    private static readonly TimeSpan RetryMargin = TimeSpan.FromMilliseconds(100);

    /// <summary>The client's internal state in one line (metadata, gateways, produce queues), for diagnostics.</summary>
    public Task<string> DescribeStateAsync() => _client.Ask<string>(new DescribeState(), Settings.RequestTimeout);

    public async ValueTask DisposeAsync()
    {
        await _system.Terminate();
    }
}
