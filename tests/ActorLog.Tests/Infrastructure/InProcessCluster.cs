using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ActorLog.Client;
using ActorLog.Hosting;

namespace ActorLog.Tests.Infrastructure;

/// <summary>
/// Several brokers in one test process: each its own ActorSystem (built by the production hosting code),
/// its own SQLite file, joined over loopback Akka.Remote on free ports.
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private readonly string _root;
    private readonly int[] _ports;
    private readonly IHost?[] _hosts;
    private readonly string? _extraHocon;

    private InProcessCluster(int brokers, string? extraHocon)
    {
        _extraHocon = extraHocon;
        _root = Path.Combine(Path.GetTempPath(), "actorlog-tests", Guid.NewGuid().ToString("N"));
        _ports = LoopbackPorts.Free(brokers);
        _hosts = new IHost?[brokers];
    }

    public string Bootstrap => string.Join(",", _ports.Select(p => $"127.0.0.1:{p}"));

    public int Count => _hosts.Length;

    /// <param name="extraHocon">Settings every broker gets on top of the tests' own (e.g. a tiny log cache).</param>
    public static async Task<InProcessCluster> StartAsync(int brokers, TimeSpan? timeout = null, string? extraHocon = null)
    {
        var cluster = new InProcessCluster(brokers, extraHocon);
        // Together, so the first seed finds the others at once instead of forming the cluster alone after a timeout.
        await Task.WhenAll(Enumerable.Range(0, brokers).Select(cluster.StartHostAsync));
        await cluster.WaitForMembersAsync(brokers, timeout ?? TimeSpan.FromSeconds(30));
        return cluster;
    }

    public BrokerOptions OptionsFor(int index) => new()
    {
        BrokerId = index + 1,
        Host = "127.0.0.1",
        Port = _ports[index],
        Seeds = _ports.Select(p => $"127.0.0.1:{p}").ToList(),
        DataDir = DataDir(index),
        // Terminating a system must not leave the cluster on its own: CrashBrokerAsync relies on it to look like a crash.
        // The slower failure detector (for loaded CI machines) takes ~6 s to find a dead member; the watchdog's
        // unseen-gossip check must wait longer than that (hocon/actorlog.conf).
        ExtraHocon = $"akka.loglevel = {LogLevel}\nakka.cluster.failure-detector.acceptable-heartbeat-pause = 5s\n" +
            "actorlog.membership.unseen-gossip-timeout = 8s\n" +
            "akka.coordinated-shutdown.run-by-actor-system-terminate = off" + (_extraHocon is null ? "" : "\n" + _extraHocon),
    };

    /// <summary>WARNING unless ACTORLOG_TEST_LOGLEVEL says otherwise (INFO shows the controller's and the singleton's steps).</summary>
    private static string LogLevel => Environment.GetEnvironmentVariable("ACTORLOG_TEST_LOGLEVEL") is { Length: > 0 } level ? level : "WARNING";

    public string DataDir(int index) => Path.Combine(_root, $"broker-{index + 1}");

    /// <summary>
    /// Starts (or restarts) a broker and waits until every running broker has it Up. A test that crashes another
    /// broker sooner could kill the seed that welcomed it before the others heard of it: the restarted broker would
    /// then be stuck Joining until its JoinWatchdog restarts it (a real broker's recovery, not what such tests test).
    /// </summary>
    public async Task StartBrokerAsync(int index)
    {
        await StartHostAsync(index);
        var joined = Cluster.Get(System(index)).SelfUniqueAddress;
        await UntilEveryRunningBrokerAsync(state => state.Members.Any(m => m.UniqueAddress.Equals(joined) && m.Status == MemberStatus.Up),
            TimeSpan.FromSeconds(30), $"Broker {index + 1} was not Up on every running broker");
    }

    private async Task StartHostAsync(int index)
    {
        var host = BrokerHosting.BuildBrokerHost(OptionsFor(index));
        await host.StartAsync();
        _hosts[index] = host;
    }

    public ActorSystem System(int index) => _hosts[index]!.Services.GetRequiredService<ActorSystem>();

    public async Task StopBrokerAsync(int index)
    {
        if (_hosts[index] is not { } host) return;
        _hosts[index] = null;
        // Graceful: leave the cluster (coordinated shutdown), then stop the host.
        await CoordinatedShutdown.Get(host.Services.GetRequiredService<ActorSystem>()).Run(CoordinatedShutdown.ClrExitReason.Instance);
        await host.StopAsync();
        host.Dispose();
    }

    /// <summary>Kills a broker's ActorSystem without leaving the cluster (as a crash would look to the others).</summary>
    public async Task CrashBrokerAsync(int index)
    {
        if (_hosts[index] is not { } host) return;
        _hosts[index] = null;
        var system = host.Services.GetRequiredService<ActorSystem>();
        // Abort: no graceful leave; the others see it unreachable and down it.
        await system.Terminate();
        host.Dispose();
    }

    public Task WaitForMembersAsync(int upCount, TimeSpan timeout) =>
        UntilEveryRunningBrokerAsync(state => state.Members.Count(m => m.Status == MemberStatus.Up) == upCount && state.Unreachable.Count == 0,
            timeout, $"Cluster did not reach {upCount} Up members");

    /// <summary>Polls until every running broker's view of the cluster satisfies <paramref name="holds"/>.</summary>
    private async Task UntilEveryRunningBrokerAsync(Func<ClusterEvent.CurrentClusterState, bool> holds, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Enumerable.Range(0, Count).Where(i => _hosts[i] is not null).All(i => holds(Cluster.Get(System(i)).State)))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{failure} within {timeout}");
            await Task.Delay(50);
        }
    }

    public Task<ActorLogClient> ConnectAsync() => ActorLogClient.ConnectAsync(Bootstrap);

    public async ValueTask DisposeAsync()
    {
        // One at a time: stopping several systems at the same instant times out cluster exit.
        for (var i = _hosts.Length - 1; i >= 0; i--)
        {
            try { await StopBrokerAsync(i); } catch { /* a broken broker must not hide the test's own failure */ }
        }
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
