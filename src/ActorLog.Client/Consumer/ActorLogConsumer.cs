using System.Runtime.CompilerServices;
using ActorLog.Common;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Client.Consumer;

/// <summary>
/// A member of a consumer group (KIP-848): a background heartbeat joins the group and carries the partitions it
/// owns; the coordinator answers with what it may own now, so partitions are handed over one revocation at a time
/// and the others keep being read. Records of each owned partition come in offset order from the group's committed
/// offset (or auto.offset.reset); positions are committed every auto-commit interval, on revocation and on close,
/// so a partition that moves is read again at most from the last commit (at least once).
/// Close leaves the group at once, so the others take over without waiting for the session timeout.
/// </summary>
public sealed partial class ActorLogConsumer : IAsyncDisposable
{
    private readonly ActorLogClient _client;
    private readonly string _group;
    private readonly IReadOnlyList<string> _topics;
    private readonly ConsumerOptions _options;
    private readonly object _gate = new();

    /// <summary>Owned partitions and the offset of the next record to return; -1 until the start is known.</summary>
    private readonly Dictionary<TopicPartition, long> _positions = new();

    private readonly Dictionary<TopicPartition, long> _committed = new();
    private readonly CancellationTokenSource _stop = new();
    private string _memberId = "";
    private int _memberEpoch;
    private Task? _heartbeats;
    private Task? _autoCommits;
    private Exception? _failure;
    private bool _closed;

    internal ActorLogConsumer(ActorLogClient client, string group, IReadOnlyList<string> topics, ConsumerOptions options)
    {
        _client = client;
        _group = group;
        _topics = topics;
        _options = options;
    }

    public string GroupId => _group;

    public string MemberId { get { lock (_gate) return _memberId; } }

    /// <summary>The partitions this consumer owns now.</summary>
    public IReadOnlyCollection<TopicPartition> Assignment { get { lock (_gate) return _positions.Keys.ToList(); } }

    /// <summary>Records of the owned partitions, each partition in offset order; joins the group on first use.</summary>
    /// <remarks>
    /// One long-poll fetch per owned partition is out at a time, and each answer is returned as soon as it comes:
    /// a busy partition is not held back by an idle one waiting out its fetch wait.
    /// </remarks>
    public async IAsyncEnumerable<ConsumedRecord> ConsumeAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        Start();
        var fetches = new Dictionary<TopicPartition, (long Offset, Task<IReadOnlyList<ConsumedRecord>> Task)>();
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (_failure is { } failure) throw failure;
                lock (_gate)
                    foreach (var (tp, position) in _positions)
                        if (position >= 0 && !fetches.ContainsKey(tp)) fetches[tp] = (position, FetchAsync(tp, position, ct));
                if (fetches.Count == 0)
                {
                    await Task.Delay(50, ct);
                    continue;
                }
                // Wake up now and then even if every fetch is still waiting, to start fetches for new partitions.
                await Task.WhenAny(fetches.Values.Select(f => (Task)f.Task).Append(Task.Delay(_options.FetchMaxWait, ct)));
                foreach (var (tp, fetch) in fetches.Where(f => f.Value.Task.IsCompleted).ToList())
                {
                    fetches.Remove(tp);
                    IReadOnlyList<ConsumedRecord> records;
                    try
                    {
                        records = await fetch.Task;
                    }
                    catch (ActorLogException e) when (e.Code == ErrorCode.UnknownTopicOrPartition)
                    {
                        await ThrowIfTopicsGoneAsync(ct);
                        throw;
                    }
                    catch (ActorLogException e) when (e.Code == ErrorCode.OffsetOutOfRange)
                    {
                        // Retention dropped the records at our position (or a seek went past the end): auto.offset.reset
                        // says where to go on, as in Kafka.
                        var reset = await ResetPositionAsync(tp, ErrorCode.OffsetOutOfRange, e.Message, ct);
                        lock (_gate)
                            if (_positions.TryGetValue(tp, out var position) && position == fetch.Offset) _positions[tp] = reset;
                        continue;
                    }
                    foreach (var record in records)
                    {
                        lock (_gate)
                        {
                            // Revoked or moved by a seek while the fetch was out: the rest of that answer is not ours to return.
                            if (!_positions.TryGetValue(tp, out var position) || position != record.Offset) break;
                            _positions[tp] = record.Offset + 1;
                        }
                        yield return record;
                    }
                }
            }
        }
        finally
        {
            // Fetches still out end within their wait; observe them so a failure is not left unobserved.
            foreach (var f in fetches.Values) _ = f.Task.ContinueWith(t => t.Exception, TaskScheduler.Default);
        }
    }

    /// <summary>Commits the position of every owned partition (the offset of the next record to read).</summary>
    public async Task CommitAsync(CancellationToken ct = default)
    {
        var result = await CommitOwnedAsync(ct);
        if (result?.Error is { } error) throw new ActorLogException(error);
        if (result?.Partitions.FirstOrDefault(p => p.Error is not null) is { Error: { } partitionError }) throw new ActorLogException(partitionError);
    }

    /// <summary>Continues an owned partition from <paramref name="offset"/>.</summary>
    public void Seek(TopicPartition partition, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        lock (_gate)
        {
            if (!_positions.ContainsKey(partition))
                throw new InvalidOperationException($"{partition} is not assigned to this consumer (it owns [{string.Join(",", _positions.Keys)}])");
            _positions[partition] = offset;
        }
    }

    /// <summary>Continues an owned partition from its oldest record (the log start: retention may have dropped older ones).</summary>
    public async Task SeekToBeginningAsync(TopicPartition partition, CancellationToken ct = default) =>
        Seek(partition, (await _client.OffsetsAsync(partition.Topic, partition.Partition, ct)).LogStartOffset);

    public async Task SeekToEndAsync(TopicPartition partition, CancellationToken ct = default) =>
        Seek(partition, (await _client.OffsetsAsync(partition.Topic, partition.Partition, ct)).HighWatermark);

    /// <summary>Commits (when auto-commit is on) and leaves the group at once: its partitions go to the others now.</summary>
    public async Task CloseAsync()
    {
        if (_closed) return;
        _closed = true;
        _stop.Cancel();
        foreach (var loop in new[] { _heartbeats, _autoCommits })
            if (loop is not null)
                try { await loop; } catch (OperationCanceledException) { }
        string member;
        List<TopicPartition> owned;
        lock (_gate) (member, owned) = (_memberId, _positions.Keys.ToList());
        if (member.Length == 0) return;
        // As on a revocation: stop returning records, then commit where reading stopped.
        var final = TakePositions(owned);
        if (_options.AutoCommit) await CommitPositionsAsync(final, CancellationToken.None);
        if (owned.Count > 0 && _options.OnRevoked is { } onRevoked) await onRevoked(owned);
        await _client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat(_group, member, -1, _topics, _options.Assignor, 0, owned));
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        _stop.Dispose();
    }

    private void Start()
    {
        lock (_gate)
        {
            if (_closed) throw new ObjectDisposedException(nameof(ActorLogConsumer), "The consumer was closed");
            _heartbeats ??= Task.Run(() => HeartbeatLoopAsync(_stop.Token));
            if (_options.AutoCommit) _autoCommits ??= Task.Run(() => AutoCommitLoopAsync(_stop.Token));
        }
    }

    private async Task<IReadOnlyList<ConsumedRecord>> FetchAsync(TopicPartition tp, long offset, CancellationToken ct)
    {
        var fetched = await _client.FetchAsync(tp.Topic, tp.Partition, offset, _options.FetchMaxWait, ct: ct);
        return fetched.Records;
    }

    /// <summary>
    /// A subscribed topic that no longer exists (deleted) ends the consumer with an error naming it: otherwise it
    /// would simply be assigned nothing and wait forever. A topic missing from one broker's metadata for a moment
    /// (just created) is asked for again before giving up.
    /// </summary>
    private async Task ThrowIfTopicsGoneAsync(CancellationToken ct)
    {
        foreach (var topic in _topics)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await _client.DescribeTopicAsync(topic, ct);
                    break;
                }
                catch (ActorLogException e) when (e.Code == ErrorCode.UnknownTopicOrPartition)
                {
                    if (attempt == 2)
                        throw new ActorLogException(ErrorCode.UnknownTopicOrPartition,
                            $"Topic '{topic}' does not exist (deleted?): consumer {MemberId} of group [{_group}] subscribes to it and stops");
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
            }
        }
    }

    /// <summary>
    /// Where to read a partition that has no usable position (no committed offset, or one out of the log's range), by
    /// auto.offset.reset: the log start, the high watermark, or an error (<paramref name="code"/>, <paramref name="why"/>).
    /// </summary>
    private async Task<long> ResetPositionAsync(TopicPartition tp, ErrorCode code, string why, CancellationToken ct)
    {
        if (_options.AutoOffsetReset == AutoOffsetReset.None) throw new ActorLogException(code, $"{why} (auto.offset.reset is none)");
        var offsets = await _client.OffsetsAsync(tp.Topic, tp.Partition, ct);
        return _options.AutoOffsetReset == AutoOffsetReset.Earliest ? offsets.LogStartOffset : offsets.HighWatermark;
    }
}
