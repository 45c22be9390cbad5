using ActorLog.Client;
using ActorLog.Client.Consumer;
using ActorLog.Common;

namespace ActorLog.Cli.Commands;

/// <summary>
/// One consumer of <c>bench rebalance</c>. It has its own client connection (its own ActorSystem), so members
/// heartbeat, fetch and fail independently, as separate processes would. It notes every partition it is told to
/// revoke, which is how the benchmark tells a partition that kept being read from one that was paused.
/// </summary>
internal sealed class BenchRebalanceMember : IAsyncDisposable
{
    private readonly ActorLogClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TopicPartition> _revoked = new();
    private Task _reading = Task.CompletedTask;

    private BenchRebalanceMember(int number, ActorLogClient client, string group, string topic, TimeSpan sessionTimeout)
    {
        Number = number;
        _client = client;
        Consumer = client.Consumer(group, new[] { topic }, new ConsumerOptions
        {
            SessionTimeout = sessionTimeout,
            // Latest: the benchmark times the handover, not reading whatever the topic already holds.
            AutoOffsetReset = AutoOffsetReset.Latest,
            OnRevoked = revoked =>
            {
                lock (_revoked) _revoked.AddRange(revoked);
                return Task.CompletedTask;
            },
        });
    }

    /// <summary>Connects; connecting is not part of any timed phase, so callers do it before starting the clock.</summary>
    public static async Task<BenchRebalanceMember> ConnectAsync(int number, string bootstrap, string group, string topic, TimeSpan sessionTimeout,
        CancellationToken ct) =>
        new(number, await ActorLogClient.ConnectAsync(bootstrap, ct: ct), group, topic, sessionTimeout);

    /// <summary>1, 2, … in the order members were started (member ids are long and random).</summary>
    public int Number { get; }

    public ActorLogConsumer Consumer { get; }

    public bool Crashed { get; private set; }

    /// <summary>Why its consumer stopped, if it failed (a crashed member's failure is expected and not reported).</summary>
    public Exception? Failure => !Crashed && _reading.IsFaulted ? _reading.Exception!.GetBaseException() : null;

    /// <summary>Starts reading: the consumer joins the group on its first ConsumeAsync.</summary>
    public void Start() => _reading = Task.Run(() => ReadAsync(_stop.Token));

    /// <summary>The partitions revoked since the last call (a partition revoked twice is listed twice).</summary>
    public IReadOnlyList<TopicPartition> TakeRevoked()
    {
        lock (_revoked)
        {
            var taken = _revoked.ToList();
            _revoked.Clear();
            return taken;
        }
    }

    /// <summary>Leaves the group at once (commit, leave heartbeat); its partitions go to the others now.</summary>
    public async Task CloseAsync()
    {
        await Consumer.CloseAsync();
        await StopReadingAsync();
    }

    /// <summary>
    /// Mimics a killed process: the member's ActorSystem terminates, so no heartbeat, commit or leave can go out,
    /// and the coordinator learns of it only when the session times out. The consumer is deliberately not closed
    /// (closing sends the leave); its loops keep failing against the terminated system until the benchmark exits.
    /// </summary>
    public async Task CrashAsync()
    {
        Crashed = true;
        await _client.DisposeAsync();
        await StopReadingAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // A crashed member's consumer must not be disposed: that would close it, trying a leave on a dead connection
        // for a whole request timeout.
        if (!Crashed) await Consumer.DisposeAsync();
        await StopReadingAsync();
        await _client.DisposeAsync();
        _stop.Dispose();
    }

    private async Task ReadAsync(CancellationToken ct)
    {
        // Nothing is produced during the benchmark; reading keeps each owned partition's long-poll fetch out, as a
        // real member's would be.
        await foreach (var _ in Consumer.ConsumeAsync(ct)) { }
    }

    private async Task StopReadingAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        // Stopped on purpose, its connection gone on purpose, or a failure already reported through Failure.
        await _reading.ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
