using System.Diagnostics;
using System.Globalization;
using System.Text;
using ActorLog.Client;
using ActorLog.Common;

namespace ActorLog.Cli.Chaos;

/// <summary>
/// Writes uniquely numbered records (the value is the number) with acks=all to every partition, one loop per
/// partition with its own in-flight window, so a partition without a leader never starves the others and its
/// first acknowledgement after a kill measures its failover. Numbers come from one counter and each loop sends
/// in the order it draws them, so within a partition numbers increase with time. Records every send,
/// acknowledgement (with its offset and time) and failure (with its error code).
/// </summary>
internal sealed class ChaosProducer(ActorLogClient client, string topic, int partitions, int inFlight, int rate, Stopwatch clock)
{
    private readonly object _lock = new();
    private readonly List<SentRecord> _sent = new();
    private readonly List<AckedRecord> _acked = new();
    private readonly List<FailedRecord> _failed = new();
    private readonly int _windowPerPartition = Math.Max(1, inFlight / partitions);
    private readonly TimeSpan?[] _lastAck = new TimeSpan?[partitions];
    private SemaphoreSlim[] _windows = [];
    private long _next;

    public (long Sent, long Acked, long Failed) Counts
    {
        get { lock (_lock) return (_sent.Count, _acked.Count, _failed.Count); }
    }

    /// <summary>When the partition last acknowledged a record (time since the run started), null if never.</summary>
    public TimeSpan? LastAckAt(int partition)
    {
        lock (_lock) return _lastAck[partition];
    }

    /// <summary>Sends until <paramref name="stop"/>, then waits (up to <paramref name="settleTimeout"/>) for every outstanding record's outcome.</summary>
    /// <returns>The records still outstanding after the settle timeout (0 when all settled).</returns>
    public async Task<int> RunAsync(CancellationToken stop, TimeSpan settleTimeout, CancellationToken abort)
    {
        _windows = Enumerable.Range(0, partitions).Select(_ => new SemaphoreSlim(_windowPerPartition)).ToArray();
        var loops = Enumerable.Range(0, partitions).Select(p => Task.Run(() => SendLoop(p, stop), CancellationToken.None)).ToArray();
        await Task.WhenAll(loops);
        using var settle = CancellationTokenSource.CreateLinkedTokenSource(abort);
        settle.CancelAfter(settleTimeout);
        var outstanding = 0;
        foreach (var window in _windows)
        {
            var taken = 0;
            try
            {
                for (; taken < _windowPerPartition; taken++) await window.WaitAsync(settle.Token);
            }
            catch (OperationCanceledException)
            {
                outstanding += _windowPerPartition - taken;
            }
        }
        return outstanding;
    }

    private async Task SendLoop(int partition, CancellationToken stop)
    {
        var window = _windows[partition];
        // Pacing: one record per interval; after a stall it resumes at the rate instead of bursting to catch up.
        var interval = rate > 0 ? TimeSpan.FromSeconds(partitions / (double)rate) : TimeSpan.Zero;
        var due = clock.Elapsed;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (interval > TimeSpan.Zero)
                {
                    var now = clock.Elapsed;
                    if (due > now) await Task.Delay(due - now, stop);
                    due = (due < now - TimeSpan.FromMilliseconds(100) ? now : due) + interval;
                }
                await window.WaitAsync(stop);
                Send(partition, window);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private void Send(int partition, SemaphoreSlim window)
    {
        long number;
        lock (_lock)
        {
            number = _next++;
            _sent.Add(new SentRecord(number, partition));
        }
        var value = Encoding.UTF8.GetBytes(number.ToString(CultureInfo.InvariantCulture));
        client.ProduceAsync(topic, null, value, null, Acks.All, partition).ContinueWith(t =>
        {
            lock (_lock)
            {
                if (t.IsCompletedSuccessfully)
                {
                    var at = clock.Elapsed;
                    _acked.Add(new AckedRecord(number, partition, t.Result.Offset, at));
                    _lastAck[partition] = at;
                }
                else
                    _failed.Add(new FailedRecord(number, partition, ErrorName(t.Exception?.GetBaseException()), clock.Elapsed));
            }
            window.Release();
        }, TaskScheduler.Default);
    }

    private static string ErrorName(Exception? e) => e switch
    {
        ActorLogException a => a.Code.ToString(),
        null => "Canceled",
        _ => e.GetType().Name,
    };

    /// <summary>What was sent, acknowledged and failed so far (copies).</summary>
    public (IReadOnlyList<SentRecord> Sent, IReadOnlyList<AckedRecord> Acked, IReadOnlyList<FailedRecord> Failed) Snapshot()
    {
        lock (_lock) return (_sent.ToList(), _acked.ToList(), _failed.ToList());
    }
}
