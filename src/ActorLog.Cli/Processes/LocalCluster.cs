using ActorLog.Client;
using ActorLog.Gateway;
using ActorLog.Hosting;

namespace ActorLog.Cli.Processes;

/// <summary>
/// Broker processes on 127.0.0.1, one data dir each under a root: what `actorlog dev` runs and `actorlog chaos`
/// kills and restarts. The first three ports are the seeds, so a restarted broker always finds the cluster.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private LocalCluster(IReadOnlyList<BrokerProcess> brokers) => Brokers = brokers;

    public IReadOnlyList<BrokerProcess> Brokers { get; }

    public string Bootstrap => string.Join(",", Brokers.Select(b => $"127.0.0.1:{b.Port}"));

    public BrokerProcess Broker(int brokerId) => Brokers.Single(b => b.BrokerId == brokerId);

    /// <summary>Brokers 1..n on <paramref name="ports"/>, data in root/broker-N; nothing is started yet.</summary>
    public static LocalCluster Create(string root, IReadOnlyList<int> ports)
    {
        var seeds = string.Join(",", ports.Take(Math.Min(3, ports.Count)).Select(p => $"127.0.0.1:{p}"));
        return new LocalCluster(ports.Select((port, i) => new BrokerProcess(i + 1, port, seeds, Path.Combine(root, $"broker-{i + 1}"))).ToList());
    }

    public void StartAll()
    {
        foreach (var b in Brokers) b.Start();
    }

    /// <summary>
    /// Until every broker of <paramref name="brokerIds"/> (all by default) is up in the cluster and a controller
    /// runs. Without a client given it connects one of its own for the whole wait, afresh only after a failure: a
    /// client per attempt, closed while a broker's answer to it was still on the way, left that broker logging an
    /// ERROR "Disassociated" for every such attempt. Fails early when a broker process exits, unless
    /// <paramref name="failOnExit"/> is false (someone else restarts exited brokers).
    /// </summary>
    public async Task WaitUntilUpAsync(TimeSpan timeout, CancellationToken ct, ActorLogClient? client = null,
        IReadOnlyCollection<int>? brokerIds = null, bool failOnExit = true)
    {
        var wanted = brokerIds ?? Brokers.Select(b => b.BrokerId).ToList();
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer yet";
        ActorLogClient? own = null;
        try
        {
            while (DateTime.UtcNow < deadline)
            {
                ct.ThrowIfCancellationRequested();
                if (failOnExit && Brokers.FirstOrDefault(b => wanted.Contains(b.BrokerId) && !b.IsRunning) is { } dead)
                    throw new InvalidOperationException($"Broker {dead.BrokerId} (port {dead.Port}) exited with code {dead.ExitCode}; see {dead.LogPath}");
                // Only connect once every broker listens: the client would otherwise log refused connections.
                if (Brokers.Any(b => wanted.Contains(b.BrokerId) && LoopbackPorts.IsFree(b.Port)))
                {
                    await Task.Delay(250, ct);
                    continue;
                }
                try
                {
                    var asking = client ?? (own ??= await ActorLogClient.ConnectAsync(Bootstrap, ct: ct));
                    var metadata = await asking.RefreshMetadataAsync(ct);
                    if (wanted.All(id => metadata.Brokers.Any(b => b.Id == id && b.Status == "up")) && metadata.ControllerBrokerId >= 0) return;
                    last = $"brokers [{string.Join(",", metadata.Brokers.Select(b => $"{b.Id}:{b.Status}"))}], controller {metadata.ControllerBrokerId}";
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    last = e.Message;
                    if (own is not null) await own.DisposeAsync();
                    own = null;
                }
                await Task.Delay(500, ct);
            }
            throw new TimeoutException($"Brokers [{string.Join(",", wanted)}] were not all up within {timeout.TotalSeconds:0} s (last seen: {last})");
        }
        finally
        {
            if (own is not null) await own.DisposeAsync();
        }
    }

    /// <summary>SIGTERM each broker in turn, last first (each leaves the cluster gracefully), SIGKILL after <paramref name="timeout"/>.</summary>
    public async Task StopAllAsync(TimeSpan timeout, Action<BrokerProcess>? stopped = null)
    {
        for (var i = Brokers.Count - 1; i >= 0; i--)
        {
            var b = Brokers[i];
            if (!b.IsRunning) continue;
            await b.StopAsync(timeout);
            stopped?.Invoke(b);
        }
    }

    /// <summary>Kills whatever still runs: no broker process outlives its cluster object.</summary>
    public ValueTask DisposeAsync()
    {
        foreach (var b in Brokers) b.Dispose();
        return ValueTask.CompletedTask;
    }
}
